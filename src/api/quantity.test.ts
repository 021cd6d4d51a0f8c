// resource.Quantity's parsing and canonical form, with cases from
// k8s.io/apimachinery/pkg/api/resource/quantity_test.go.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isObject } from './object.js';
import { canonicalizeQuantities, canonicalQuantity, Quantity } from './quantity.js';
import { allTypes, getType, isScalar, isSpecial, jsonFields } from './schema/index.js';

test('canonical form: decimal, binary and exponent quantities as Kubernetes writes them', () => {
  const cases: [string | number, string][] = [
    ['0', '0'],
    ['0.0', '0'],
    ['-0', '0'],
    ['0.5', '500m'],
    [0.5, '500m'],
    ['1000m', '1'],
    ['1.5', '1500m'],
    ['0.1', '100m'],
    ['100m', '100m'],
    ['1', '1'],
    [1, '1'],
    ['1000', '1k'],
    ['1200', '1200'],
    ['12000', '12k'],
    ['1k', '1k'],
    ['1000k', '1M'],
    ['0.0001', '100u'],
    ['1n', '1n'],
    ['0.1n', '1n'],
    ['1.0000000001', '1000000001n'],
    ['-1', '-1'],
    ['+1', '1'],
    ['01', '1'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1.5Gi', '1536Mi'],
    ['1000Mi', '1000Mi'],
    ['2048Ki', '2Mi'],
    ['0.5Gi', '512Mi'],
    ['1.5Ki', '1536'],
    ['0.5Ki', '512'],
    ['512', '512'],
    ['1Ki', '1Ki'],
    ['128974848', '128974848'],
    ['129e6', '129e6'],
    ['1e3', '1e3'],
    ['1E3', '1e3'],
    ['1.5e3', '1500'],
    ['10e3', '10e3'],
    ['12e6', '12e6'],
    ['1e-3', '1e-3'],
    ['5M', '5M'],
    ['1E', '1E'],
  ];
  for (const [input, want] of cases) assert.equal(Quantity.parse(input).toString(), want, `${JSON.stringify(input)}`);
});

test('what is not a quantity is refused', () => {
  for (const bad of ['', '.', '1.2.3', 'abc', '1e', '1Mib', '1 Gi', '--1', '1ki', 'Infinity'])
    assert.equal(Quantity.tryParse(bad), undefined, bad);
  assert.throws(() => Quantity.parse('x'), /quantities must match the regular expression/);
  assert.equal(Quantity.tryParse(Number.NaN), undefined);
});

test('exact comparison and rounding up to whole and milli units', () => {
  assert.equal(Quantity.parse('1').cmp(Quantity.parse('1000m')), 0);
  assert.equal(Quantity.parse('0.1').add(Quantity.parse('0.2')).cmp(Quantity.parse('300m')), 0, 'no float noise');
  assert.equal(Quantity.parse('1Gi').cmp(Quantity.parse('1G')), 1);
  assert.equal(Quantity.parse('100m').milliValue(), 100);
  assert.equal(Quantity.parse('0.1').milliValue(), 100);
  assert.equal(Quantity.parse('1n').milliValue(), 1, 'a nano cpu is one milli, rounded up');
  assert.equal(Quantity.parse('1500m').value(), 2);
  assert.equal(Quantity.parse('128Mi').value(), 134217728);
  assert.equal(Quantity.parse('-1.5').value(), -2, 'away from zero');
});

test('objects are stored with canonical quantities in every Quantity field', () => {
  const pod = {
    metadata: { name: 'q' },
    spec: {
      containers: [
        { name: 'c', image: 'x', resources: { requests: { cpu: 0.5, memory: '1024Mi' }, limits: { cpu: '1000m', memory: 'lots' } } },
      ],
      overhead: { cpu: '0.1' },
    },
    status: { containerStatuses: [{ name: 'c', allocatedResources: { cpu: '0.25' } }] },
  };
  canonicalizeQuantities('io.k8s.api.core.v1.Pod', pod);
  assert.deepEqual(pod.spec.containers[0].resources, { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: 'lots' } });
  assert.deepEqual(pod.spec.overhead, { cpu: '100m' });
  assert.deepEqual(pod.status.containerStatuses[0].allocatedResources, { cpu: '250m' });
});

