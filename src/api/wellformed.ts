// Strings of a request body as Go decodes them. JSON (and YAML's double-quoted strings) may
// write a UTF-16 surrogate alone as an escape (`"\ud800"`); JSON.parse keeps it, a string no
// UTF-8 can carry, while kube-apiserver's encoding/json decodes it as U+FFFD (utf8.RuneError).
// Kept, such a name could not be written in a URL (encodeURIComponent throws on it): an object
// stored so could never be read or deleted by name again (the fuzz run found a Role named
// "\ud800"). So every string and key of a decoded body is made well-formed as Go would make it.
// Only a body whose text holds a surrogate's escape can hold one (its raw bytes are UTF-8,
// decoded with U+FFFD for what is not), so other bodies are not walked.

/** `\uD800`-`\uDFFF` as JSON writes them, or YAML's `\U0000D800`-`\U0000DFFF`. */
const SURROGATE_ESCAPE = /\\(?:u|U0000)[dD][89a-fA-F]/;

interface UnicodeString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}
const wellFormed = (s: string): string =>
  (s as unknown as UnicodeString).isWellFormed() ? s : (s as unknown as UnicodeString).toWellFormed();

/**
 * value (decoded from text) with every lone surrogate in its strings and keys replaced by
 * U+FFFD, in place (the root, if a string, is returned new). Walked without recursion: a body
 * may nest 10,000 deep.
 */
export function wellFormedStrings<T>(value: T, text: string): T {
  if (!SURROGATE_ESCAPE.test(text)) return value;
  if (typeof value === 'string') return wellFormed(value) as T;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const e = v[i];
        if (typeof e === 'string') v[i] = wellFormed(e);
        else if (typeof e === 'object' && e !== null) stack.push(e);
      }
    } else if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        let e = o[k];
        if (typeof e === 'string') e = o[k] = wellFormed(e);
        else if (typeof e === 'object' && e !== null) stack.push(e);
        const fixed = wellFormed(k);
        if (fixed !== k) {
          // As Go's decoder: the key is the replaced one, and of two keys spelt alike then the later wins.
          delete o[k];
          if (keys.indexOf(fixed, i + 1) === -1) o[fixed] = e;
        }
      }
    }
  }
  return value;
}
