import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseChallenges } from './auth.js';
import { isLoopbackHost, loadRegistryConfig, registryEndpoints } from './hosts.js';
import { nodePlatform, platformRank } from './platform.js';
import { parseReference } from './reference.js';
import { RegistryError, Remote } from './registry.js';

test('WWW-Authenticate challenges parse as the distribution spec writes them', () => {
  assert.deepEqual(
    parseChallenges(['Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"']),
    [
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' },
      },
    ],
  );
  assert.deepEqual(parseChallenges(['Basic realm="Registry Realm"']), [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
  assert.deepEqual(
    parseChallenges(['Bearer realm="r",error="invalid_token", Basic realm="b"']).map((c) => c.scheme),
    ['bearer', 'basic'],
  );
});

test('registries.yaml: mirrors first, loopback plain http, bad files refused clearly', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'k8ts-hosts-'));
  try {
    const f = path.join(dir, 'registries.yaml');
    writeFileSync(
      f,
      'mirrors:\n  docker.io:\n    endpoint: ["http://10.0.0.5:5000", "https://mirror.example.com/v2"]\nconfigs:\n  mirror.example.com:\n    auth: { username: u, password: p }\n    tls: { insecure_skip_verify: true }\n',
    );
    const cfg = loadRegistryConfig(f);
    const eps = registryEndpoints('docker.io', cfg);
    assert.deepEqual(
      eps.map((e) => e.url),
      ['http://10.0.0.5:5000', 'https://mirror.example.com', 'https://registry-1.docker.io'],
    );
    assert.equal(eps[1].tls.insecureSkipVerify, true);
    assert.equal(cfg.configs['mirror.example.com'].auth?.username, 'u');
    assert.deepEqual(
      registryEndpoints('127.0.0.1:5000', cfg).map((e) => e.url),
      ['http://127.0.0.1:5000'],
    );
    assert.deepEqual(
      registryEndpoints('localhost:5000', cfg).map((e) => e.url),
      ['http://localhost:5000'],
    );
    assert.deepEqual(
      registryEndpoints('registry.example.com', cfg).map((e) => e.url),
      ['https://registry.example.com'],
    );
    assert.ok(isLoopbackHost('[::1]:5000') && isLoopbackHost('127.1.2.3') && !isLoopbackHost('10.0.0.1:5000'));
    assert.deepEqual(loadRegistryConfig(path.join(dir, 'absent.yaml')), { mirrors: {}, configs: {} });
    writeFileSync(f, 'mirrors:\n  docker.io:\n    endpoint: ["ftp://x"]\n');
    assert.throws(() => loadRegistryConfig(f), /must be http:\/\/ or https:\/\//);
    writeFileSync(f, 'mirrors: [1, 2]\n');
    assert.throws(() => loadRegistryConfig(f), /mirrors must be a mapping/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('platforms: amd64 runs amd64 only, arm64 also runs arm v7', () => {
  assert.equal(platformRank({ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'amd64' }), 0);
  assert.equal(platformRank({ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }), -1);
  assert.equal(platformRank({ os: 'linux', architecture: 'amd64' }, { os: 'windows', architecture: 'amd64' }), -1);
  assert.ok(platformRank({ os: 'linux', architecture: 'arm64', variant: 'v8' }, { os: 'linux', architecture: 'arm', variant: 'v7' }) > 0);
  assert.equal(platformRank(nodePlatform(), undefined), -1);
});

test('a registry that answers garbage, redirects in circles or lies about digests is refused', async () => {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    if (req.url?.includes('/manifests/loop')) {
      res.writeHead(302, { Location: req.url });
      res.end();
      return;
    }
    if (req.url?.includes('/manifests/lie') || req.url?.includes(`/manifests/sha256:${'2'.repeat(8)}`)) {
      res.writeHead(200, {
        'Content-Type': 'application/vnd.oci.image.manifest.v1+json',
        'Docker-Content-Digest': `sha256:${'1'.repeat(64)}`,
        'Content-Length': '2',
      });
      res.end(req.method === 'HEAD' ? undefined : '{}');
      return;
    }
    if (req.url?.includes('/blobs/')) {
      res.writeHead(200);
      res.end('not what you asked for');
      return;
    }
    res.writeHead(500);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  try {
    const cfg = { mirrors: {}, configs: {} };
    await assert.rejects(new Remote(parseReference(`${host}/x:loop`), undefined, { config: cfg }).resolve(), /10 redirects/);
    await assert.rejects(
      new Remote(parseReference(`${host}/x:boom`), undefined, { config: cfg }).resolve(),
      (e: unknown) => e instanceof RegistryError && /500 Internal Server Error/.test(e.message),
    );
    // By digest, the manifest is fetched and hashed: a registry answering other bytes is refused.
    await assert.rejects(
      new Remote(parseReference(`${host}/x@sha256:${'2'.repeat(64)}`), undefined, { config: cfg }).resolve(),
      /the registry's manifest has digest/,
    );
    assert.ok(hits > 0);
  } finally {
    server.close();
  }
});
