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

/** JSON.stringify(obj), once per object. */
export function objectJSON(obj: object): string {
  return encodeOnce(obj, 'json', () => JSON.stringify(obj));
}
