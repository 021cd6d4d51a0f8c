// The cluster DNS server against real dns-packet queries over UDP and TCP on loopback, fed by
// informers from an in-process API server, forwarding to a test upstream on loopback.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';
import promClient from 'prom-client';
import { ENDPOINTSLICES, type EndpointSlice, SERVICES, type Service } from '../../api/types.js';
import { startTestControlPlane, type TestControlPlane } from '../../testing/controlplane.js';
import { waitFor } from '../../testing/wait.js';
import { NodeDNS } from './nodedns.js';

const HOST = '127.0.0.1';

function query(name: string, type: string, opts: { id?: number; edns?: boolean } = {}): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: opts.id ?? 4242,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: type as 'A', name }],
    ...(opts.edns
      ? {
          additionals: [
            { type: 'OPT', name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] },
          ],
        }
      : {}),
  });
}

function udpRaw(port: number, msg: Buffer, timeoutMs = 3000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, timeoutMs);
    s.on('message', (b) => {
      clearTimeout(t);
      s.close();
      resolve(b);
    });
    s.send(msg, port, HOST);
  });
}

/** Sends payload over one TCP connection; resolves with the replies once `want` came (or at close/timeout). */
function tcpRaw(port: number, payload: Buffer, timeoutMs = 3000, want = Infinity): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    let buf = Buffer.alloc(0);
    const c = net.connect({ host: HOST, port }, () => c.write(payload));
    const t = setTimeout(() => {
      c.destroy();
      resolve(out);
    }, timeoutMs);
    c.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length >= want) c.destroy();
    });
    c.on('error', () => undefined);
    c.on('close', () => {
      clearTimeout(t);
      resolve(out);
    });
  });
}

function framed(...msgs: Buffer[]): Buffer {
  return Buffer.concat(
    msgs.map((m) => {
      const h = Buffer.alloc(2);
      h.writeUInt16BE(m.length, 0);
      return Buffer.concat([h, m]);
    }),
  );
}

async function ask(port: number, name: string, type: string, via: 'udp' | 'tcp' = 'udp', edns = false): Promise<DecodedPacket> {
  const q = query(name, type, { edns });
  const raw = via === 'udp' ? await udpRaw(port, q) : (await tcpRaw(port, framed(q), 3000, 1))[0];
  assert.ok(raw, `no answer to ${name} ${type} over ${via}`);
  const p = dnsPacket.decode(raw);
  assert.equal(p.id, 4242);
  return p;
}

const rcode = (p: DecodedPacket) => (p as unknown as { rcode: string }).rcode;
const data = (as: Answer[] | undefined, type: string) =>
  (as ?? []).filter((a) => a.type === type).map((a) => (a as { data: unknown }).data);

/** A resolver outside the cluster, on loopback: answers A for *.example.org with 192.0.2.7, NXDOMAIN otherwise. */
class FakeUpstream {
  udp = dgram.createSocket('udp4');
  tcp = net.createServer((c) => {
    let buf = Buffer.alloc(0);
    c.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        this.tcpQueries++;
        const r = this.answer(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        const h = Buffer.alloc(2);
        h.writeUInt16BE(r.length, 0);
        c.end(Buffer.concat([h, r]));
      }
    });
    c.on('error', () => undefined);
  });
  port = 0;
  udpQueries = 0;
  tcpQueries = 0;
  answer(msg: Buffer): Buffer {
    const q = dnsPacket.decode(msg);
    const question = q.questions![0];
    const name = question.name.toLowerCase();
    if (name.endsWith('neg.example.org')) {
      // A denial with its SOA (minimum 10 s): what a real resolver sends, and what may be cached.
      return dnsPacket.encode({
        type: 'response',
        id: q.id,
        flags: dnsPacket.RECURSION_AVAILABLE | 3,
        questions: q.questions,
        authorities: [
          {
            type: 'SOA',
            name: 'example.org',
            ttl: 3600,
            data: { mname: 'ns.example.org', rname: 'h.example.org', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 10 },
          },
        ],
      });
    }
    const hit = name.endsWith('example.org') && question.type === 'A';
    return dnsPacket.encode({
      type: 'response',
      id: q.id,
      flags: dnsPacket.RECURSION_AVAILABLE | (hit ? 0 : 3),
      questions: q.questions,
      answers: hit ? [{ type: 'A', name: question.name, ttl: 60, data: '192.0.2.7' }] : [],
    });
  }
  async start(): Promise<void> {
    // A port free for UDP may be taken for TCP: then another one (the listen error used to go unhandled).
    for (let attempt = 0; ; attempt++) {
      await new Promise<void>((r) => this.udp.bind(0, HOST, () => r()));
      this.port = this.udp.address().port;
      const listened = await new Promise<boolean>((r) => {
        this.tcp.once('error', () => r(false));
        this.tcp.listen(this.port, HOST, () => r(true));
      });
      if (listened) break;
      this.udp.close();
      if (attempt >= 10) throw new Error('no port free for both UDP and TCP');
      this.udp = dgram.createSocket('udp4');
    }
    this.udp.on('message', (m, ri) => {
      this.udpQueries++;
      this.udp.send(this.answer(m), ri.port, ri.address);
    });
  }
  async stop(): Promise<void> {
    this.udp.close();
    await new Promise<void>((r) => this.tcp.close(() => r()));
  }
}

