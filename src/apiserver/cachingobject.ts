// kube-apiserver's cachingObject (k8s.io/apiserver/pkg/storage/cacher/caching_object.go): an
// object the watch cache shares with every watcher and every list keeps each of its
// serializations, made once on first use, so that a thousand watchers, or a list of ten
// thousand objects, cost one encoding of each object per format instead of one per reader.
//
// The memo is keyed by the object's identity: the watch cache replaces an object on every
// write (never mutates it), so an encoding can never go stale, and it is dropped with the
// object. Whoever hands an object here promises not to mutate it afterwards.
//
// Its lifetime is bounded as well, as kube-apiserver's is: there the encodings live on the
// event being dispatched (cacher.go's setCachingObjects), not on the cached object, so a cluster
// of 150,000 pods does not keep a JSON copy of each beside the object. Here the memo has two
// generations (WeakMaps, so an object dropped by the cache takes its encodings along): a new
// encoding goes to the young one, a lookup that finds one in the old moves it to the young,
// and when the young one has taken encodingCache.generationBytes it becomes the old one and
// the old one is let go. An event fanned out to a thousand watchers, or a list asked for again
// and again, is encoded once; what nobody reads any more leaves within two generations.

/** Encoded bytes a generation takes before it is turned over (tests may lower it). */
export const encodingCache = { generationBytes: 32 * 1024 * 1024 };

export type Encodings = Map<string, string | Buffer>;
let young = new WeakMap<object, Encodings>();
let old = new WeakMap<object, Encodings>();
let youngBytes = 0;

const sizeOf = (v: string | Buffer): number => (typeof v === 'string' ? v.length * 2 : v.length);

function account(bytes: number): void {
  youngBytes += bytes;
  if (youngBytes >= encodingCache.generationBytes) {
    old = young;
    young = new WeakMap();
    youngBytes = 0;
  }
}

/** obj's encodings, moved to the young generation (made there when it has none). */
function encodings(obj: object): Encodings {
  let m = young.get(obj);
  if (!m) {
    m = old.get(obj);
    if (m) {
      old.delete(obj);
      young.set(obj, m);
      let bytes = 0;
      for (const v of m.values()) bytes += sizeOf(v);
      account(bytes);
    } else {
      m = new Map();
      young.set(obj, m);
    }
  }
  return m;
}

/** encode()'s result for obj in this format, computed once per object while it is in use. */
export function encodeOnce<T extends string | Buffer>(obj: object, format: string, encode: (m: Encodings) => T): T {
  const m = encodings(obj);
  let v = m.get(format) as T | undefined;
  if (v === undefined) {
    v = encode(m);
    m.set(format, v);
    account(sizeOf(v));
  }
  return v;
}

/**
 * JSON.stringify(obj) as UTF-8 bytes, once per object: the one cached JSON form, which GETs,
 * lists and watch events all write as it is (a list is its items' bytes one after another, a
 * watch event the object's bytes between a shared head and tail), so an object's JSON is held
 * once, not again in every form that carries it.
 */
export function objectJSONBytes(obj: object): Buffer {
  return encodeOnce(obj, 'json', jsonOf(obj));
}

/** Where knownJSON keeps an object's JSON text until objectJSONBytes takes it. */
const KNOWN_JSON = 'json-known';

const jsonOf =
  (obj: object) =>
  (m: Encodings): Buffer => {
    const known = m.get(KNOWN_JSON);
    if (typeof known !== 'string') return Buffer.from(JSON.stringify(obj));
    m.delete(KNOWN_JSON);
    youngBytes = Math.max(0, youngBytes - sizeOf(known));
    return Buffer.from(known);
  };

/**
 * Tells that JSON.stringify(obj) is text, known without encoding obj: the watch cache's object
 * made from a write whose stored text it is, resourceVersion spliced in (WatchCache.apply).
 * objectJSONBytes then takes it instead of encoding obj (a pod's ~4 KB, ~25-40 us a write when
 * any HTTP client watches or reads it). Kept, and let go, as an encoding is.
 */
export function knownJSON(obj: object, text: string): void {
  const m = encodings(obj);
  if (m.has('json') || m.has(KNOWN_JSON)) return;
  m.set(KNOWN_JSON, text);
  account(sizeOf(text));
}

/** JSON.stringify(obj), decoded from the cached bytes (for answers assembled as text). */
export function objectJSON(obj: object): string {
  return objectJSONBytes(obj).toString('utf8');
}
