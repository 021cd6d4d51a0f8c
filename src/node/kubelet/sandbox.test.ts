// A pod's DNS settings as kubelet's dns.go makes them (ClusterFirst, ClusterFirstWithHostNet,
// Default, None, dnsConfig merged) and its hosts-file domain.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { type DNSSettings, hostResolvConf, podDNSConfig, podDNSConfigChecked, sandboxConfig } from './sandbox.js';
import type { PodObject } from './types.js';

const host = { servers: ['192.0.2.53', '192.0.2.54'], searches: ['corp.example', 'lab.example'], options: ['timeout:2', 'attempts:3'] };
const dns: DNSSettings = { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', host };

function pod(spec: Record<string, unknown>): PodObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'team', uid: 'u1' },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
  } as PodObject;
}

test("ClusterFirst: the DNS service, the cluster search path then the node's, ndots:5", () => {
  assert.deepEqual(podDNSConfig(pod({}), dns), {
    servers: ['10.96.0.10'],
    searches: ['team.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example'],
    options: ['ndots:5'],
  });
  assert.deepEqual(podDNSConfig(pod({ dnsPolicy: 'ClusterFirst' }), dns).servers, ['10.96.0.10']);
});

test("host network: ClusterFirst means the node's DNS, ClusterFirstWithHostNet the cluster's", () => {
  assert.deepEqual(podDNSConfig(pod({ hostNetwork: true }), dns), host);
  assert.deepEqual(podDNSConfig(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), dns).servers, ['10.96.0.10']);
});

test("Default is the node's resolv.conf; None is only dnsConfig", () => {
  assert.deepEqual(podDNSConfig(pod({ dnsPolicy: 'Default' }), dns), host);
  assert.deepEqual(
    podDNSConfig(
      pod({
        dnsPolicy: 'None',
        dnsConfig: { nameservers: ['1.2.3.4'], searches: ['a.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
      }),
      dns,
    ),
    {
      servers: ['1.2.3.4'],
      searches: ['a.example'],
      options: ['ndots:2', 'edns0'],
    },
  );
});

test('dnsConfig is merged: servers and searches appended without duplicates, options replaced by name', () => {
  const c = podDNSConfig(
    pod({
      dnsConfig: {
        nameservers: ['10.96.0.10', '9.9.9.9'],
        searches: ['svc.cluster.local', 'extra.example'],
        options: [{ name: 'ndots', value: '1' }, { name: 'single-request-reopen' }],
      },
    }),
    dns,
  );
  assert.deepEqual(c.servers, ['10.96.0.10', '9.9.9.9']);
  assert.deepEqual(c.searches, [
    'team.svc.cluster.local',
    'svc.cluster.local',
    'cluster.local',
    'corp.example',
    'lab.example',
    'extra.example',
  ]);
  assert.deepEqual(c.options, ['ndots:1', 'single-request-reopen']);
});

test("without a cluster DNS, ClusterFirst falls back to the node's resolv.conf (kubelet without --cluster-dns)", () => {
  assert.deepEqual(podDNSConfig(pod({}), { ...dns, clusterDNS: [] }), host);
});

test("the node's resolv.conf is read: nameservers, the last search line, options", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-resolv-'));
  try {
    const f = path.join(dir, 'resolv.conf');
    fs.writeFileSync(
      f,
      '# comment\nnameserver 192.0.2.1\nsearch a.example\nsearch b.example c.example\nnameserver 192.0.2.2\noptions rotate timeout:1\n',
    );
    assert.deepEqual(hostResolvConf(f), {
      servers: ['192.0.2.1', '192.0.2.2'],
      searches: ['b.example', 'c.example'],
      options: ['rotate', 'timeout:1'],
    });
    assert.deepEqual(hostResolvConf(path.join(dir, 'missing')), { servers: [], searches: [], options: [] });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a pod with hostname and subdomain gets its domain for the hosts file; hostAliases are passed on', () => {
  const sb = sandboxConfig(
    pod({ hostname: 'web-0', subdomain: 'web', hostAliases: [{ ip: '10.1.2.3', hostnames: ['foo.local', 'bar.local'] }] }),
    0,
    '/var/lib/x',
    dns,
  );
  assert.equal(sb.hostname, 'web-0');
  assert.equal(sb.hostDomain, 'web.team.svc.cluster.local');
  assert.deepEqual(sb.hostAliases, [{ ip: '10.1.2.3', hostnames: ['foo.local', 'bar.local'] }]);
  assert.equal(sandboxConfig(pod({}), 0, '/var/lib/x', dns).hostDomain, undefined);
});

test('resolv.conf limits as kubelet: 3 nameservers, 32 search paths of 2048 characters at most, with DNSConfigForming warnings', () => {
  const many = podDNSConfigChecked(pod({ dnsConfig: { nameservers: ['9.9.9.9', '8.8.8.8', '1.1.1.1'] } }), dns);
  assert.deepEqual(many.config.servers, ['10.96.0.10', '9.9.9.9', '8.8.8.8']);
  assert.deepEqual(many.warnings, [
    'Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 10.96.0.10 9.9.9.9 8.8.8.8',
  ]);
  const searches = Array.from({ length: 30 }, (_, i) => `s${i}.example`);
  const long = podDNSConfigChecked(pod({ dnsConfig: { searches } }), dns);
  assert.equal(long.config.searches.length, 32);
  assert.equal(long.config.searches[31], 's26.example');
  assert.match(
    long.warnings[0],
    /^Search Line limits were exceeded, some search paths have been omitted, the applied search line is: team\.svc\.cluster\.local .* s26\.example$/,
  );
  const wide = podDNSConfigChecked(
    pod({
      dnsPolicy: 'None',
      dnsConfig: {
        nameservers: ['1.2.3.4'],
        searches: ['a'.repeat(63), ...Array.from({ length: 31 }, (_, i) => `${'b'.repeat(60)}${i}.x`)],
      },
    }),
    dns,
  );
  assert.ok(wide.config.searches.join(' ').length <= 2048);
  assert.equal(wide.warnings.length, 1);
  assert.deepEqual(podDNSConfigChecked(pod({}), dns).warnings, []);
});