describe('cluster DNS server', () => {
  let cp: TestControlPlane;
  let dns: NodeDNS;
  let upstream: FakeUpstream;
  let port: number;
  let webIP = '';
  let kubeDNSIP = '';

  before(async () => {
    cp = await startTestControlPlane();
    upstream = new FakeUpstream();
    await upstream.start();
    const c = cp.client;
    const svcs = { ...SERVICES, namespace: 'default' };
    await c.create(svcs, {
      metadata: { name: 'web' },
      spec: {
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, protocol: 'TCP' },
          { name: 'dns', port: 53, protocol: 'UDP' },
        ],
      },
    });
    await c.create(svcs, { metadata: { name: 'db' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] } });
    await c.create(svcs, { metadata: { name: 'empty' }, spec: { clusterIP: 'None', ports: [{ port: 1 }] } });
    await c.create(svcs, { metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'www.example.org' } });
    await c.create(svcs, { metadata: { name: 'alias' }, spec: { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' } });
    await c.create(svcs, { metadata: { name: 'alias2' }, spec: { type: 'ExternalName', externalName: 'alias.default.svc.cluster.local' } });
    await c.create(svcs, { metadata: { name: 'ext2' }, spec: { type: 'ExternalName', externalName: 'ext.default.svc.cluster.local' } });
    await c.create(svcs, { metadata: { name: 'loop' }, spec: { type: 'ExternalName', externalName: 'loop.default.svc.cluster.local' } });
    await c.create(svcs, { metadata: { name: 'many' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } });
    await c.create(svcs, { metadata: { name: 'mid' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } });
    const slices = { ...ENDPOINTSLICES, namespace: 'default' };
    await c.create(slices, {
      metadata: { name: 'db-abc', labels: { 'kubernetes.io/service-name': 'db' } },
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['10.244.0.11'], hostname: 'db-0', conditions: { ready: true } },
        { addresses: ['10.244.0.12'], hostname: 'db-1', conditions: { ready: true } },
        { addresses: ['10.244.0.13'], hostname: 'db-2', conditions: { ready: false } },
        { addresses: ['10.244.0.14'], conditions: { ready: true } },
      ],
      ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
    });
    await c.create(slices, {
      metadata: { name: 'many-abc', labels: { 'kubernetes.io/service-name': 'many' } },
      addressType: 'IPv4',
      endpoints: Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.245.0.${i + 1}`], conditions: { ready: true } })),
      ports: [{ name: '', port: 80, protocol: 'TCP' }],
    });
    await c.create(slices, {
      metadata: { name: 'mid-abc', labels: { 'kubernetes.io/service-name': 'mid' } },
      addressType: 'IPv4',
      endpoints: Array.from({ length: 15 }, (_, i) => ({ addresses: [`10.246.0.${i + 1}`], conditions: { ready: true } })),
      ports: [{ name: '', port: 80, protocol: 'TCP' }],
    });
    webIP = (await c.get<Service>({ ...svcs, name: 'web' })).spec!.clusterIP!;
    kubeDNSIP = (await c.get<Service>({ ...SERVICES, namespace: 'kube-system', name: 'kube-dns' })).spec!.clusterIP!;
    await c.create({ group: '', version: 'v1', resource: 'nodes' }, { metadata: { name: 'dns-node' } });
    const node = await c.get({ group: '', version: 'v1', resource: 'nodes', name: 'dns-node' });
    dns = new NodeDNS({
      client: cp.newClient(),
      nodeName: 'dns-node',
      nodeUid: node.metadata.uid,
      listenAddress: HOST,
      port: 0,
      advertiseAddress: '10.0.0.53',
      dnsIP: kubeDNSIP,
      upstreams: [{ host: HOST, port: upstream.port }],
    });
    await dns.start();
    await dns.publish();
    port = dns.address.port;
    // The caches have what the API holds: the last slice created is visible.
    await waitFor(
      'the many slice in the cache',
      async () => (await ask(port, 'many.default.svc.cluster.local', 'A', 'tcp')).answers?.length === 60,
    );
  });

  after(async () => {
    await dns?.stop();
    await upstream?.stop();
    await cp?.stop();
  });

  test('kube-dns is a Service of kube-system at the 10th address of the service range', async () => {
    const svc = await cp.client.get<Service>({ ...SERVICES, namespace: 'kube-system', name: 'kube-dns' });
    assert.equal(svc.spec?.clusterIP, '10.96.0.10');
    assert.deepEqual(
      svc.spec?.ports?.map((p) => `${p.name}/${p.port}/${p.protocol}`),
      ['dns/53/UDP', 'dns-tcp/53/TCP'],
    );
    assert.equal(svc.spec?.internalTrafficPolicy, 'Local');
  });

  test('the node publishes its server as an endpoint of kube-dns, owned by its Node', async () => {
    const s = await cp.client.get<EndpointSlice>({ ...ENDPOINTSLICES, namespace: 'kube-system', name: 'kube-dns-dns-node' });
    assert.equal(s.metadata.labels?.['kubernetes.io/service-name'], 'kube-dns');
    assert.deepEqual(
      s.endpoints?.map((e) => [e.addresses, e.nodeName, e.conditions?.ready]),
      [[['10.0.0.53'], 'dns-node', true]],
    );
    assert.deepEqual(
      s.ports?.map((p) => `${p.name}/${p.port}/${p.protocol}`),
      [`dns/${port}/UDP`, `dns-tcp/${port}/TCP`],
    );
    assert.equal(s.metadata.ownerReferences?.[0]?.kind, 'Node');
    // Deleted by someone: put back.
    await cp.client.delete({ ...ENDPOINTSLICES, namespace: 'kube-system', name: 'kube-dns-dns-node' });
    await waitFor('the slice back', () => cp.client.get({ ...ENDPOINTSLICES, namespace: 'kube-system', name: 'kube-dns-dns-node' }));
  });

  test("each node keeps its address in the kube-dns Endpoints, beside the others' (kubectl get endpoints, describe svc)", async () => {
    const epRef = { group: '', version: 'v1', resource: 'endpoints', namespace: 'kube-system', name: 'kube-dns' };
    type Ep = import('../../api/types.js').Endpoints;
    const addrs = async () =>
      ((await cp.client.get<Ep>(epRef)).subsets ?? [])
        .flatMap((s) =>
          (s.addresses ?? []).map(
            (a) => `${a.ip}@${a.nodeName}:${(s.ports ?? []).map((p) => `${p.name}/${p.port}/${p.protocol}`).join(',')}`,
          ),
        )
        .sort();
    await waitFor(
      'this node in the Endpoints',
      async () => (await addrs()).join() === `10.0.0.53@dns-node:dns/${port}/UDP,dns-tcp/${port}/TCP`,
    );
    await cp.client.create({ group: '', version: 'v1', resource: 'nodes' }, { metadata: { name: 'dns-node-2' } });
    const second = new NodeDNS({
      client: cp.newClient(),
      nodeName: 'dns-node-2',
      listenAddress: HOST,
      port: 0,
      advertiseAddress: '10.0.1.53',
      upstreams: [],
    });
    try {
      await second.start();
      await second.publish();
      const p2 = second.address.port;
      assert.deepEqual(
        await addrs(),
        [`10.0.0.53@dns-node:dns/${port}/UDP,dns-tcp/${port}/TCP`, `10.0.1.53@dns-node-2:dns/${p2}/UDP,dns-tcp/${p2}/TCP`].sort(),
      );
      // Deleted by someone: both nodes put themselves back.
      await cp.client.delete(epRef);
      await waitFor('both back', async () => (await addrs().catch(() => [])).length === 2);
    } finally {
      await second.stop();
    }
    assert.deepEqual(await addrs(), [`10.0.0.53@dns-node:dns/${port}/UDP,dns-tcp/${port}/TCP`]);
    await assert.rejects(cp.client.get({ ...ENDPOINTSLICES, namespace: 'kube-system', name: 'kube-dns-dns-node-2' }), /not found/);
  });

  for (const via of ['udp', 'tcp'] as const) {
    test(`a service's A record is its ClusterIP, TTL 5, authoritative (${via})`, async () => {
      const p = await ask(port, 'web.default.svc.cluster.local', 'A', via);
      assert.equal(rcode(p), 'NOERROR');
      assert.equal(p.flag_aa, true);
      assert.equal(p.flag_ra, true);
      assert.deepEqual(data(p.answers, 'A'), [webIP]);
      assert.equal(p.answers![0].type === 'A' && p.answers![0].ttl, 5);
      // Names are case-insensitive; the answer keeps the asked case.
      const mixed = await ask(port, 'Web.Default.SVC.cluster.local', 'A', via);
      assert.deepEqual(data(mixed.answers, 'A'), [webIP]);
      assert.equal(mixed.answers![0].name, 'Web.Default.SVC.cluster.local');
    });

    test(`names outside the cluster go to the upstream (${via})`, async () => {
      const before = via === 'udp' ? upstream.udpQueries : upstream.tcpQueries;
      const p = await ask(port, `www-${via}.example.org`, 'A', via);
      assert.equal(rcode(p), 'NOERROR');
      assert.deepEqual(data(p.answers, 'A'), ['192.0.2.7']);
      assert.equal(p.flag_aa, false);
      assert.equal(via === 'udp' ? upstream.udpQueries : upstream.tcpQueries, before + 1, `forwarded over ${via}`);
      const nx = await ask(port, 'nothing.invalid', 'A', via);
      assert.equal(rcode(nx), 'NXDOMAIN');
    });
  }

  test('upstream answers are kept (cache 30): positive for their TTL (at most 30 s), denials for their SOA minimum', async () => {
    const before = upstream.udpQueries + upstream.tcpQueries;
    const first = await ask(port, 'kept.example.org', 'A');
    const again = await ask(port, 'KEPT.example.org', 'A', 'tcp');
    assert.deepEqual(data(again.answers, 'A'), ['192.0.2.7']);
    assert.equal(again.id, 4242);
    assert.equal(again.answers![0].name, 'KEPT.example.org');
    assert.ok((again.answers![0] as { ttl: number }).ttl <= 30, 'capped at 30 s');
    assert.equal((first.answers![0] as { ttl: number }).ttl, 60, "the first answer is the upstream's own");
    const nx1 = await ask(port, 'nothing.neg.example.org', 'A');
    const nx2 = await ask(port, 'nothing.neg.example.org', 'A');
    assert.equal(rcode(nx1), 'NXDOMAIN');
    assert.equal(rcode(nx2), 'NXDOMAIN');
    assert.ok((nx2.authorities ?? []).some((a) => a.type === 'SOA' && (a as { ttl: number }).ttl <= 10));
    assert.equal(upstream.udpQueries + upstream.tcpQueries, before + 2, 'one upstream query per name');
    // An answer without a SOA (nothing says how long it holds) is asked again.
    await ask(port, 'nothing.invalid', 'A');
    await ask(port, 'nothing.invalid', 'A');
    assert.equal(upstream.udpQueries + upstream.tcpQueries, before + 4);
    assert.ok(dns.server.cache!.hits >= 2);
  });

  test('a headless service answers its ready endpoints; an endpoint by hostname; none ready is NXDOMAIN', async () => {
    const p = await ask(port, 'db.default.svc.cluster.local', 'A');
    assert.deepEqual(data(p.answers, 'A').sort(), ['10.244.0.11', '10.244.0.12', '10.244.0.14']);
    const one = await ask(port, 'db-1.db.default.svc.cluster.local', 'A');
    assert.deepEqual(data(one.answers, 'A'), ['10.244.0.12']);
    const byIP = await ask(port, '10-244-0-14.db.default.svc.cluster.local', 'A');
    assert.deepEqual(data(byIP.answers, 'A'), ['10.244.0.14']);
    // Not ready: not published.
    assert.equal(rcode(await ask(port, 'db-2.db.default.svc.cluster.local', 'A')), 'NXDOMAIN');
    assert.equal(rcode(await ask(port, 'empty.default.svc.cluster.local', 'A')), 'NXDOMAIN');
  });

  test('SRV records for named ports: the service name for a ClusterIP service, each endpoint for a headless one', async () => {
    const p = await ask(port, '_http._tcp.web.default.svc.cluster.local', 'SRV');
    assert.deepEqual(data(p.answers, 'SRV'), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
    assert.deepEqual(data(p.additionals, 'A'), [webIP]);
    const udp = await ask(port, '_dns._udp.web.default.svc.cluster.local', 'SRV');
    assert.deepEqual(
      data(udp.answers, 'SRV').map((s) => (s as { port: number }).port),
      [53],
    );
    const h = await ask(port, '_pg._tcp.db.default.svc.cluster.local', 'SRV');
    const srv = data(h.answers, 'SRV') as { port: number; target: string; weight: number }[];
    assert.deepEqual(srv.map((s) => s.target).sort(), [
      '10-244-0-14.db.default.svc.cluster.local',
      'db-0.db.default.svc.cluster.local',
      'db-1.db.default.svc.cluster.local',
    ]);
    assert.ok(srv.every((s) => s.port === 5432 && s.weight === 33));
    assert.deepEqual(
      (h.additionals ?? [])
        .filter((a) => a.type === 'A')
        .map((a) => `${a.name}=${(a as { data: string }).data}`)
        .sort(),
      [
        '10-244-0-14.db.default.svc.cluster.local=10.244.0.14',
        'db-0.db.default.svc.cluster.local=10.244.0.11',
        'db-1.db.default.svc.cluster.local=10.244.0.12',
      ],
    );
    // A port the service does not have, or the wrong protocol.
    assert.equal(rcode(await ask(port, '_nope._tcp.web.default.svc.cluster.local', 'SRV')), 'NXDOMAIN');
    assert.equal(rcode(await ask(port, '_http._udp.web.default.svc.cluster.local', 'SRV')), 'NXDOMAIN');
  });

  test('pod records: a-b-c-d.<ns>.pod (pods insecure); a namespace that does not exist is NXDOMAIN', async () => {
    const p = await ask(port, '10-244-0-5.default.pod.cluster.local', 'A');
    assert.deepEqual(data(p.answers, 'A'), ['10.244.0.5']);
    assert.equal(rcode(await ask(port, '10-244-0-5.nosuchns.pod.cluster.local', 'A')), 'NXDOMAIN');
    assert.equal(rcode(await ask(port, 'not-an-ip.default.pod.cluster.local', 'A')), 'NXDOMAIN');
  });

  test('PTR: a cluster IP names its service, an endpoint address its endpoint; unknown addresses are forwarded', async () => {
    const rev = (ip: string) => `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
    assert.deepEqual(data((await ask(port, rev(webIP), 'PTR')).answers, 'PTR'), ['web.default.svc.cluster.local']);
    assert.deepEqual(data((await ask(port, rev('10.96.0.10'), 'PTR')).answers, 'PTR'), ['kube-dns.kube-system.svc.cluster.local']);
    assert.deepEqual(data((await ask(port, rev('10.244.0.11'), 'PTR')).answers, 'PTR'), ['db-0.db.default.svc.cluster.local']);
    const before = upstream.udpQueries;
    await ask(port, rev('192.0.2.99'), 'PTR');
    assert.equal(upstream.udpQueries, before + 1);
  });

  test('ExternalName is a CNAME; its target is resolved (upstream outside the zone, in the zone inside)', async () => {
    const p = await ask(port, 'ext.default.svc.cluster.local', 'A');
    assert.equal(rcode(p), 'NOERROR');
    assert.deepEqual(data(p.answers, 'CNAME'), ['www.example.org']);
    assert.deepEqual(data(p.answers, 'A'), ['192.0.2.7']);
    const inZone = await ask(port, 'alias.default.svc.cluster.local', 'A');
    assert.deepEqual(data(inZone.answers, 'CNAME'), ['web.default.svc.cluster.local']);
    assert.deepEqual(data(inZone.answers, 'A'), [webIP]);
    // Chains: through the zone, and out of it at the end.
    const chain = await ask(port, 'alias2.default.svc.cluster.local', 'A');
    assert.deepEqual(data(chain.answers, 'CNAME'), ['alias.default.svc.cluster.local', 'web.default.svc.cluster.local']);
    assert.deepEqual(data(chain.answers, 'A'), [webIP]);
    const out = await ask(port, 'ext2.default.svc.cluster.local', 'A');
    assert.deepEqual(data(out.answers, 'CNAME'), ['ext.default.svc.cluster.local', 'www.example.org']);
    assert.deepEqual(data(out.answers, 'A'), ['192.0.2.7']);
    // A service naming itself: a bounded chain, no crash.
    const loop = await ask(port, 'loop.default.svc.cluster.local', 'A', 'tcp');
    assert.equal(rcode(loop), 'NOERROR');
    assert.equal(data(loop.answers, 'CNAME').length, 9);
    assert.equal(data(loop.answers, 'A').length, 0);
  });

  test('NXDOMAIN and NODATA carry the zone SOA in authority, as CoreDNS', async () => {
    const nx = await ask(port, 'nope.default.svc.cluster.local', 'A');
    assert.equal(rcode(nx), 'NXDOMAIN');
    assert.equal(nx.flag_aa, true);
    const soa = (nx.authorities ?? []).find((a) => a.type === 'SOA') as {
      name: string;
      ttl: number;
      data: { mname: string; rname: string; minimum: number };
    };
    assert.equal(soa.name, 'cluster.local');
    assert.equal(soa.data.mname, 'ns.dns.cluster.local');
    assert.equal(soa.data.rname, 'hostmaster.cluster.local');
    assert.equal(soa.data.minimum, 5);
    for (const [name, type] of [
      ['web.default.svc.cluster.local', 'AAAA'],
      ['web.default.svc.cluster.local', 'TXT'],
      ['default.svc.cluster.local', 'A'],
      ['cluster.local', 'A'],
    ]) {
      const p = await ask(port, name, type);
      assert.equal(rcode(p), 'NOERROR', `${name} ${type}`);
      assert.equal(p.answers?.length ?? 0, 0, `${name} ${type}`);
      assert.ok(
        (p.authorities ?? []).some((a) => a.type === 'SOA'),
        `${name} ${type} has the SOA`,
      );
    }
    assert.equal(rcode(await ask(port, 'nosuchns.svc.cluster.local', 'A')), 'NXDOMAIN');
    assert.equal(rcode(await ask(port, 'a.b.c.web.default.svc.cluster.local', 'A')), 'NXDOMAIN');
    assert.equal(rcode(await ask(port, 'web.default.nothing.cluster.local', 'A')), 'NXDOMAIN');
    const apex = await ask(port, 'cluster.local', 'SOA');
    assert.equal(data(apex.answers, 'SOA').length, 1);
    const ns = await ask(port, 'ns.dns.cluster.local', 'A');
    assert.deepEqual(data(ns.answers, 'A'), [kubeDNSIP]);
  });

  test('a UDP answer too big for 512 bytes is truncated; over TCP or with EDNS it comes whole', async () => {
    const udp = await ask(port, 'many.default.svc.cluster.local', 'A');
    assert.equal(udp.flag_tc, true);
    assert.equal(udp.answers?.length ?? 0, 0);
    const tcp = await ask(port, 'many.default.svc.cluster.local', 'A', 'tcp');
    assert.equal(tcp.flag_tc, false);
    assert.equal(tcp.answers?.length, 60);
    // 15 records: more than 512 bytes, less than the 1232 EDNS allows.
    assert.equal((await ask(port, 'mid.default.svc.cluster.local', 'A')).flag_tc, true);
    const edns = await ask(port, 'mid.default.svc.cluster.local', 'A', 'udp', true);
    assert.equal(edns.flag_tc, false);
    assert.equal(edns.answers?.length, 15);
    assert.ok((edns.additionals ?? []).some((a) => a.type === 'OPT'));
  });

  test('a change in the cluster is answered at once (informers)', async () => {
    const svcs = { ...SERVICES, namespace: 'default' };
    await cp.client.create(svcs, { metadata: { name: 'late' }, spec: { ports: [{ port: 8080 }] } });
    const ip = (await cp.client.get<Service>({ ...svcs, name: 'late' })).spec!.clusterIP!;
    await waitFor('late resolves', async () => data((await ask(port, 'late.default.svc.cluster.local', 'A')).answers, 'A')[0] === ip);
    await cp.client.delete({ ...svcs, name: 'late' });
    await waitFor('late is gone', async () => rcode(await ask(port, 'late.default.svc.cluster.local', 'A')) === 'NXDOMAIN');
  });

  test('malformed and hostile packets never crash it: FORMERR, NOTIMP or silence, and it keeps answering', async () => {
    const valid = query('web.default.svc.cluster.local', 'A');
    // Too short to hold a header: dropped.
    assert.equal(await udpRaw(port, Buffer.from([1, 2, 3]), 300), undefined);
    // A response sent to the server: never answered (no reflection loops).
    const resp = Buffer.from(valid);
    resp[2] |= 0x80;
    assert.equal(await udpRaw(port, resp, 300), undefined);
    // Garbage after a header; a name pointer to itself; a question count beyond the packet.
    const bad: Buffer[] = [
      Buffer.concat([valid.subarray(0, 12), Buffer.from([0xff, 0xff, 0xff])]),
      Buffer.concat([Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from([0xc0, 12, 0, 1, 0, 1])]),
      Buffer.concat([Buffer.from([0x12, 0x34, 1, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0]), valid.subarray(12)]),
      Buffer.concat([Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), valid.subarray(12)]),
    ];
    for (const b of bad) {
      const r = await udpRaw(port, b);
      assert.ok(r, 'answered');
      const p = dnsPacket.decode(r);
      assert.equal(p.id, b.readUInt16BE(0));
      assert.equal(rcode(p), 'FORMERR');
    }
    // Two questions in one query.
    const two = dnsPacket.encode({
      type: 'query',
      id: 7,
      questions: [
        { type: 'A', name: 'a.example.org' },
        { type: 'A', name: 'b.example.org' },
      ],
    });
    assert.equal(rcode(dnsPacket.decode((await udpRaw(port, two))!)), 'FORMERR');
    // An opcode other than QUERY (here UPDATE).
    const upd = Buffer.from(valid);
    upd.writeUInt16BE((upd.readUInt16BE(2) & ~0x7800) | (5 << 11), 2);
    assert.equal(rcode(dnsPacket.decode((await udpRaw(port, upd))!)), 'NOTIMP');
    // Zone transfers are refused.
    assert.equal(rcode(await ask(port, 'cluster.local', 'AXFR', 'tcp')), 'REFUSED');
    // Random bytes, many of them.
    for (let i = 0; i < 100; i++) {
      const junk = Buffer.alloc(12 + (i % 60));
      for (let j = 0; j < junk.length; j++) junk[j] = (i * 31 + j * 17) & 0xff;
      junk[2] &= 0x7f;
      await udpRaw(port, junk, 100);
    }
    // TCP: a garbage frame closes the connection; a pipelined pair is answered in order.
    const closed = await tcpRaw(port, framed(Buffer.from([1, 2, 3])), 2000);
    assert.equal(closed.length, 0);
    const pair = await tcpRaw(
      port,
      framed(query('web.default.svc.cluster.local', 'A', { id: 1 }), query('db.default.svc.cluster.local', 'A', { id: 2 })),
      2000,
      2,
    );
    assert.deepEqual(
      pair.map((b) => dnsPacket.decode(b).id),
      [1, 2],
    );
    // Still serving.
    assert.deepEqual(data((await ask(port, 'web.default.svc.cluster.local', 'A')).answers, 'A'), [webIP]);
    assert.ok(dns.server.stats.formerr >= bad.length);
  });

  test("CoreDNS's metrics count requests by type and responses by rcode", async () => {
    const text = await promClient.register.metrics();
    const server = `dns://127.0.0.1:${port}`;
    const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
    assert.ok(
      value(new RegExp(`^coredns_dns_requests_total\\{server="${server}",zone=".",proto="udp",family="1",type="A"\\} (\\d+)`, 'm')) > 0,
      text,
    );
    assert.ok(
      value(new RegExp(`^coredns_dns_requests_total\\{server="${server}",zone=".",proto="tcp",family="1",type="A"\\} (\\d+)`, 'm')) > 0,
      text,
    );
    assert.ok(value(new RegExp(`^coredns_dns_responses_total\\{server="${server}",zone=".",rcode="NXDOMAIN"\\} (\\d+)`, 'm')) > 0, text);
    assert.ok(value(new RegExp(`^coredns_dns_responses_total\\{server="${server}",zone=".",rcode="FORMERR"\\} (\\d+)`, 'm')) > 0, text);
    assert.ok(
      value(new RegExp(`^coredns_dns_request_duration_seconds_count\\{server="${server}",zone=".",type="A"\\} (\\d+)`, 'm')) > 0,
      text,
    );
  });
});
