import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wellFormedStrings } from './wellformed.js';

const parse = (text: string) => wellFormedStrings(JSON.parse(text), text);

test('lone surrogates in strings and keys become U+FFFD, as encoding/json decodes them; pairs stay', () => {
  assert.deepEqual(parse('{"a\\ud800":["\\udc00",{"x":"y\\udbff"}],"p":"\\ud83d\\ude00","n":1}'), {
    'a\ufffd': ['\ufffd', { x: 'y\ufffd' }],
    p: '\u{1f600}',
    n: 1,
  });
  assert.equal(parse('"\\ud800"'), '\ufffd');
  assert.deepEqual(parse('["\\uDFFF", null, true]'), ['\ufffd', null, true]);
});

test('a key that becomes one already there: the later of the two wins, as in Go', () => {
  assert.deepEqual(parse('{"\\ud800":1,"\\ufffd":2}'), { '\ufffd': 2 });
  assert.deepEqual(parse('{"\\ufffd":1,"\\ud800":2}'), { '\ufffd': 2 });
  assert.deepEqual(parse('{"\\ud800":1,"\\udc00":2}'), { '\ufffd': 2 });
});

test('a body with no surrogate escape is returned as it is, not walked', () => {
  const v = { a: ['b'] };
  assert.equal(wellFormedStrings(v, '{"a":["b"]}'), v);
  // YAML's 8-digit escape is recognised too.
  assert.equal(wellFormedStrings('\ud800', 'x: "\\U0000D800"'), '\ufffd');
});

test('nesting 10,000 deep is walked without recursion', () => {
  const text = `${'['.repeat(10_000)}"\\ud800"${']'.repeat(10_000)}`;
  let v = parse(text) as unknown;
  for (let i = 0; i < 10_000; i++) v = (v as unknown[])[0];
  assert.equal(v, '\ufffd');
});
