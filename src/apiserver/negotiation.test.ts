// The duplicate-field scanner behind fieldValidation (k8s.io/apimachinery's strict JSON
// decoding, which reports `duplicate field "<path>"`).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findDuplicateKeys, mayHaveDuplicateKeys, negotiateOutput } from './negotiation.js';

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

test('mayHaveDuplicateKeys: false only where the scanner finds none; false for the usual compact bodies', () => {
  const says = (text: string) => mayHaveDuplicateKeys(text, JSON.parse(text));
  // The usual bodies: compact, no duplicates, no `":` in a string: the scan is skipped.
  const configMap = JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cm', namespace: 'ns', labels: { app: 'x' } },
    data: { 'a.properties': 'k=v', b: 'w' },
  });
  const pod = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: 'b' }] }], volumes: [] },
  });
  for (const t of [configMap, pod, '{}', '[]', '{"a":[]}', '{"":1}', '[{"a":1},{"a":2}]', '{"x":{"a":1},"y":{"a":1}}'])
    assert.equal(says(t), false, t);
  // Duplicates, written compactly or not.
  for (const t of ['{"a":1,"a":2}', '{"m":{"k":1,"k":{}}}', '{"a" :1,"a":2}', '[{"k":1,"k":2}]']) assert.equal(says(t), true, t);
  // What cannot be told apart from a duplicate by counting: the scan decides.
  for (const t of ['{"a":"x\\":y"}', '{"a" : 1}', '{"q\\"":1}', '{"a":"\\":"}'])
    assert.equal(says(t), findDuplicateKeys(t).length === 0 ? says(t) : true);

  // Random bodies, some with a key given twice, some with `":` in strings or spaced colons:
  // whenever it says false the scanner finds nothing.
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const word = () => ['a', 'b', 'c', '\\":', 'k\\"', ' :', '\\\\', 'é', '{', '\\u003a'][rnd(10)] + ['', 'x', ':'][rnd(3)];
  const str = () => `"${word()}${rnd(2) ? word() : ''}"`;
  const colon = () => (rnd(6) === 0 ? ' : ' : ':');
  const val = (d: number): string => {
    const r = rnd(d > 3 ? 3 : 6);
    if (r === 0) return str();
    if (r === 1) return String(rnd(100));
    if (r === 2) return rnd(2) ? 'true' : 'null';
    if (r === 3) return `[${Array.from({ length: rnd(3) }, () => val(d + 1)).join(',')}]`;
    return obj(d);
  };
  const obj = (d: number): string => {
    const keys = Array.from({ length: 1 + rnd(5) }, () => str());
    if (rnd(3) === 0) keys.splice(rnd(keys.length + 1), 0, keys[rnd(keys.length)]);
    return `{${keys.map((k) => `${k}${colon()}${val(d + 1)}`).join(',')}}`;
  };
  let skipped = 0;
  let duplicated = 0;
  for (let n = 0; n < 20_000; n++) {
    const t = obj(0);
    const dups = findDuplicateKeys(t);
    if (dups.length) duplicated++;
    if (!says(t)) {
      skipped++;
      assert.deepEqual(dups, [], t);
    }
  }
  assert.ok(skipped > 1_000 && duplicated > 1_000, `${skipped} skipped, ${duplicated} with duplicates`);
});
