import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeNetwork, hostVethName, parseCIDR } from './bridge.js';

test('podCIDR parsing and the gateway', () => {
  assert.deepEqual(parseCIDR('10.244.0.0/24'), { network: (10 << 24 | 244 << 16) >>> 0, prefix: 24, size: 256 });
  assert.throws(() => parseCIDR('10.244.0.0'), /invalid IPv4 CIDR/);
  const n = new NodeNetwork({ podCIDR: '10.244.3.0/24' });
  assert.equal(n.gateway, '10.244.3.1');
  assert.equal(n.bridgeName, 'k8ts0');
  assert.throws(() => new NodeNetwork({ bridgeName: 'a-very-long-bridge-name' }), /longer than 15/);
  assert.ok(hostVethName('0123456789abcdef0123').length <= 15);
});

test('pod addresses are allocated next-fit, released and reserved', () => {
  const n = new NodeNetwork({ podCIDR: '10.250.0.0/29' }); // .2 - .6 usable
  const ips = ['a', 'b', 'c', 'd', 'e'].map((o) => n.allocate(o));
  assert.deepEqual(ips, ['10.250.0.2', '10.250.0.3', '10.250.0.4', '10.250.0.5', '10.250.0.6']);
  assert.throws(() => n.allocate('f'), /no free address/);
  n.release('10.250.0.3');
  assert.equal(n.allocate('g'), '10.250.0.3');
  const m = new NodeNetwork({ podCIDR: '10.250.0.0/29' });
  m.reserve('10.250.0.2', 'x');
  assert.equal(m.allocate('y'), '10.250.0.3');
});
