// jsonTextDepth skips strings by searching for their closing quote; what it answers must be
// what a walk of every character answers (the depth check guards JSON.parse against nesting
// past Go's 10,000), escapes, unterminated strings and the early stop included.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonTextDepth, MAX_NESTING_DEPTH } from './jsonlimits.js';

/** The character-by-character walk jsonTextDepth replaced. */
function walkedDepth(text: string, max = MAX_NESTING_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > max) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return deepest;
}

test('jsonTextDepth answers what a walk of every character answers', () => {
  const cases = [
    '',
    '{}',
    '{"a":[1,{"b":"[[[["}]}',
    '{"a":"\\"[[[","b":[[]]}',
    '{"a":"x\\\\"}',
    '{"a":"x\\\\",[[["b"]]]}',
    '"unterminated [[[',
    '[[["a\\',
    '["\\u005b", [["\\\\\\"[["]]]',
    '{"data":{"k":"v"},"metadata":{"name":"n","labels":{"a":"b"}}}',
  ];
  for (const c of cases) assert.equal(jsonTextDepth(c), walkedDepth(c), c);
  // Random texts over the characters that matter, some with backslashes and some without.
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 20_000; round++) {
    const alphabet = round % 3 === 0 ? '[]{}"a,' : '[]{}"\\a,';
    let s = '';
    const n = rnd(40);
    for (let i = 0; i < n; i++) s += alphabet[rnd(alphabet.length)];
    assert.equal(jsonTextDepth(s), walkedDepth(s), s);
    assert.equal(jsonTextDepth(s, 2), walkedDepth(s, 2), `${s} (max 2)`);
  }
});

test('jsonTextDepth stops once past the limit, and strings never count', () => {
  assert.equal(jsonTextDepth(`${'['.repeat(20_000)}${']'.repeat(20_000)}`), MAX_NESTING_DEPTH + 1);
  assert.equal(jsonTextDepth(`["${'['.repeat(20_000)}"]`), 1);
  assert.equal(jsonTextDepth(`["\\"${'{'.repeat(20_000)}"]`), 1);
});
