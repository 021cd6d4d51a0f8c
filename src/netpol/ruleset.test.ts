// The NetworkPolicy ruleset: who is isolated, which rules each policy gives, and that nft takes
// the script (loaded in a network namespace of its own, so nothing on the host changes).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { KObject } from '../api/object.js';
import { buildNetpolRuleset, type PolicyView } from './ruleset.js';

const canRunNft = process.platform === 'linux' && process.getuid?.() === 0 && spawnSync('nft', ['--version']).status === 0;

const pod = (
  name: string,
  ip: string,
  labels: Record<string, string>,
  node = 'n1',
  ns = 'default',
  ports: { name: string; containerPort: number }[] = [],
): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'x', ports }] },
  status: { phase: 'Running', podIP: ip },
});
const policy = (name: string, spec: Record<string, unknown>, ns = 'default'): KObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace: ns },
  spec,
});

const view: PolicyView = {
  node: 'n1',
  namespaces: [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other', labels: { team: 'x' } } },
  ],
  pods: [
    pod('web', '10.1.0.5', { app: 'web' }, 'n1', 'default', [{ name: 'http', containerPort: 8080 }]),
    pod('client', '10.1.0.6', { role: 'client' }),
    pod('other', '10.1.0.7', { role: 'other' }),
    pod('remote', '10.1.1.9', { role: 'client' }, 'n2'),
    pod('x', '10.1.0.8', { role: 'client' }, 'n1', 'other'),
  ],
  policies: [
    policy('deny-web', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] }),
    policy('allow-client', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            { podSelector: { matchLabels: { role: 'client' } } },
            { namespaceSelector: { matchLabels: { team: 'x' } } },
            { ipBlock: { cidr: '192.168.0.0/16', except: ['192.168.1.0/24'] } },
          ],
          ports: [
            { protocol: 'TCP', port: 'http' },
            { protocol: 'UDP', port: 9000, endPort: 9010 },
          ],
        },
      ],
    }),
    policy('egress-other', {
      podSelector: { matchLabels: { role: 'other' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ protocol: 'TCP', port: 'http' }] }],
    }),
  ],
};

test('isolation only for selected local pods; rules as the policies union them', () => {
  const rs = buildNetpolRuleset('k8ts-netpol-t', view);
  assert.deepEqual(rs.ingressIsolated, ['10.1.0.5']);
  assert.deepEqual(rs.egressIsolated, ['10.1.0.7']);
  // client pods of the policy's namespace on any node, pods of namespaces labelled team=x; the named port resolved on web.
  assert.match(rs.script, /ip saddr \{ 10\.1\.0\.6, 10\.1\.0\.8, 10\.1\.1\.9 \} meta l4proto tcp th dport 8080 accept/);
  assert.match(rs.script, /ip saddr \{ 10\.1\.0\.6, 10\.1\.0\.8, 10\.1\.1\.9 \} meta l4proto udp th dport 9000-9010 accept/);
  assert.doesNotMatch(rs.script, /10\.1\.0\.7 meta/, 'role=other is no client');
  assert.match(rs.script, /ip saddr 192\.168\.0\.0\/16 ip saddr != 192\.168\.1\.0\/24 meta l4proto tcp th dport 8080 accept/);
  // egress: the named port is the destination pod's.
  assert.match(rs.script, /ip daddr 10\.1\.0\.5 meta l4proto tcp th dport 8080 return/);
  assert.match(rs.script, /ct state established,related accept/);
  assert.doesNotMatch(rs.script, /10\.1\.0\.6 : jump/, 'a pod no policy selects is not isolated');
});

test('no policy: no isolation', () => {
  const rs = buildNetpolRuleset('k8ts-netpol-t', { ...view, policies: [] });
  assert.deepEqual([rs.ingressIsolated, rs.egressIsolated], [[], []]);
  assert.doesNotMatch(rs.script, /vmap/);
});

test('nft takes the script', { skip: canRunNft ? false : 'needs root and nft' }, () => {
  const rs = buildNetpolRuleset('k8ts-netpol-t', view);
  const r = spawnSync('unshare', ['-n', 'sh', '-c', 'nft -f - && nft list table ip k8ts-netpol-t'], { input: rs.script, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /chain ing-0/);
});