test("a frozen part (the stored version's, shared by an update that keeps it) is left as it is; the rest is canonicalized", () => {
  const containers = Object.freeze([Object.freeze({ name: 'c', resources: Object.freeze({ requests: Object.freeze({ cpu: '500m' }) }) })]);
  const overhead = Object.freeze({ cpu: '100m' });
  const pod = {
    metadata: { name: 'q' },
    spec: { containers, initContainers: [{ name: 'i', resources: { requests: { cpu: '0.5' } } }], overhead },
    status: { containerStatuses: [{ name: 'c', allocatedResources: { cpu: '0.25' } }] },
  };
  // Assigning even the same value to a frozen object's property throws in strict mode.
  canonicalizeQuantities('io.k8s.api.core.v1.Pod', pod);
  assert.equal(pod.spec.containers, containers);
  assert.equal(pod.spec.overhead, overhead);
  assert.deepEqual(pod.spec.initContainers[0].resources, { requests: { cpu: '500m' } });
  assert.deepEqual(pod.status.containerStatuses[0].allocatedResources, { cpu: '250m' });
});

/** canonicalizeQuantities as it was: every field of every type walked. */
function canonicalizeByFullWalk(typeName: string, value: unknown): void {
  const t = getType(typeName);
  if (!t || !isObject(value)) return;
  for (const [json, f] of jsonFields(t)) {
    const v = value[json];
    if (v === undefined || v === null) continue;
    if (f.type === 'Quantity') {
      if (f.map && isObject(v)) for (const k of Object.keys(v)) v[k] = canonicalQuantity(v[k]);
      else if (f.list && Array.isArray(v)) for (let i = 0; i < v.length; i++) v[i] = canonicalQuantity(v[i]);
      else if (!f.map && !f.list) value[json] = canonicalQuantity(v);
      continue;
    }
    if (isScalar(f.type) || isSpecial(f.type)) continue;
    if (f.map && isObject(v)) for (const x of Object.values(v)) canonicalizeByFullWalk(f.type, x);
    else if (f.list && Array.isArray(v)) for (const x of v) canonicalizeByFullWalk(f.type, x);
    else canonicalizeByFullWalk(f.type, v);
  }
}

/** Deep enough for Pod > spec > containers > resources > requests, and for status.containerStatuses[].resources. */
const DEPTH = 6;

/** An object of the type with every field set (to a depth), each Quantity non-canonical ("1000m"). */
function everyField(typeName: string, depth: number): unknown {
  const t = getType(typeName);
  if (!t || depth === 0) return {};
  const o: Record<string, unknown> = {};
  for (const [json, f] of jsonFields(t)) {
    const one = (): unknown =>
      f.type === 'Quantity'
        ? '1000m'
        : isScalar(f.type)
          ? f.type === 'string' || f.type === 'bytes'
            ? 'x'
            : f.type === 'bool'
              ? true
              : 1
          : isSpecial(f.type)
            ? 'x'
            : everyField(f.type, depth - 1);
    o[json] = f.map ? { a: one() } : f.list ? [one()] : one();
  }
  return o;
}

test('canonicalizeQuantities visits only what leads to a Quantity, with the result of the full walk for every type', () => {
  let changedTypes = 0;
  for (const t of allTypes()) {
    const input = everyField(t.name, DEPTH);
    const want = structuredClone(input);
    canonicalizeByFullWalk(t.name, want);
    const got = structuredClone(input);
    canonicalizeQuantities(t.name, got);
    assert.deepEqual(got, want, t.name);
    if (JSON.stringify(want) !== JSON.stringify(input)) changedTypes++;
  }
  // Pods, nodes, quotas, limit ranges, claims ... hold Quantities: the comparison is not of untouched objects only.
  assert.ok(changedTypes >= 20, `${changedTypes} types had a Quantity to canonicalize`);
  const pod = {
    spec: {
      containers: [{ name: 'c', resources: { requests: { cpu: '1000m', memory: '1024Ki' } } }],
      volumes: [{ name: 'v', emptyDir: { sizeLimit: '2048Mi' } }],
      overhead: { cpu: '0.5' },
    },
  };
  canonicalizeQuantities('io.k8s.api.core.v1.Pod', pod);
  assert.deepEqual(pod.spec.containers[0].resources.requests, { cpu: '1', memory: '1Mi' });
  assert.equal(pod.spec.volumes[0].emptyDir.sizeLimit, '2Gi');
  assert.deepEqual(pod.spec.overhead, { cpu: '500m' });
});
