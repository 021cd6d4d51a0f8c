import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeClientParams, FleetLockError } from './protocol.js';
import { zincatiId } from './server.js';

test('Zincati\'s machine id is systemd\'s app-specific id of the machine id (known vectors)', () => {
  assert.equal(zincatiId('1c09ca98649c4c7abc779cd04c96812e'), '978a225b3d7b40e9acd7ce9b62f68444');
  assert.equal(zincatiId('1c09ca98-649c-4c7a-bc77-9cd04c96812e'), '978a225b3d7b40e9acd7ce9b62f68444');
  assert.equal(zincatiId('not-a-machine-id'), undefined);
});

test('client_params are decoded and checked; anything else is failed_decoding_request', () => {
  assert.deepEqual(decodeClientParams(Buffer.from('{"client_params":{"id":"abc","group":"default"}}')), { id: 'abc', group: 'default' });
  for (const bad of ['', 'null', '[]', '{"client_params":[]}', '{"client_params":{"id":"a"}}', '{"client_params":{"id":"","group":"g"}}',
    '{"client_params":{"id":1,"group":"g"}}', '{"client_params":{"id":"a","group":"Default"}}', '{"client_params":{"id":"a b","group":"g"}}',
    `{"client_params":{"id":"a","group":"${'g'.repeat(60)}"}}`]) {
    assert.throws(() => decodeClientParams(Buffer.from(bad)), (e: unknown) => e instanceof FleetLockError && e.kind === 'failed_decoding_request', bad);
  }
});
