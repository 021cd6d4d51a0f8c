// kube-apiserver's cachingObject (k8s.io/apiserver/pkg/storage/cacher/caching_object.go): an
// object the watch cache shares with every watcher and every list keeps each of its
// serializations, made once on first use, so that a thousand watchers, or a list of ten
// thousand objects, cost one encoding of each object per format instead of one per reader.
//
// The memo is keyed by the object's identity: the watch cache replaces an object on every
// write (never mutates it), so an encoding can never go stale, and it is dropped with the
// object. Whoever hands an object here promises not to mutate it afterwards.

const encodings = new WeakMap<object, Map<string, string | Buffer>>();

/** encode()'s result for obj in this format, computed once per object. */
export function encodeOnce<T extends string | Buffer>(obj: object, format: string, encode: () => T): T {
  let m = encodings.get(obj);
  if (!m) {
    m = new Map();
    encodings.set(obj, m);
  }
  let v = m.get(format) as T | undefined;
  if (v === undefined) {
    v = encode();
    m.set(format, v);
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
  return encodeOnce(obj, 'json', () => Buffer.from(JSON.stringify(obj)));
}

/** JSON.stringify(obj), decoded from the cached bytes (for answers assembled as text). */
export function objectJSON(obj: object): string {
  return objectJSONBytes(obj).toString('utf8');
}
