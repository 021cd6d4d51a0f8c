// Detached JWS signatures of cluster-info, as k8s.io/cluster-bootstrap/token/jws: the bootstrap
// signer signs the cluster-info kubeconfig with HS256 under each signing token ("<id>.<secret>"
// as the key, the id as kid) and stores "header..signature"; a joiner holding the token checks
// the signature before it trusts the CA that kubeconfig carries.

import { CompactSign, compactVerify } from 'jose';

export async function computeDetachedSignature(content: string, tokenId: string, tokenSecret: string): Promise<string> {
  const key = new TextEncoder().encode(`${tokenId}.${tokenSecret}`);
  const jws = await new CompactSign(new TextEncoder().encode(content)).setProtectedHeader({ alg: 'HS256', kid: tokenId }).sign(key);
  const [header, , signature] = jws.split('.');
  return `${header}..${signature}`;
}

/** Whether detached is content's signature under the token (HS256 only, kid the token's id). */
export async function verifyDetachedSignature(content: string, detached: string, tokenId: string, tokenSecret: string): Promise<boolean> {
  const parts = detached.split('.');
  if (parts.length !== 3 || parts[1] !== '') return false;
  const payload = Buffer.from(content, 'utf8').toString('base64url');
  try {
    const { protectedHeader } = await compactVerify(
      `${parts[0]}.${payload}.${parts[2]}`,
      new TextEncoder().encode(`${tokenId}.${tokenSecret}`),
      {
        algorithms: ['HS256'],
      },
    );
    return protectedHeader.kid === tokenId;
  } catch {
    return false;
  }
}
