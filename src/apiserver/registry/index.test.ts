// The start-up check over the resource modules: every served module passes it, and a module
// without a strategy, validation or printer is refused with a message naming what it lacks.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getType } from '../../api/schema/index.js';
import { defaultPrinter } from '../tables.js';
import * as configmaps from './core/configmaps.js';
import { DEFINITIONS } from './index.js';
import { checkDefinition, defineResource, type ResourceDefinition } from './rest.js';

test('every served resource module passes the start-up check and has its schema', () => {
  assert.ok(DEFINITIONS.length > 0);
  for (const def of DEFINITIONS) {
    assert.doesNotThrow(() => checkDefinition(def), def.info.resource);
    assert.ok(getType(def.info.schema), `${def.info.resource}: schema ${def.info.schema} is in the schema registry`);
  }
});

test('a resource module without a strategy, validation or printer refuses to start', () => {
  const info = {
    group: 'example.com',
    version: 'v1',
    resource: 'widgets',
    kind: 'Widget',
    namespaced: true,
    schema: 'com.example.v1.Widget',
  };
  const { strategy } = configmaps;
  // What a module written by hand might leave out, past the type checker.
  const unchecked = (def: object): ResourceDefinition => def as ResourceDefinition;
  const base = defineResource({ info, strategy, printer: defaultPrinter });
  assert.throws(() => checkDefinition(unchecked({ ...base, strategy: undefined })), /resource widgets\.example\.com: no strategy/);
  assert.throws(
    () => checkDefinition(unchecked({ ...base, strategy: { ...strategy, validate: undefined } })),
    /widgets\.example\.com: its strategy has no validation/,
  );
  assert.throws(
    () => checkDefinition(unchecked({ ...base, strategy: { ...strategy, validateUpdate: undefined } })),
    /its strategy has no validation/,
  );
  assert.throws(() => checkDefinition(unchecked({ ...base, printer: undefined })), /widgets\.example\.com: no printer/);
  assert.throws(
    () =>
      checkDefinition(
        unchecked({ ...base, subresources: { status: { kind: 'Widget', verbs: ['update'], rest: { type: 'update', strategy: {} } } } }),
      ),
    /subresource status has no validation/,
  );
  assert.doesNotThrow(() => checkDefinition(base));
});

test('a module lists its subresources for discovery from its handlers', () => {
  const pods = DEFINITIONS.find((d) => d.info.resource === 'pods')!;
  assert.deepEqual(
    pods.info.subresources.map((s) => s.name),
    Object.keys(pods.subresources),
  );
  assert.deepEqual(
    pods.info.subresources.find((s) => s.name === 'eviction'),
    { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
  );
});
