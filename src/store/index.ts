// The store a server runs on, chosen by name.

import { MemoryStore } from './memory.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite.js';
import type { Store } from './types.js';

export type StoreKind = 'sqlite' | 'memory';

export async function openStore(kind: StoreKind, dataDir?: string, opts?: SqliteStoreOptions): Promise<Store> {
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

export { MemoryStore } from './memory.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite.js';
export * from './types.js';
