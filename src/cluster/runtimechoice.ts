// Which container runtime the local node uses (--runtime, K8TS_RUNTIME): a leaf module, so that
// the `serve` path can read the choice without loading the node's modules before the API server
// answers (#13).

export type RuntimeChoice = 'auto' | 'oci' | 'process';

export function parseRuntimeChoice(v: string | undefined): RuntimeChoice {
  const c = (v ?? 'auto').toLowerCase();
  if (c !== 'auto' && c !== 'oci' && c !== 'process') throw new Error(`unknown runtime "${v}": use auto, oci or process`);
  return c;
}
