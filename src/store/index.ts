// The store a server runs on, chosen by name.

import { EtcdStore, parseEtcdEndpoints } from './etcd.js';
import { MemoryStore } from './memory.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite.js';
import type { Store } from './types.js';

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

export async function openStore(kind: StoreKind, dataDir?: string, opts?: SqliteStoreOptions): Promise<Store> {
  if (typeof kind === 'string' && kind.startsWith('etcd://')) return EtcdStore.connect({ endpoints: parseEtcdEndpoints(kind) });
  switch (kind) {
    case 'memory':
      return new MemoryStore();
    case 'sqlite':
      if (!dataDir) throw new Error('the sqlite store needs a data directory');
      return new SqliteStore(dataDir, opts);
    default:
      throw new Error(`unknown store kind: ${String(kind)}`);
  }
}

export { EtcdStore, type EtcdStoreOptions, parseEtcdEndpoints } from './etcd.js';
export { MemoryStore } from './memory.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite.js';
export * from './types.js';
