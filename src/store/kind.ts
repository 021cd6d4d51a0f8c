// Which store a --store value names, and whether it is valid: a leaf, so the CLI (cluster/config.ts)
// checks the value without loading the stores themselves (etcd's gRPC client; #13: start-up time).

/** etcd://host:port[,host:port...]: the members of an etcd cluster (keys under /registry). */
export type StoreKind = 'sqlite' | 'memory' | `etcd://${string}`;

/** Checks a --store value; returns an error message, or undefined when it is valid. */
export function storeKindError(v: string): string | undefined {
  if (v === 'sqlite' || v === 'memory') return undefined;
  if (!v.startsWith('etcd://')) return 'sqlite, memory or etcd://host:port[,host:port]';
  try {
    parseEtcdEndpoints(v);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Parses "etcd://h1:p1,h2:p2" (or bare "h:p,h:p") into client URLs. */
export function parseEtcdEndpoints(spec: string, tls = false): string[] {
  const rest = spec.replace(/^etcd:\/\//, '');
  const parts = rest
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new Error(`no etcd endpoints in ${JSON.stringify(spec)} (want etcd://host:port[,host:port])`);
  return parts.map((p) => {
    const url = /^https?:\/\//.test(p) ? p : `${tls ? 'https' : 'http'}://${p}`;
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new Error(`bad etcd endpoint ${JSON.stringify(p)} (want host:port)`);
    }
    if (!u.port || u.pathname !== '/') throw new Error(`bad etcd endpoint ${JSON.stringify(p)} (want host:port)`);
    return `${u.protocol}//${u.host}`;
  });
}
