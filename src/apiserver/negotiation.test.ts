// The duplicate-field scanner behind fieldValidation (k8s.io/apimachinery's strict JSON
// decoding, which reports `duplicate field "<path>"`).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findDuplicateKeys, negotiateOutput } from './negotiation.js';

test('findDuplicateKeys names each key given twice by its path, and nothing else', () => {
  const cases: [string, string[]][] = [
    ['{"a":1,"b":2}', []],
    ['{"a":1,"a":2}', ['a']],
    ['{"a":1,"a":2,"a":3}', ['a', 'a']],
    ['{"metadata":{"name":"x","labels":{"k":"1"},"name":"y"}}', ['metadata.name']],
    // The same key in sibling objects is no duplicate.
    ['{"x":{"a":1},"y":{"a":1},"z":[{"a":1},{"a":2}]}', []],
    ['{"items":[{"a":1},{"b":1,"c":[],"b":2}]}', ['items[1].b']],
    ['{"m":[[{"k":1,"k":2}]]}', ['m[0][0].k']],
    // Keys are compared decoded: "\u0061" is "a".
    ['{"a":1,"\\u0061":2}', ['a']],
    ['{"q\\"k":1,"q\\"k":2}', ['q"k']],
    // Strings holding quotes, backslashes, braces and commas are skipped whole.
    ['{"v":"x\\"}{,[\\\\","w":"\\\\","u":"\\\\\\"","v":true}', ['v']],
    ['{"v":"a,\\"b\\":1,\\"v\\":2","n":null}', []],
    [' {\n  "a" : 1.5e3 ,\n\t"b":false,\r\n "a": [ ] } ', ['a']],
    ['{"":1,"":2}', ['']],
    ['{"o":{}, "o":{}}', ['o']],
  ];
  for (const [text, want] of cases) {
    JSON.parse(text); // every case is valid JSON, as the scanner's input always is
    assert.deepEqual(findDuplicateKeys(text), want, text);
  }
});

test('findDuplicateKeys finds a duplicate deep in a large body of long strings', () => {
  const data: Record<string, string> = {};
  for (let k = 0; k < 200; k++) data[`key-${k}`] = `value "${k}" \\ ${'x'.repeat(500)}`;
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data });
  assert.deepEqual(findDuplicateKeys(body), []);
  const dup = body.replace('"key-150":', '"key-7":');
  assert.deepEqual(findDuplicateKeys(dup), ['data.key-7']);
});

test('negotiateOutput: the Accept values that can only mean JSON are answered without a parse, as the parse answers them', () => {
  const q = new URLSearchParams('includeObject=Object');
  const plain = [undefined, '', 'application/json', 'application/json, */*', '*/*'];
  // One shared answer for them (no object made per request)...
  for (const a of plain) assert.equal(negotiateOutput(a, q), negotiateOutput('application/json', new URLSearchParams()), String(a));
  // ...equal to what the full parse gives for the same media types written otherwise.
  for (const a of ['application/json;q=0.9', 'Application/JSON', 'application/json,*/*', '*/*;q=0.8', 'text/html, */*'])
    assert.deepEqual(negotiateOutput(a, q), { kind: 'json' }, a);
  assert.deepEqual(negotiateOutput('application/json;as=Table;v=v1;g=meta.k8s.io, application/json', q), {
    kind: 'table',
    includeObject: 'Object',
  });
  assert.throws(() => negotiateOutput('application/vnd.kubernetes.protobuf', q), /only the following media types/);
});
