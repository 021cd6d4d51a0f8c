// The userspace proxy, for nodes where nftables cannot be used (no root, no nft) or where it is
// asked for (--proxy-mode userspace): kube-proxy's former userspace mode (pkg/proxy/userspace,
// removed in v1.26) rebuilt. A listener per service "portal" relays each connection to an
// endpoint chosen round-robin (roundrobin.ts), and a connection refused (or not answered in time)
// by one endpoint is retried on the next before the client sees anything.
//
// Portals: ClusterIP:port, externalIP:port and load-balancer-IP:port listeners on those very
// addresses, which this proxier makes local (addresses.ts: /32s on the node's bridge; the kernel
// then delivers packets for them to this host, from the host and from pods, whose default route is
// the node); NodePort listeners on 0.0.0.0 (every address of the node, 127.0.0.1 included). Without
// root there is no bridge and no address can be added: only NodePorts answer then (said in the log).
// A portal listens only while its service port has endpoints: with none, the port is closed and a
// client gets "connection refused", as kube-proxy's reject rule answers.

import dgram from 'node:dgram';
import { once } from 'node:events';
import net from 'node:net';
import type { ServiceAddresses } from '../addresses.js';
import type { EndpointInfo } from '../endpoints.js';
import { endpointsKey } from '../endpoints.js';
import type { ServicePortInfo } from '../serviceport.js';
import { categorizeEndpoints } from '../topology.js';
import type { Proxier, SyncOutcome } from '../types.js';
import { RoundRobin } from './roundrobin.js';

/** kube-proxy userspace's EndpointDialTimeouts: one attempt per entry, each on another endpoint when it can. */
const DIAL_TIMEOUTS_MS = [250, 500, 1000, 2000];
/** How long a UDP client's relay socket lives without traffic. */
const UDP_IDLE_MS = 30_000;

export interface UserspaceProxierOptions {
  /** Makes service addresses local; none (no root, no bridge): only NodePorts can answer. */
  addresses?: ServiceAddresses;
  log?: (msg: string) => void;
}

interface Portal {
  key: string;
  protocol: 'TCP' | 'UDP';
  ip: string;
  port: number;
  lb: RoundRobin;
  tcp?: net.Server;
  udp?: dgram.Socket;
  udpSessions?: Map<string, { sock: dgram.Socket; timer: NodeJS.Timeout }>;
  connections: Set<net.Socket>;
}

export class UserspaceProxier implements Proxier {
  readonly mode = 'userspace' as const;
  private readonly portals = new Map<string, Portal>();
  private readonly log: (msg: string) => void;
  private readonly warned = new Set<string>();

  constructor(private readonly opts: UserspaceProxierOptions) {
    this.log = opts.log ?? (() => undefined);
  }

  async sync(svcPortMap: Map<string, ServicePortInfo[]>, endpointsMap: Map<string, EndpointInfo[]>): Promise<SyncOutcome> {
    const want = new Map<string, { protocol: 'TCP' | 'UDP'; ip: string; port: number; endpoints: string[]; sticky: number }>();
    const addresses = new Set<string>();
    const used = new Map<string, EndpointInfo[]>();
    const readyEndpointIPs = new Set<string>();
    for (const ports of svcPortMap.values()) {
      for (const svc of ports) {
        const all = endpointsMap.get(endpointsKey(svc.name, svc.protocol)) ?? [];
        const c = categorizeEndpoints(all, svc);
        used.set(`${svc.name}/${svc.protocol}`, c.allReachableEndpoints);
        for (const ep of c.allReachableEndpoints) if (ep.ready) readyEndpointIPs.add(ep.ip);
        const internal = (svc.internalPolicyLocal ? c.localEndpoints : c.clusterEndpoints).map((e) => e.endpoint);
        const external = (svc.externalPolicyLocal ? c.localEndpoints : c.clusterEndpoints).map((e) => e.endpoint);
        const add = (ip: string, port: number, endpoints: string[]) => {
          if (!endpoints.length) return;
          want.set(`${svc.protocol}/${ip}:${port}`, { protocol: svc.protocol, ip, port, endpoints, sticky: svc.stickyMaxAgeSeconds });
        };
        addresses.add(svc.clusterIP);
        add(svc.clusterIP, svc.port, internal);
        for (const ip of [...svc.externalIPs, ...svc.loadBalancerVIPs]) {
          addresses.add(ip);
          add(ip, svc.port, external);
        }
        if (svc.nodePort) add('0.0.0.0', svc.nodePort, external);
      }
    }
    await this.opts.addresses?.sync(addresses);
    for (const [key, p] of this.portals) if (!want.has(key)) this.closePortal(p);
    for (const [key, w] of want) {
      let p = this.portals.get(key);
      if (!p) {
        p = { key, protocol: w.protocol, ip: w.ip, port: w.port, lb: new RoundRobin(), connections: new Set() };
        p.lb.update(w.endpoints, w.sticky);
        if (await this.open(p)) this.portals.set(key, p);
        continue;
      }
      p.lb.update(w.endpoints, w.sticky);
    }
    return { readyEndpointIPs, endpoints: used };
  }

