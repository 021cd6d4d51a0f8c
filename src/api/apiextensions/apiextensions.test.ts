// The structural-schema library: structural checks, validation messages, pruning, defaulting,
// CEL rules and JSONPath, each against what apiextensions-apiserver says for the same input.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldErrorMessage } from '../errors.js';
import type { KObject } from '../object.js';
import { validateCRDCreate } from '../validation/apiextensions.js';
import { validateRules } from './cel.js';
import { findResults, parseJSONPath } from './jsonpath.js';
import { applyDefaults, prune } from './prune.js';
import { type JSONSchemaProps, validateStructural } from './structural.js';
import { validateValue } from './validate.js';

const msgs = (errs: Parameters<typeof fieldErrorMessage>[0][]) => errs.map(fieldErrorMessage);
const P = 'spec.versions[0].schema.openAPIV3Schema';
/** A custom resource's schema: an object whose spec is an object with these keywords. */
const specSchema = (spec: JSONSchemaProps): JSONSchemaProps => ({ type: 'object', properties: { spec: { type: 'object', ...spec } } });

test('structural: types are required outside value validations, metadata only restricts name, nested contexts stay generic-free', () => {
  const s: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: { properties: { list: { type: 'array' } } },
      metadata: { type: 'object', properties: { labels: { type: 'object' } } },
      port: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-preserve-unknown-fields': true },
      x: { type: 'string', anyOf: [{ type: 'string', description: 'd' }] },
    },
  };
  assert.deepEqual(msgs(validateStructural(P, s)), [
    `${P}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
    `${P}.properties[port].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true`,
    `${P}.properties[spec].properties[list].items: Required value: must be specified`,
    `${P}.properties[spec].type: Required value: must not be empty for specified object fields`,
    `${P}.properties[x].anyOf[0].description: Forbidden: must be empty to be structural`,
    `${P}.properties[x].anyOf[0].type: Forbidden: must be empty to be structural`,
  ]);
  assert.deepEqual(msgs(validateStructural(P, { type: 'string' })), [`${P}.type: Invalid value: "string": must be object at the root`]);
  // The int-or-string pattern of anyOf is allowed.
  assert.deepEqual(
    validateStructural(P, {
      type: 'object',
      properties: { p: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } },
    }),
    [],
  );
});

test("validation messages are kube-openapi's, turned into field errors as apiextensions does", () => {
  const s: JSONSchemaProps = {
    type: 'object',
    required: ['spec'],
    properties: {
      spec: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string', maxLength: 3 },
          n: { type: 'integer', minimum: 2, exclusiveMaximum: true, maximum: 5, multipleOf: 2 },
          mode: { type: 'string', enum: ['a', 'b'] },
          items: { type: 'array', maxItems: 1, items: { type: 'string', minLength: 2 } },
          email: { type: 'string', format: 'email' },
          m: { type: 'object', maxProperties: 1, additionalProperties: { type: 'boolean' } },
        },
      },
    },
  };
  const obj = { spec: { name: 'abcd', n: 5, mode: 'c', items: ['x', 'yy'], email: 'nope', m: { a: true, b: 'no' } } };
  assert.deepEqual(msgs(validateValue(s, obj)), [
    'spec.name: Too long: may not be more than 3 bytes',
    'spec.n: Invalid value: 5: spec.n in body should be less than 5',
    'spec.n: Invalid value: 5: spec.n in body should be a multiple of 2',
    'spec.mode: Unsupported value: "c": supported values: "a", "b"',
    'spec.items: Too many: 2: must have at most 1 items',
    'spec.items[0]: Invalid value: "x": spec.items[0] in body should be at least 2 chars long',
    'spec.email: Invalid value: "nope": spec.email in body must be of type email: "nope"',
    'spec.m: Too many: 2: must have at most 1 items',
    'spec.m.b: Invalid value: "string": spec.m.b in body must be of type boolean: "string"',
  ]);
  assert.deepEqual(msgs(validateValue(s, { spec: {} })), ['spec.name: Required value']);
});

test("pruning drops unknown fields (keeping preserved subtrees and embedded resources' type and metadata)", () => {
  const s = specSchema({
    properties: {
      keep: { type: 'string' },
      free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      tmpl: {
        type: 'object',
        'x-kubernetes-embedded-resource': true,
        properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } },
      },
      list: { type: 'array', items: { type: 'object', properties: { k: { type: 'string' } } } },
    },
  });
  const obj: Record<string, unknown> = {
    apiVersion: 'x/v1',
    kind: 'X',
    metadata: { name: 'n', bogus: 1 },
    spec: {
      keep: 'y',
      drop: 1,
      free: { any: { thing: 1 } },
      tmpl: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { a: 'x', b: 'y' } },
      list: [{ k: 'v', z: 1 }],
    },
    other: true,
  };
  assert.deepEqual(prune(obj, s).sort(), ['metadata.bogus', 'other', 'spec.drop', 'spec.list[0].z', 'spec.tmpl.spec.b']);
  assert.deepEqual(obj, {
    apiVersion: 'x/v1',
    kind: 'X',
    metadata: { name: 'n' },
    spec: {
      keep: 'y',
      free: { any: { thing: 1 } },
      tmpl: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { a: 'x' } },
      list: [{ k: 'v' }],
    },
  });
});

test('defaulting fills absent fields and non-nullable nulls, recursively', () => {
  const s = specSchema({
    default: {},
    properties: {
      replicas: { type: 'integer', default: 1 },
      image: { type: 'string', default: 'busybox' },
      ports: { type: 'array', items: { type: 'object', properties: { protocol: { type: 'string', default: 'TCP' } } } },
      gone: { type: 'string' },
    },
  });
  const a: Record<string, unknown> = {};
  applyDefaults(a, s);
  assert.deepEqual(a, { spec: { replicas: 1, image: 'busybox' } });
  const b: Record<string, unknown> = { spec: { replicas: 3, image: null, gone: null, ports: [{}, { protocol: 'UDP' }] } };
  applyDefaults(b, s);
  assert.deepEqual(b, { spec: { replicas: 3, image: 'busybox', ports: [{ protocol: 'TCP' }, { protocol: 'UDP' }] } });
});

test('CEL rules: messages, reasons, field paths, transition rules with oldSelf', () => {
  const s = specSchema({
    'x-kubernetes-validations': [
      { rule: 'self.minReplicas <= self.maxReplicas', message: 'minReplicas must not exceed maxReplicas' },
      { rule: 'self.name.startsWith("web")', reason: 'FieldValueForbidden', fieldPath: '.name' },
    ],
    properties: {
      minReplicas: { type: 'integer' },
      maxReplicas: { type: 'integer' },
      name: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'name is immutable' }] },
      'x-count': { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self > 0' }] },
    },
  });
  const obj = { spec: { minReplicas: 5, maxReplicas: 2, name: 'db', 'x-count': 0 } };
  assert.deepEqual(msgs(validateRules(s, obj)), [
    'spec: Invalid value: "object": minReplicas must not exceed maxReplicas',
    'spec.name: Forbidden: failed rule: self.name.startsWith("web")',
    'spec.x-count: Invalid value: "integer": failed rule: self > 0',
  ]);
  const old = { spec: { minReplicas: 1, maxReplicas: 2, name: 'web-a', 'x-count': 1 } };
  assert.deepEqual(msgs(validateRules(s, { spec: { ...old.spec, name: 'web-b' } }, old)), [
    'spec.name: Invalid value: "string": name is immutable',
  ]);
  assert.deepEqual(validateRules(s, old, old), []);
  // A missing field is an evaluation error, reported with the rule.
  const m = msgs(
    validateRules(
      {
        type: 'object',
        'x-kubernetes-validations': [{ rule: 'self.spec.x > 1' }],
        properties: { spec: { type: 'object', properties: { x: { type: 'integer' } } } },
      },
      { spec: {} },
    ),
  );
  assert.equal(m.length, 1);
  assert.match(m[0], /^<nil>: Invalid value: "object": .* evaluating rule: self\.spec\.x > 1$/);
});

// One custom object must not hold the API server's thread: a rule nesting comprehensions over a
// list the object fills (200 items: 8 s; 1,000: minutes) is stopped at Kubernetes' per-call
// limit, and many costly rules at the per-object budget, with kube-apiserver's messages; no
// further rule runs (redteam, session 10).
test('CEL rules are stopped at the per-call limit and the per-object budget', () => {
  const cubic = "self.items.all(x, self.items.all(y, self.items.all(z, x + y + z != 'never')))";
  const s = specSchema({
    'x-kubernetes-validations': [{ rule: cubic }],
    properties: {
      items: { type: 'array', items: { type: 'string' }, 'x-kubernetes-validations': [{ rule: 'size(self) < 100000' }] },
    },
  });
  const items = Array.from({ length: 1000 }, (_, i) => `x${i}`);
  assert.deepEqual(msgs(validateRules(s, { spec: { items } })), [
    `spec: Invalid value: "object": 'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: ${cubic}`,
  ]);
  // Under the limit it runs (and a later rule fails as usual).
  const small = specSchema({
    'x-kubernetes-validations': [{ rule: cubic }, { rule: 'size(self.items) > 50', message: 'too few' }],
    properties: { items: { type: 'array', items: { type: 'string' } } },
  });
  assert.deepEqual(msgs(validateRules(small, { spec: { items: items.slice(0, 20) } })), ['spec: Invalid value: "object": too few']);
  // Eleven rules of ~989,000 each: the object's budget of 10,000,000 runs out at the eleventh.
  const quadratic = 'self.all(x, self.all(y, true))';
  const props: Record<string, JSONSchemaProps> = {};
  const spec: Record<string, string[]> = {};
  for (let i = 0; i < 11; i++) {
    props[`l${i}`] = { type: 'array', items: { type: 'string' }, 'x-kubernetes-validations': [{ rule: quadratic }] };
    spec[`l${i}`] = items.slice(0, 994);
  }
  assert.deepEqual(msgs(validateRules(specSchema({ properties: props }), { spec })), [
    'spec.l10: Invalid value: "array": validation failed due to running out of cost budget, no further validation rules will be run',
  ]);
});

