// The service-account signing key pair, as kubeadm keeps it beside the cluster CA: pki/sa.key
// (the private key kube-apiserver signs tokens with, --service-account-signing-key-file; 0600)
// and pki/sa.pub (what verifiers need, --service-account-key-file). Made once per data dir, so
// tokens issued before a restart still verify after it.
//
// A new pair is ECDSA P-256 and tokens are signed ES256 (kube-apiserver accepts RSA and ECDSA
// keys for --service-account-signing-key-file): made in under a millisecond where an RSA-2048 key
// took a large part of a new cluster's start (#13). A data dir's existing RSA key is kept and
// signs RS256 as before, so its tokens stay valid.

import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface ServiceAccountKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A fresh ECDSA P-256 pair, kept in memory only: test control planes. */
export function newServiceAccountKeyPair(): ServiceAccountKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey };
}

/** The JWS algorithm a key signs tokens with (kube-apiserver's serviceaccount.JWTTokenGenerator). */
export function signingAlgorithm(key: KeyObject): 'RS256' | 'ES256' | 'ES384' | 'ES512' {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    if (curve === 'secp521r1') return 'ES512';
  }
  throw new Error(`unsupported service-account key type ${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ''}`.trim());
}

/** Loads DIR/pki/sa.key, making the pair on first use (key 0600, public half beside it). */
export function ensureServiceAccountKey(dir: string): ServiceAccountKeyPair {
  const pki = path.join(dir, 'pki');
  fs.mkdirSync(pki, { recursive: true, mode: 0o700 });
  const keyFile = path.join(pki, 'sa.key');
  try {
    const privateKey = createPrivateKey(fs.readFileSync(keyFile, 'utf8'));
    return { privateKey, publicKey: createPublicKey(privateKey) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new Error(`cannot read the service-account key ${keyFile}: ${(e as Error).message}`);
  }
  const pair = newServiceAccountKeyPair();
  // Written under a temporary name and renamed: a crash never leaves half a key to be read later.
  const tmp = `${keyFile}.${process.pid}.tmp`;
  // SEC 1 ("EC PRIVATE KEY"), the form kubeadm writes an ECDSA sa.key in.
  fs.writeFileSync(tmp, pair.privateKey.export({ type: 'sec1', format: 'pem' }), { mode: 0o600 });
  fs.renameSync(tmp, keyFile);
  fs.writeFileSync(path.join(pki, 'sa.pub'), pair.publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  return pair;
}
