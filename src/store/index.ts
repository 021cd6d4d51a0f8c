// The store a server runs on, chosen by name.

// etcd's client (gRPC, and a .proto parsed when it loads) is imported only for an etcd:// store:
// it was a fifth of every `k8ts up`'s module loading (#13).
import type { EtcdStoreOptions } from './etcd.js';
import { parseEtcdEndpoints, type StoreKind } from './kind.js';
import { MemoryStore } from './memory.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite.js';
import { SqliteWorkerStore } from './sqliteworker.js';
import type { Store } from './types.js';

export async function openStore(
  kind: StoreKind,
  dataDir?: string,
  opts?: SqliteStoreOptions,
  etcdTLS?: EtcdStoreOptions['tls'],
): Promise<Store> {
  if (typeof kind === 'string' && kind.startsWith('etcd://'))
    return (await import('./etcd.js')).EtcdStore.connect({ endpoints: parseEtcdEndpoints(kind, !!etcdTLS), tls: etcdTLS });
  switch (kind) {
    case 'memory':
      return new MemoryStore();
    case 'sqlite':
      if (!dataDir) throw new Error('the sqlite store needs a data directory');
      // K8TS_SQLITE_THREAD=worker puts the connection on a worker thread (sqliteworker.ts): not
      // the default, as it measured no faster on two shared cores (NOTES.md, storeworker); the
      // switch is the A/B of one build.
      if (process.env.K8TS_SQLITE_THREAD === 'worker' && !opts?.fsync) return SqliteWorkerStore.open(dataDir, opts);
      return new SqliteStore(dataDir, opts);
    default:
      throw new Error(`unknown store kind: ${String(kind)}`);
  }
}

export type { EtcdStoreOptions } from './etcd.js';
export { parseEtcdEndpoints, type StoreKind, storeKindError } from './kind.js';
export { MemoryStore } from './memory.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite.js';
export { SqliteWorkerStore } from './sqliteworker.js';
export * from './types.js';
