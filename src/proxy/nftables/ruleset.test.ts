import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { Service } from '../../api/types.js';
import type { EndpointInfo } from '../endpoints.js';
import { endpointsKey } from '../endpoints.js';
import { type ServicePortInfo, servicePorts } from '../serviceport.js';
import { buildRuleset, partialScript } from './ruleset.js';

const cfg = { table: 'k8ts-proxy-test', podCIDR: '10.244.0.0/24' };

function svc(name: string, spec: Record<string, unknown>, status?: Record<string, unknown>): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec, status } as unknown as Service;
}

function ep(ip: string, port: number, o: Partial<EndpointInfo> = {}): EndpointInfo {
  return { ip, port, endpoint: `${ip}:${port}`, ready: true, serving: true, terminating: false, isLocal: true, nodeName: 'n1', ...o };
}

function eps(sp: ServicePortInfo, list: EndpointInfo[]): Map<string, EndpointInfo[]> {
  return new Map([[endpointsKey(sp.name, sp.protocol), list]]);
}

const FLAT_MARK = '# rules, flattened:';

/** The script with each rule also written as "CHAIN RULE" on a line of its own, for matching. */
function flat(script: string): string {
  const out: string[] = [script, FLAT_MARK];
  let chain = '';
  for (const line of script.split('\n')) {
    const m = /^ {2}chain (\S+) \{$/.exec(line);
    if (m) {
      chain = m[1];
      continue;
    }
    if (line === '  }') {
      chain = '';
      continue;
    }
    if (chain && line.startsWith('    ') && !line.includes(' hook ')) out.push(`${chain} ${line.trim()}`);
  }
  return `${out.join('\n')}\n`;
}

const canRunNft = process.platform === 'linux' && process.getuid?.() === 0 && spawnSync('nft', ['--version']).status === 0;

/** Loads the script into nft inside a fresh network namespace (nothing on the host changes) and lists the table. */
function applyInNetns(text: string): string {
  const script = text.split(FLAT_MARK)[0];
  const r = spawnSync('unshare', ['-n', 'sh', '-c', `nft -f - && nft list table ip ${cfg.table}`], { input: script, encoding: 'utf8' });
  assert.equal(r.status, 0, `nft refused the script: ${r.stderr}\n${script}`);
  return r.stdout;
}

test('ClusterIP and NodePort: service-ips and service-nodeports lead to a service chain that DNATs to an endpoint from its pick map', () => {
  const [sp] = servicePorts(
    svc('web', { type: 'NodePort', clusterIP: '10.96.5.5', ports: [{ name: 'http', port: 8080, protocol: 'TCP', nodePort: 31000 }] }),
  );
  const rs = buildRuleset([sp], eps(sp, [ep('10.244.0.5', 8080), ep('10.244.0.6', 8080)]), cfg);
  const s = flat(rs.script);
  assert.match(rs.script, /^add table ip k8ts-proxy-test\ndelete table ip k8ts-proxy-test\ntable ip k8ts-proxy-test \{\n/);
  assert.match(
    s,
    /add element ip k8ts-proxy-test service-ips \{ 10\.96\.5\.5 \. tcp \. 8080 : goto service-[A-Z2-7]{8}-default\/web\/tcp\/http \}/,
  );
  assert.match(
    s,
    /add element ip k8ts-proxy-test service-nodeports \{ tcp \. 31000 : goto external-[A-Z2-7]{8}-default\/web\/tcp\/http \}/,
  );
  assert.match(s, /service-\S+ meta l4proto tcp dnat to numgen random mod 2 map @endpoints-service-[A-Z2-7]{8}-default\/web\/tcp\/http\n/);
  assert.match(s, /add element ip k8ts-proxy-test endpoints-service-\S+ \{ 0 : 10\.244\.0\.5 \. 8080, 1 : 10\.244\.0\.6 \. 8080 \}/);
  assert.match(
    s,
    /map endpoints-service-\S+ \{\n\s+typeof numgen random mod 2 : ip daddr \. tcp dport\n/,
    'a named map: no anonymous set per service',
  );
  assert.doesNotMatch(s, /vmap \{|map \{ 0/);
  assert.doesNotMatch(s, /chain endpoint-/, 'no chain per endpoint without affinity');
  assert.match(
    s,
    /add element ip k8ts-proxy-test hairpin-endpoints \{ 10\.244\.0\.5 \. 10\.244\.0\.5, 10\.244\.0\.6 \. 10\.244\.0\.6 \}/,
    'hairpin masquerade: every endpoint in use',
  );
  assert.match(
    s,
    /nat-postrouting ct status dnat ip saddr \. ip daddr @hairpin-endpoints jump mark-for-masquerade\nnat-postrouting jump masquerading\n/,
  );
  assert.match(s, /external-\S+ jump mark-for-masquerade\n/, 'NodePort traffic with policy Cluster is masqueraded');
  assert.match(
    s,
    /ip daddr 10\.96\.5\.5 tcp dport 8080 ip saddr != 10\.244\.0\.0\/24 jump mark-for-masquerade/,
    'off-pod-network clients of the ClusterIP are masqueraded',
  );
  assert.deepEqual([...rs.readyEndpointIPs].sort(), ['10.244.0.5', '10.244.0.6']);
  if (canRunNft) {
    const listed = applyInNetns(s);
    assert.match(listed, /elements = \{ 0 : 10\.244\.0\.5 \. 8080, 1 : 10\.244\.0\.6 \. 8080 \}/);
    assert.match(listed, /meta l4proto tcp dnat ip to numgen random mod 2 map @endpoints-service-/);
  }
});

test('no endpoints: the ClusterIP and NodePort are rejected, nothing is DNATed', () => {
  const [sp] = servicePorts(
    svc('empty', { type: 'NodePort', clusterIP: '10.96.5.6', ports: [{ port: 80, protocol: 'TCP', nodePort: 31001 }] }),
  );
  const s = flat(buildRuleset([sp], new Map(), cfg).script);
  assert.match(s, /no-endpoint-services \{ 10\.96\.5\.6 \. tcp \. 80 : goto reject-chain \}/);
  assert.match(s, /no-endpoint-nodeports \{ tcp \. 31001 : goto reject-chain \}/);
  assert.doesNotMatch(s, /dnat to/);
  if (canRunNft) applyInNetns(s);
});

test('headless and ExternalName services are not proxied; SCTP ports are skipped; UDP is', () => {
  assert.deepEqual(servicePorts(svc('h', { clusterIP: 'None', ports: [{ port: 80 }] })), []);
  assert.deepEqual(servicePorts(svc('x', { type: 'ExternalName', externalName: 'example.com' })), []);
  const ports = servicePorts(
    svc('dns', {
      clusterIP: '10.96.0.10',
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 's', port: 9, protocol: 'SCTP' },
      ],
    }),
  );
  assert.deepEqual(
    ports.map((p) => `${p.protocol}/${p.port}`),
    ['UDP/53'],
  );
  const s = flat(buildRuleset(ports, eps(ports[0], [ep('10.244.0.1', 53)]), cfg).script);
  assert.match(s, /meta l4proto udp dnat to numgen random mod 1 map @endpoints-\S+\n/);
  assert.match(s, /endpoints-service-\S+ \{\n\s+typeof numgen random mod 2 : ip daddr \. udp dport\n/);
  assert.match(s, /endpoints-service-\S+ \{ 0 : 10\.244\.0\.1 \. 53 \}/);
  if (canRunNft) applyInNetns(s);
});

test('terminating endpoints are used only when no endpoint is ready', () => {
  const [sp] = servicePorts(svc('t', { clusterIP: '10.96.5.7', ports: [{ port: 80 }] }));
  const mixed = buildRuleset(
    [sp],
    eps(sp, [ep('10.244.0.5', 80), ep('10.244.0.6', 80, { ready: false, serving: true, terminating: true })]),
    cfg,
  );
  assert.match(flat(mixed.script), /endpoints-service-\S+ \{ 0 : 10\.244\.0\.5 \. 80 \}/);
  assert.doesNotMatch(flat(mixed.script), /10\.244\.0\.6/);
  const onlyTerminating = buildRuleset(
    [sp],
    eps(sp, [
      ep('10.244.0.6', 80, { ready: false, serving: true, terminating: true }),
      ep('10.244.0.7', 80, { ready: false, serving: false, terminating: true }),
    ]),
    cfg,
  );
  assert.match(flat(onlyTerminating.script), /endpoints-service-\S+ \{ 0 : 10\.244\.0\.6 \. 80 \}/);
  assert.doesNotMatch(flat(onlyTerminating.script), /10\.244\.0\.7/, 'not serving: never');
  assert.equal(onlyTerminating.readyEndpointIPs.size, 0, 'a terminating fallback is not a ready endpoint');
});

test("internalTrafficPolicy Local: only this node's endpoints; none here: the ClusterIP drops", () => {
  const [sp] = servicePorts(svc('l', { clusterIP: '10.96.5.8', internalTrafficPolicy: 'Local', ports: [{ port: 80 }] }));
  const here = buildRuleset([sp], eps(sp, [ep('10.244.0.5', 80), ep('10.244.1.5', 80, { isLocal: false, nodeName: 'n2' })]), cfg);
  assert.match(flat(here.script), /10\.96\.5\.8 \. tcp \. 80 : goto local-/);
  assert.match(flat(here.script), /endpoints-local-\S+ \{ 0 : 10\.244\.0\.5 \. 80 \}/);
  assert.doesNotMatch(flat(here.script), /10\.244\.1\.5/);
  const none = buildRuleset([sp], eps(sp, [ep('10.244.1.5', 80, { isLocal: false, nodeName: 'n2' })]), cfg);
  assert.match(flat(none.script), /no-endpoint-services \{ 10\.96\.5\.8 \. tcp \. 80 : drop \}/);
  if (canRunNft) {
    applyInNetns(here.script);
    applyInNetns(none.script);
  }
});

test('externalTrafficPolicy Local: external traffic to local endpoints, pods and the host short-circuit to all', () => {
  const [sp] = servicePorts(
    svc('e', {
      type: 'NodePort',
      clusterIP: '10.96.5.9',
      externalTrafficPolicy: 'Local',
      externalIPs: ['198.51.100.7'],
      ports: [{ port: 80, nodePort: 31002 }],
    }),
  );
  const rs = buildRuleset([sp], eps(sp, [ep('10.244.0.5', 80), ep('10.244.1.5', 80, { isLocal: false, nodeName: 'n2' })]), cfg);
  const s = flat(rs.script);
  assert.match(s, /external-\S+ ip saddr 10\.244\.0\.0\/24 goto service-/);
  assert.match(s, /external-\S+ fib saddr type local jump mark-for-masquerade/);
  assert.match(s, /external-\S+ goto local-/);
  assert.doesNotMatch(s, /external-\S+ jump mark-for-masquerade\n/, 'source IP kept for Local');
  assert.match(s, /198\.51\.100\.7 \. tcp \. 80 : goto external-/);
  if (canRunNft) applyInNetns(s);
});

test('sessionAffinity ClientIP: an affinity set per endpoint with the timeout; remaining entries are carried over', () => {
  const [sp] = servicePorts(
    svc('a', {
      clusterIP: '10.96.5.10',
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
      ports: [{ port: 80 }],
    }),
  );
  const first = buildRuleset([sp], eps(sp, [ep('10.244.0.5', 80), ep('10.244.0.6', 80)]), cfg);
  assert.equal(first.affinitySets.length, 2);
  assert.match(flat(first.script), /add set ip k8ts-proxy-test affinity-\S+ \{ type ipv4_addr; flags dynamic,timeout; timeout 60s; \}/);
  const fs = flat(first.script);
  assert.match(fs, /service-\S+ ip saddr @affinity-\S+ goto endpoint-/);
  // The endpoint chains kube-proxy has, kept where a per-endpoint action is needed.
  assert.match(fs, /service-\S+ numgen random mod 2 vmap @endpoint-chains-service-\S+\n/);
  assert.match(fs, /endpoint-chains-service-\S+ \{ 0 : goto endpoint-\S+__10\.244\.0\.5\/80, 1 : goto endpoint-\S+__10\.244\.0\.6\/80 \}/);
  assert.match(
    fs,
    /endpoint-\S+__10\.244\.0\.5\/80 update @affinity-\S+ \{ ip saddr \}\nendpoint-\S+__10\.244\.0\.5\/80 meta l4proto tcp dnat to 10\.244\.0\.5:80\n/,
  );
  assert.match(fs, /hairpin-endpoints \{ 10\.244\.0\.5 \. 10\.244\.0\.5, 10\.244\.0\.6 \. 10\.244\.0\.6 \}/);
  const carried = buildRuleset([sp], eps(sp, [ep('10.244.0.5', 80), ep('10.244.0.6', 80)]), {
    ...cfg,
    affinity: new Map([[first.affinitySets[0], new Map([['10.244.0.9', 42]])]]),
  });
  assert.match(
    carried.script,
    new RegExp(
      `add element ip k8ts-proxy-test ${first.affinitySets[0].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\{ 10\\.244\\.0\\.9 timeout 60s expires 42s \\}`,
    ),
  );
  if (canRunNft) {
    const listed = applyInNetns(carried.script);
    assert.match(listed, /10\.244\.0\.9 (timeout 1m )?expires/);
  }
});

test('load-balancer ingress IPs are proxied like external IPs', () => {
  const [sp] = servicePorts(
    svc(
      'lb',
      { type: 'LoadBalancer', clusterIP: '10.96.5.11', ports: [{ port: 80, nodePort: 31003 }] },
      { loadBalancer: { ingress: [{ ip: '198.51.100.20' }] } },
    ),
  );
  const s = flat(buildRuleset([sp], eps(sp, [ep('10.244.0.5', 80)]), cfg).script);
  assert.match(s, /198\.51\.100\.20 \. tcp \. 80 : goto external-/);
  assert.match(s, /tcp \. 31003 : goto external-/);
});

test('the same state gives the same script; many services make a valid script', () => {
  const ports: ServicePortInfo[] = [];
  const map = new Map<string, EndpointInfo[]>();
  for (let i = 0; i < 200; i++) {
    const [sp] = servicePorts(
      svc(`s${i}`, { type: 'NodePort', clusterIP: `10.97.${i >> 8}.${i & 255}`, ports: [{ name: 'p', port: 80, nodePort: 30000 + i }] }),
    );
    ports.push(sp);
    map.set(
      endpointsKey(sp.name, sp.protocol),
      Array.from({ length: 10 }, (_, j) => ep(`10.244.${1 + (i % 200)}.${j + 1}`, 8080)),
    );
  }
  const a = buildRuleset(ports, map, cfg).script;
  const b = buildRuleset([...ports].reverse(), map, cfg).script;
  assert.equal(a, b);
  if (canRunNft) applyInNetns(a);
});

/** The table as nft lists it (JSON), without handles, elements sorted: what two ways of getting there must agree on. */
function tableAfter(scripts: string[]): unknown {
  const cmd = `${scripts.map((_, i) => `nft -f /dev/fd/${i + 3}`).join(' && ')} && nft -j list table ip ${cfg.table}`;
  const r = spawnSync(
    'unshare',
    ['-n', 'bash', '-c', cmd.replace(/\/dev\/fd\/(\d+)/g, (_m, fd) => `<(printf '%s' "$S${fd}")`).replace(/-f <\(/g, '-f <(')],
    {
      encoding: 'utf8',
      env: { ...process.env, ...Object.fromEntries(scripts.map((s, i) => [`S${i + 3}`, s])) },
    },
  );
  assert.equal(r.status, 0, r.stderr);
  const items = (JSON.parse(r.stdout) as { nftables: Record<string, any>[] }).nftables.filter((x) => !x.metainfo && !x.table);
  const strip = (o: unknown): unknown => {
    if (Array.isArray(o)) return o.map(strip);
    if (o && typeof o === 'object')
      return Object.fromEntries(
        Object.entries(o)
          .filter(([k]) => k !== 'handle')
          .map(([k, v]) => [k, strip(v)]),
      );
    return o;
  };
  const keyed = items.map((x) => {
    const v = strip(x) as Record<string, any>;
    for (const k of ['set', 'map']) if (v[k]?.elem) v[k].elem = [...v[k].elem].map((e: unknown) => JSON.stringify(e)).sort();
    return JSON.stringify(v);
  });
  // Chains and sets in any order; each chain's rules in order (rules list their chain).
  return keyed.sort();
}

test('a partial sync leads to the very table a whole-table sync of the new state makes', {
  skip: canRunNft ? false : 'needs root and nft',
}, () => {
  const mk = (name: string, spec: Record<string, unknown>) => servicePorts(svc(name, spec))[0];
  const s1 = mk('one', { clusterIP: '10.96.6.1', ports: [{ name: 'http', port: 80 }] });
  const s2 = mk('two', { clusterIP: '10.96.6.2', sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80 }] });
  const s3 = mk('three', { type: 'NodePort', clusterIP: '10.96.6.3', ports: [{ name: 'http', port: 80, nodePort: 31010 }] });
  const s4 = mk('four', { clusterIP: '10.96.6.4', sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80 }] });
  const m = (entries: [ServicePortInfo, EndpointInfo[]][]) =>
    new Map(entries.map(([sp, list]) => [endpointsKey(sp.name, sp.protocol), list]));
  const a = buildRuleset(
    [s1, s2, s3],
    m([
      [s1, [ep('10.244.0.5', 80), ep('10.244.0.6', 80)]],
      [s2, [ep('10.244.0.7', 80)]],
      [s3, [ep('10.244.0.8', 80)]],
    ]),
    cfg,
  );
  const b = buildRuleset(
    [s1, s3, s4],
    m([
      [s1, [ep('10.244.0.5', 80), ep('10.244.0.9', 80), ep('10.244.0.10', 80)]],
      [s3, [ep('10.244.0.8', 80)]],
      [s4, [ep('10.244.0.11', 80)]],
    ]),
    cfg,
  );
  const partial = partialScript(a, b)!;
  assert.ok(partial, 'a partial sync is possible');
  assert.doesNotMatch(partial, /delete table/);
  assert.doesNotMatch(partial, /(flush|delete) chain \S+ \S*three|chain \S*three\S* \{/, "an unchanged service's chains are not touched");
  assert.match(partial, /delete chain ip k8ts-proxy-test endpoint-\S+two/);
  assert.match(partial, /delete set ip k8ts-proxy-test affinity-\S+two/);
  assert.notDeepEqual(tableAfter([a.script]), tableAfter([b.script]), 'the two states differ in the kernel');
  assert.deepEqual(tableAfter([a.script, partial]), tableAfter([b.script]));
  // And back, and again: partial syncs chain.
  const back = partialScript(b, a)!;
  assert.deepEqual(tableAfter([a.script, partial, back]), tableAfter([a.script]));
});

test('a sync reuses the part of every service port whose inputs did not change; nothing changed: an empty partial script', () => {
  const ports: ServicePortInfo[] = [];
  const map = new Map<string, EndpointInfo[]>();
  for (let i = 0; i < 3; i++) {
    const [sp] = servicePorts(svc(`r${i}`, { clusterIP: `10.96.7.${i + 1}`, ports: [{ name: 'p', port: 80 }] }));
    ports.push(sp);
    map.set(endpointsKey(sp.name, sp.protocol), [ep(`10.244.0.${10 + i}`, 8080), ep(`10.244.0.${20 + i}`, 8080)]);
  }
  const a = buildRuleset(ports, map, cfg);
  const same = buildRuleset(ports, map, cfg, a);
  for (const [k, part] of same.parts) assert.equal(part, a.parts.get(k), `${k}: reused`);
  assert.equal(partialScript(a, same), '');
  // One service's endpoints change (a new list, as the change tracker makes it): only its part is new.
  const k1 = endpointsKey(ports[1].name, ports[1].protocol);
  const next = new Map(map).set(k1, [ep('10.244.0.11', 8080), ep('10.244.0.30', 8080), ep('10.244.0.31', 8080)]);
  const b = buildRuleset(ports, next, cfg, a);
  assert.equal(b.parts.get(`${ports[0].name}/TCP`), a.parts.get(`${ports[0].name}/TCP`));
  assert.notEqual(b.parts.get(`${ports[1].name}/TCP`), a.parts.get(`${ports[1].name}/TCP`));
  const partial = partialScript(a, b)!;
  assert.doesNotMatch(partial, /r0|r2/, 'unchanged services are not in the transaction');
  assert.match(
    partial,
    /flush map ip k8ts-proxy-test endpoints-service-\S+r1\S*\nadd element ip k8ts-proxy-test endpoints-service-\S+r1\S* \{ 0 : /,
  );
  assert.match(partial, /delete element ip k8ts-proxy-test hairpin-endpoints \{ 10\.244\.0\.21 \. 10\.244\.0\.21 \}/);
  assert.doesNotMatch(partial, /service-ips|cluster-ips/, 'the dispatch maps did not change');
  if (canRunNft) assert.deepEqual(tableAfter([a.script, partial]), tableAfter([b.script]));
});

test('a service that loses its endpoints and one that goes: dispatch elements deleted and added one by one', {
  skip: canRunNft ? false : 'needs root and nft',
}, () => {
  const [s1] = servicePorts(svc('d1', { type: 'NodePort', clusterIP: '10.96.8.1', ports: [{ name: 'p', port: 80, nodePort: 31020 }] }));
  const [s2] = servicePorts(svc('d2', { clusterIP: '10.96.8.2', ports: [{ name: 'p', port: 80 }] }));
  const withEps = new Map([
    [endpointsKey(s1.name, s1.protocol), [ep('10.244.0.40', 80)]],
    [endpointsKey(s2.name, s2.protocol), [ep('10.244.0.41', 80)]],
  ]);
  const a = buildRuleset([s1, s2], withEps, cfg);
  const b = buildRuleset([s1], new Map(), cfg, a);
  const partial = partialScript(a, b)!;
  assert.match(partial, /delete element ip k8ts-proxy-test service-ips \{ 10\.96\.8\.1 \. tcp \. 80, 10\.96\.8\.2 \. tcp \. 80 \}/);
  assert.match(partial, /add element ip k8ts-proxy-test no-endpoint-nodeports \{ tcp \. 31020 : goto reject-chain \}/);
  assert.deepEqual(tableAfter([a.script, partial]), tableAfter([b.script]));
  assert.deepEqual(tableAfter([a.script, partial, partialScript(b, buildRuleset([s1, s2], withEps, cfg, b))!]), tableAfter([a.script]));
});

test('partial syncs over the pick maps: a UDP service whose endpoint count changes, a service that turns sessionAffinity on and off', {
  skip: canRunNft ? false : 'needs root and nft',
}, () => {
  const mk = (name: string, spec: Record<string, unknown>) => servicePorts(svc(name, spec))[0];
  const dns = mk('dns', { clusterIP: '10.96.9.1', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] });
  const web = mk('web', { clusterIP: '10.96.9.2', ports: [{ name: 'http', port: 80 }] });
  const sticky = mk('web', { clusterIP: '10.96.9.2', sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80 }] });
  const m = (entries: [ServicePortInfo, EndpointInfo[]][]) =>
    new Map(entries.map(([sp, list]) => [endpointsKey(sp.name, sp.protocol), list]));
  const a = buildRuleset(
    [dns, web],
    m([
      [dns, [ep('10.244.0.50', 53)]],
      [web, [ep('10.244.0.51', 80), ep('10.244.0.52', 80)]],
    ]),
    cfg,
  );
  const b = buildRuleset(
    [dns, sticky],
    m([
      [dns, [ep('10.244.0.50', 53), ep('10.244.0.53', 53)]],
      [sticky, [ep('10.244.0.51', 80), ep('10.244.0.52', 80)]],
    ]),
    cfg,
    a,
  );
  const forth = partialScript(a, b)!;
  // The UDP service's rule is written anew (mod 2) over its map already in the kernel.
  assert.match(forth, /flush chain ip k8ts-proxy-test service-\S+dns\/udp\/dns\n/);
  assert.match(forth, /meta l4proto udp dnat to numgen random mod 2 map @endpoints-service-\S+dns\/udp\/dns\n/);
  assert.match(forth, /map endpoint-chains-service-\S+web\S* \{\n\s+typeof numgen random mod 2 : verdict/);
  assert.match(forth, /delete map ip k8ts-proxy-test endpoints-service-\S+web/);
  assert.deepEqual(tableAfter([a.script, forth]), tableAfter([b.script]));
  const back = partialScript(
    b,
    buildRuleset(
      [dns, web],
      m([
        [dns, [ep('10.244.0.50', 53)]],
        [web, [ep('10.244.0.51', 80), ep('10.244.0.52', 80)]],
      ]),
      cfg,
      b,
    ),
  )!;
  assert.match(back, /delete chain ip k8ts-proxy-test endpoint-\S+web/);
  assert.deepEqual(tableAfter([a.script, forth, back]), tableAfter([a.script]));
});
