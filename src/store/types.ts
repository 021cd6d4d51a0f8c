// The storage contract, shaped after etcd v3 so that SQLite, memory and etcd are
// interchangeable. One cluster-wide revision counter increases on every write; an
// object's resourceVersion is the revision of its last write (its modRevision).

export interface KeyValue {
  key: string;
  /** The serialised object (JSON text). */
  value: string;
  /** Revision at which the key was created (reset if deleted and created again). */
  createRevision: number;
  /** Revision of the last write to this key. */
  modRevision: number;
}

export interface WatchEvent {
  type: 'put' | 'delete';
  /** For put: the new value. For delete: the key with the value it had, modRevision = the delete's revision. */
  kv: KeyValue;
  /** The value before this event, when there was one. */
  prevKv?: KeyValue;
}

export interface RangeOptions {
  /** Read as of this revision (MVCC). 0 or undefined: the newest. Compacted: throws CompactedError. */
  revision?: number;
  /** At most this many keys (0 or undefined: no limit). */
  limit?: number;
  /** Start at this key, inclusive (for paging). Keys are returned in byte order. */
  startKey?: string;
  /** Only count, return no kvs. */
  countOnly?: boolean;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** The revision the read was served at. */
  revision: number;
  /** True when limit cut the result short. */
  more: boolean;
  /** Keys under the prefix at that revision (from startKey on). */
  count: number;
}

export interface Watcher {
  cancel(): void;
}

/** Receives a watch's events, in revision order. */
export type EventHandler = (ev: WatchEvent) => void;
/** Ends a watch with its reason (e.g. the store closed). */
export type ErrorHandler = (err: Error) => void;

export interface Store {
  readonly name: string;
  /** The newest revision in the store. */
  currentRevision(): Promise<number>;
  /** The revision below which history is gone. */
  compactedRevision(): Promise<number>;
  get(key: string): Promise<KeyValue | undefined>;
  /** All keys starting with prefix, in key order. */
  range(prefix: string, opts?: RangeOptions): Promise<RangeResult>;
  /** Creates key; throws KeyExistsError if it exists. */
  create(key: string, value: string): Promise<KeyValue>;
  /**
   * Compare-and-swap: writes only if the key's modRevision equals expectedModRevision.
   * Throws KeyNotFoundError when missing, RevisionMismatchError (with the current kv) otherwise.
   */
  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue>;
  /**
   * Deletes key (if expectedModRevision is given, only at that revision). Returns the deleted kv
   * with modRevision set to the deletion's revision. Throws KeyNotFoundError / RevisionMismatchError.
   */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;
  /**
   * Every event under prefix with revision > fromRevision, in revision order, then live ones.
   * fromRevision older than the compacted revision: throws CompactedError (synchronously via the promise).
   * onEvent is called in order; onError ends the watch (e.g. store closed).
   */
  watch(prefix: string, fromRevision: number, onEvent: EventHandler, onError?: ErrorHandler): Promise<Watcher>;
  /** Drops history at and below revision (keeps each key's newest value). */
  compact(revision: number): Promise<void>;
  /**
   * For stores several API servers share: one round of the compactor, as kube-apiserver's
   * (storage/etcd3/compact.go). A compare-and-swap on the round counter elects one caller per
   * round; only it compacts. seenRound is the round this caller last saw (0 at first); the
   * answer is the round to pass next time, and whether this caller compacted.
   */
  compactRound?(seenRound: number, revision: number): Promise<{ round: number; compacted: boolean }>;
  close(): Promise<void>;
}

export class KeyExistsError extends Error {
  constructor(public key: string) {
    super(`key exists: ${key}`);
  }
}
export class KeyNotFoundError extends Error {
  constructor(public key: string) {
    super(`key not found: ${key}`);
  }
}
export class RevisionMismatchError extends Error {
  constructor(
    public key: string,
    public current: KeyValue,
  ) {
    super(`revision mismatch on ${key}: now ${current.modRevision}`);
  }
}
export class CompactedError extends Error {
  constructor(
    public requested: number,
    public compacted: number,
  ) {
    super(`required revision ${requested} has been compacted (compacted revision ${compacted})`);
  }
}

/**
 * The revision a read is served at, checked as etcd's mvcc checks a range (kvstore_txn.go
 * rangeKeys): the current one when none is asked for; else the one asked, which may be neither
 * compacted away (ErrCompacted) nor ahead of the store (ErrFutureRev). The in-process stores
 * share it; the etcd store gets etcd's own answer.
 */
export function readRevision(requested: number | undefined, current: number, compacted: number): number {
  if (!requested) return current;
  if (requested < compacted) throw new CompactedError(requested, compacted);
  if (requested > current) throw new Error(`required revision ${requested} is a future revision (current ${current})`);
  return requested;
}