test('JSONPath as printer columns use it', () => {
  const obj = {
    spec: { items: [{ n: 'a' }, { n: 'b' }] },
    status: {
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'Synced', status: 'False' },
      ],
    },
  };
  assert.deepEqual(findResults(parseJSONPath('.spec.items[*].n'), obj), ['a', 'b']);
  assert.deepEqual(findResults(parseJSONPath('.spec.items[-1].n'), obj), ['b']);
  assert.deepEqual(findResults(parseJSONPath('.status.conditions[?(@.type=="Synced")].status'), obj), ['False']);
  assert.deepEqual(findResults(parseJSONPath("{.spec['items'][0].n}"), obj), ['a']);
  assert.deepEqual(findResults(parseJSONPath('.spec.missing'), obj), []);
});

test('CRD validation: names, versions, conversion, columns, schemas and rules', () => {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'things.example.com' },
    spec: {
      group: 'example',
      scope: 'Everywhere',
      conversion: { strategy: 'Webhook' },
      names: { plural: 'Things', kind: 'Thing', listKind: 'Thing' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: false,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.x ==' }] } },
          additionalPrinterColumns: [{ name: 'X', type: 'thing', jsonPath: '.x' }],
        },
        { name: 'v2', served: false, storage: false },
      ],
    },
  } as unknown as KObject;
  const m = msgs(validateCRDCreate(crd));
  const want = [
    'metadata.name: Invalid value: "things.example.com": must be spec.names.plural+"."+spec.group',
    'spec.group: Invalid value: "example": should be a domain with at least one dot',
    'spec.scope: Unsupported value: "Everywhere": supported values: "Cluster", "Namespaced"',
    'spec.names.listKind: Invalid value: "Thing": kind and listKind may not be the same or parsing become ambiguous',
    'spec.versions[0].additionalPrinterColumns[0].type: Unsupported value: "thing": supported values: "integer", "number", "string", "boolean", "date"',
    'spec.versions[1].schema.openAPIV3Schema: Required value: schemas are required',
    'spec.versions: Invalid value: must have exactly one version marked as storage version',
    'spec.conversion.strategy: Unsupported value: "Webhook": supported values: "None"',
  ];
  for (const w of want) assert.ok(m.includes(w), `missing: ${w}\n got: ${m.join('\n')}`);
  assert.ok(
    m.some((x) => x.startsWith(`${P}.x-kubernetes-validations[0].rule: Invalid value: "self.x ==": compilation failed: `)),
    m.join('\n'),
  );
  assert.ok(
    m.some((x) => x.startsWith('spec.names.plural: Invalid value: "Things": a DNS-1035 label must consist of lower case')),
    m.join('\n'),
  );
});

