import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeClientParams, FleetLockError } from './protocol.js';
import { zincatiId } from './server.js';

test("Zincati's machine id is systemd's app-specific id of the machine id (known vectors)", () => {
  assert.equal(zincatiId('1c09ca98649c4c7abc779cd04c96812e'), '978a225b3d7b40e9acd7ce9b62f68444');
  assert.equal(zincatiId('1c09ca98-649c-4c7a-bc77-9cd04c96812e'), '978a225b3d7b40e9acd7ce9b62f68444');
  assert.equal(zincatiId('not-a-machine-id'), undefined);
});

test('client_params are decoded and checked; anything else is failed_decoding_request', () => {
  assert.deepEqual(decodeClientParams(Buffer.from('{"client_params":{"id":"abc","group":"default"}}')), { id: 'abc', group: 'default' });
  for (const bad of [
    '',
    'null',
    '[]',
    '{"client_params":[]}',
    '{"client_params":{"id":"a"}}',
    '{"client_params":{"id":"","group":"g"}}',
    '{"client_params":{"id":1,"group":"g"}}',
    '{"client_params":{"id":"a","group":"Default"}}',
    '{"client_params":{"id":"a b","group":"g"}}',
    `{"client_params":{"id":"a","group":"${'g'.repeat(60)}"}}`,
  ]) {
    assert.throws(
      () => decodeClientParams(Buffer.from(bad)),
      (e: unknown) => e instanceof FleetLockError && e.kind === 'failed_decoding_request',
      bad,
    );
  }
});

test("over TLS (--fleetlock-tls) the server answers with the cluster's serving certificate", async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const https = await import('node:https');
  const { ensurePKI } = await import('../pki/certs.js');
  const { FleetLockServer } = await import('./server.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-fleetlock-tls-'));
  const pki = ensurePKI(dir);
  // No API is needed for a request the protocol refuses.
  const server = new FleetLockServer({ client: {} as never, tls: pki.apiserver });
  server.semaphore.applySlots = async () => undefined;
  try {
    const url = await server.start('127.0.0.1', 0);
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request(`${url}/v1/pre-reboot`, { method: 'POST', ca: pki.ca.cert, headers: { 'content-length': '2' } }, (res) => {
        let body = '';
        res.on('data', (c) => {
          body += String(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end('{}');
    });
    assert.equal(reply.status, 400);
    assert.equal(JSON.parse(reply.body).kind, 'missing_header');
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
