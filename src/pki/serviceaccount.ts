// The service-account signing key pair, as kubeadm keeps it beside the cluster CA: pki/sa.key
// (the private key kube-apiserver signs tokens with, --service-account-signing-key-file; 0600)
// and pki/sa.pub (what verifiers need, --service-account-key-file). Made once per data dir, so
// tokens issued before a restart still verify after it.

import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface ServiceAccountKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A fresh RSA 2048 pair (kubeadm's size), kept in memory only: test control planes. */
export function newServiceAccountKeyPair(): ServiceAccountKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicKey };
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
  fs.writeFileSync(tmp, pair.privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
  fs.renameSync(tmp, keyFile);
  fs.writeFileSync(path.join(pki, 'sa.pub'), pair.publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  return pair;
}