test("patterns are RE2, as Go's: its syntax errors, and linear-time matching of a pattern that backtracks in JavaScript", {
  timeout: 60_000,
}, () => {
  assert.deepEqual(msgs(validateStructural(P, { type: 'object', properties: { a: { type: 'string', pattern: '(' } } })), [
    `${P}.properties[a].pattern: Invalid value: "(": must be a valid regular expression, but isn't: error parsing regexp: missing closing ): \`(\``,
  ]);
  const s: JSONSchemaProps = { type: 'object', properties: { a: { type: 'string', pattern: '^(a+)+$' } } };
  // With a backtracking engine this input would not finish (the test's timeout bounds it).
  const errs = msgs(validateValue(s, { a: `${'a'.repeat(50_000)}b` }));
  assert.equal(errs.length, 1);
  assert.ok(errs[0].endsWith("b\": a in body should match '^(a+)+$'"), errs[0].slice(-60));
});

test("CEL: Kubernetes' list library and the strings extension", () => {
  const s = specSchema({
    'x-kubernetes-validations': [
      { rule: 'self.ports.isSorted()', message: 'ports must be sorted' },
      { rule: 'self.weights.sum() <= 100', message: 'weights add up to at most 100' },
      {
        rule: 'self.ports.max() < 1024 && self.ports.min() > 0 && self.ports.indexOf(80) >= 0',
        message: 'privileged ports, 80 among them',
      },
      { rule: 'self.name.lowerAscii().startsWith("web")', message: 'name starts with web' },
    ],
    properties: {
      ports: { type: 'array', items: { type: 'integer' } },
      weights: { type: 'array', items: { type: 'integer' } },
      name: { type: 'string' },
    },
  });
  assert.deepEqual(validateRules(s, { spec: { ports: [22, 80, 443], weights: [50, 50], name: 'WebShop' } }), []);
  assert.deepEqual(msgs(validateRules(s, { spec: { ports: [443, 80, 2000], weights: [60, 50], name: 'db' } })), [
    'spec: Invalid value: "object": ports must be sorted',
    'spec: Invalid value: "object": weights add up to at most 100',
    'spec: Invalid value: "object": privileged ports, 80 among them',
    'spec: Invalid value: "object": name starts with web',
  ]);
});