  private async open(p: Portal): Promise<boolean> {
    try {
      if (p.protocol === 'TCP') {
        const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (c) => this.handleTCP(p, c));
        server.listen({ host: p.ip, port: p.port, exclusive: true });
        await once(server, 'listening');
        server.on('error', (e) => this.log(`proxy: ${p.key}: ${e.message}`));
        p.tcp = server;
      } else {
        const sock = dgram.createSocket({ type: 'udp4' });
        sock.bind({ address: p.ip, port: p.port, exclusive: true });
        await once(sock, 'listening');
        sock.on('error', (e) => this.log(`proxy: ${p.key}: ${e.message}`));
        p.udp = sock;
        p.udpSessions = new Map();
        sock.on('message', (msg, rinfo) => this.handleUDP(p, msg, rinfo));
      }
      this.warned.delete(p.key);
      return true;
    } catch (e) {
      // Said once per portal: the next syncs try again quietly.
      if (!this.warned.has(p.key)) this.log(`proxy: cannot listen on ${p.key}: ${(e as Error).message}`);
      this.warned.add(p.key);
      return false;
    }
  }

  private handleTCP(p: Portal, client: net.Socket): void {
    const clientIP = (client.remoteAddress ?? '').replace(/^::ffff:/, '');
    const tried = new Set<string>();
    p.connections.add(client);
    client.on('close', () => p.connections.delete(client));
    client.on('error', () => undefined);
    const attempt = (i: number) => {
      if (client.destroyed) return;
      const ep = i < DIAL_TIMEOUTS_MS.length ? p.lb.next(clientIP, tried) : undefined;
      if (!ep) {
        client.resetAndDestroy();
        return;
      }
      tried.add(ep);
      const [host, port] = splitEndpoint(ep);
      const upstream = net.connect({ host, port, allowHalfOpen: true });
      let connected = false;
      const timer = setTimeout(() => upstream.destroy(new Error('dial timeout')), DIAL_TIMEOUTS_MS[i]);
      upstream.once('connect', () => {
        connected = true;
        clearTimeout(timer);
        upstream.setNoDelay(true);
        client.setNoDelay(true);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      upstream.on('error', () => {
        clearTimeout(timer);
        if (!connected) {
          attempt(i + 1);
          return;
        }
        client.destroy();
      });
      upstream.on('close', () => {
        if (connected) client.destroy();
      });
      client.once('close', () => {
        if (connected) upstream.destroy();
      });
    };
    attempt(0);
  }

  private handleUDP(p: Portal, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const sessions = p.udpSessions!;
    const key = `${rinfo.address}:${rinfo.port}`;
    let s = sessions.get(key);
    if (!s) {
      const ep = p.lb.next(rinfo.address);
      if (!ep) return;
      const [host, port] = splitEndpoint(ep);
      const sock = dgram.createSocket('udp4');
      sock.on('error', () => {
        clearTimeout(s?.timer);
        sessions.delete(key);
        sock.close();
      });
      sock.on('message', (reply) => {
        p.udp?.send(reply, rinfo.port, rinfo.address);
        touch();
      });
      sock.connect(port, host);
      const created = { sock, timer: setTimeout(() => undefined, 0) };
      s = created;
      sessions.set(key, created);
      const touch = () => {
        clearTimeout(created.timer);
        created.timer = setTimeout(() => {
          sessions.delete(key);
          try {
            sock.close();
          } catch {
            /* closed */
          }
        }, UDP_IDLE_MS);
      };
      touch();
      sock.once('connect', () => sock.send(msg));
      return;
    }
    try {
      s.sock.send(msg);
    } catch {
      /* not connected yet or closed */
    }
  }

  private closePortal(p: Portal): void {
    this.portals.delete(p.key);
    // The listening socket goes; connections in progress finish (as conntrack keeps them).
    p.tcp?.close();
    if (p.udp) {
      try {
        p.udp.close();
      } catch {
        /* closed */
      }
      for (const s of p.udpSessions?.values() ?? []) {
        clearTimeout(s.timer);
        try {
          s.sock.close();
        } catch {
          /* closed */
        }
      }
    }
  }

  async close(): Promise<void> {
    for (const p of [...this.portals.values()]) {
      this.closePortal(p);
      for (const c of p.connections) c.destroy();
    }
  }

  async cleanup(): Promise<void> {
    await this.close();
    await this.opts.addresses?.cleanup();
  }
}

function splitEndpoint(ep: string): [string, number] {
  const i = ep.lastIndexOf(':');
  return [ep.slice(0, i), Number(ep.slice(i + 1))];
}
