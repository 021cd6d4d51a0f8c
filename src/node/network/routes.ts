// Pod routes between nodes, as flannel's vxlan backend with DirectRouting does it (flanneld's
// route manager on every node): for each other Node with a podCIDR and an InternalIP,
//  - when the peer's address is on a link this node shares (no gateway on the way), a plain
//    route podCIDR via peerIP (the host-gw backend);
//  - otherwise through a VXLAN device of this node (VNI 1, UDP 8472 as flannel's kernel
//    default): route podCIDR via the peer's VTEP address (its podCIDR's network address, onlink),
//    a permanent neighbour entry VTEP address -> the peer's VTEP MAC, and an FDB entry VTEP MAC ->
//    the peer's InternalIP. The peer publishes its VTEP MAC in its Node's annotations, under
//    flannel's names (flannel.alpha.coreos.com/backend-data {"VNI":1,"VtepMAC":...}, public-ip),
//    so a flannel-aware reader sees the same as in a flannel cluster.
// Pod traffic between nodes is not masqueraded: the node network's masquerade rule leaves every
// known node podCIDR out (NodeNetwork.setPeerPodCIDRs). Simulated nodes (no real address) are
// skipped. The routes stay when the agent stops without killing its pods (so they keep talking)
// and are removed with the node's network; what was installed is kept in a state file, so a
// restarted agent removes routes of peers that went while it was down.

import fs from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../../api/errors.js';
import { isIPv4, parseCIDR } from '../../api/net.js';
import type { KObject } from '../../api/object.js';
import { NODES } from '../../api/types.js';
import { Informer } from '../../client/informer.js';
import type { RestClient } from '../../client/rest.js';
import { SIMULATED_ANNOTATION } from '../simulated.js';
import { type NodeNetwork, run } from './bridge.js';

export const BACKEND_TYPE_ANNOTATION = 'flannel.alpha.coreos.com/backend-type';
export const BACKEND_DATA_ANNOTATION = 'flannel.alpha.coreos.com/backend-data';
export const PUBLIC_IP_ANNOTATION = 'flannel.alpha.coreos.com/public-ip';
const VNI = 1;
const VXLAN_PORT = 8472;

export interface PeerRoute {
  node: string;
  podCIDR: string;
  nodeIP: string;
  /** host-gw: the peer's address is on a shared link; vxlan: through the overlay (needs vtepMAC). */
  mode: 'host-gw' | 'vxlan';
  vtepMAC?: string;
}

export interface RouteManagerOptions {
  client: RestClient;
  nodeName: string;
  /** This node's InternalIP: the VXLAN device's local address and what peers send to. */
  nodeIP: string;
  podCIDR: string;
  /** The node's pod network; its masquerade rule learns the peers' podCIDRs. */
  network: NodeNetwork;
  /** Where the state file lives (the node's data dir). */
  stateDir: string;
  log?: (m: string) => void;
}

/** The VXLAN device of a node instance (its bridge name makes it distinct per agent on a host). */
export function vxlanDeviceName(bridgeName: string): string {
  return `${bridgeName.slice(0, 11)}.vx`;
}

/** A VTEP's address: the network address of the node's podCIDR (flannel gives the device X.Y.Z.0/32). */
function vtepAddress(podCIDR: string): string {
  return podCIDR.split('/')[0];
}

function annotationsOf(n: KObject): Record<string, string> {
  return n.metadata.annotations ?? {};
}

function internalIP(n: KObject): string | undefined {
  const addrs = ((n.status ?? {}) as { addresses?: { type: string; address: string }[] }).addresses ?? [];
  return addrs.find((a) => a.type === 'InternalIP' && isIPv4(a.address))?.address;
}

function podCIDROf(n: KObject): string | undefined {
  const spec = (n.spec ?? {}) as { podCIDR?: string; podCIDRs?: string[] };
  const c = spec.podCIDRs?.[0] ?? spec.podCIDR;
  if (!c) return undefined;
  try {
    const p = parseCIDR(c);
    return p.prefix >= 8 && p.prefix <= 30 ? c : undefined;
  } catch {
    return undefined;
  }
}

function vtepMACOf(n: KObject): string | undefined {
  try {
    const data = JSON.parse(annotationsOf(n)[BACKEND_DATA_ANNOTATION] ?? '{}') as { VtepMAC?: unknown };
    return typeof data.VtepMAC === 'string' && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(data.VtepMAC)
      ? data.VtepMAC.toLowerCase()
      : undefined;
  } catch {
    return undefined;
  }
}

export class RouteManager {
  private readonly nodes: Informer;
  private readonly log: (m: string) => void;
  private readonly vxlan: string;
  private readonly stateFile: string;
  private installed = new Map<string, PeerRoute>();
  /** The first sync after a start writes every route again (the kernel's may be gone, the state file's are kept). */
  private first = true;
  private vtepMAC?: string;
  private applying: Promise<void> = Promise.resolve();
  private pending = false;
  private stopped = false;
  /** Whether a peer's address is on a link of this node, cached per address (asked of the kernel). */
  private readonly onLink = new Map<string, 'direct' | 'routed' | 'local'>();

  constructor(private readonly opts: RouteManagerOptions) {
    this.log = opts.log ?? (() => undefined);
    this.vxlan = vxlanDeviceName(opts.network.bridgeName);
    this.stateFile = path.join(opts.stateDir, 'routes.json');
    this.nodes = new Informer(opts.client, {
      ...NODES,
      backoffInitialMs: 200,
      onError: (e) => this.log(`routes: node watch: ${errorMessage(e)}`),
    });
    // Only what routes depend on: thousands of (simulated) nodes' status updates cost nothing here.
    const relevant = (n: KObject) =>
      annotationsOf(n)[SIMULATED_ANNOTATION] === undefined ? `${podCIDROf(n)}|${internalIP(n)}|${vtepMACOf(n)}` : '';
    this.nodes.addEventHandler({
      onAdd: (n) => {
        if (relevant(n)) this.schedule();
      },
      onUpdate: (o, n) => {
        if (relevant(o) !== relevant(n)) this.schedule();
      },
      onDelete: (n) => {
        if (relevant(n)) this.schedule();
      },
    });
  }

  /** Makes the VXLAN device, publishes this node's VTEP, and starts following the Nodes. */
  async start(): Promise<void> {
    fs.mkdirSync(this.opts.stateDir, { recursive: true, mode: 0o700 });
    this.installed = this.readState();
    this.nodes.start();
    await this.nodes.waitForSync(30_000);
    this.schedule();
    await this.applying;
  }

  /** Stops following; with cleanup, removes every route, neighbour and FDB entry and the device. */
  async stop({ cleanup }: { cleanup: boolean }): Promise<void> {
    this.stopped = true;
    await this.nodes.stop();
    await this.applying.catch(() => undefined);
    if (!cleanup) return;
    for (const r of this.installed.values()) await this.remove(r).catch(() => undefined);
    this.installed.clear();
    await run('ip', ['link', 'del', this.vxlan]).catch(() => undefined);
    fs.rmSync(this.stateFile, { force: true });
  }

  /** The peers routed now (for tests and `describe`). */
  routes(): PeerRoute[] {
    return [...this.installed.values()];
  }

  private schedule(): void {
    if (this.stopped || this.pending) return;
    this.pending = true;
    this.applying = this.applying.then(async () => {
      this.pending = false;
      if (this.stopped) return;
      await this.sync().catch((e) => this.log(`routes: ${(e as Error).message}`));
    });
  }

  private async ensureVxlan(): Promise<void> {
    const exists = await run('ip', ['link', 'show', this.vxlan]).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await run('ip', [
        'link',
        'add',
        this.vxlan,
        'type',
        'vxlan',
        'id',
        String(VNI),
        'local',
        this.opts.nodeIP,
        'dstport',
        String(VXLAN_PORT),
        'nolearning',
      ]);
    }
    // flannel's MTU: the underlay's less the 50 bytes of VXLAN encapsulation, so pods' packets are
    // refused with "fragmentation needed" (path MTU discovery) instead of sent as fragments.
    const addrs4 = JSON.parse(await run('ip', ['-j', '-4', 'addr', 'show'])) as {
      ifname: string;
      mtu?: number;
      addr_info?: { local?: string }[];
    }[];
    const underlay = addrs4.find((d) => d.addr_info?.some((a) => a.local === this.opts.nodeIP));
    if (underlay?.mtu && underlay.mtu > 576) await run('ip', ['link', 'set', this.vxlan, 'mtu', String(underlay.mtu - 50)]);
    const vtep = `${vtepAddress(this.opts.podCIDR)}/32`;
    const addrs = await run('ip', ['-o', '-4', 'addr', 'show', 'dev', this.vxlan]);
    if (!addrs.includes(` ${vtep} `)) await run('ip', ['addr', 'replace', vtep, 'dev', this.vxlan]);
    await run('ip', ['link', 'set', this.vxlan, 'up']);
    const link = JSON.parse(await run('ip', ['-j', 'link', 'show', this.vxlan])) as { address?: string }[];
    this.vtepMAC = link[0]?.address;
  }

  private async publishVtep(): Promise<void> {
    const want = {
      [BACKEND_TYPE_ANNOTATION]: 'vxlan',
      [BACKEND_DATA_ANNOTATION]: JSON.stringify({ VNI, VtepMAC: this.vtepMAC }),
      [PUBLIC_IP_ANNOTATION]: this.opts.nodeIP,
    };
    const node = await this.opts.client.get({ ...NODES, name: this.opts.nodeName });
    const have = annotationsOf(node);
    if (Object.entries(want).every(([k, v]) => have[k] === v)) return;
    await this.opts.client.patch({ ...NODES, name: this.opts.nodeName }, { metadata: { annotations: want } }, 'merge');
  }

  /** What the Nodes ask for now. */
  private desired(): Map<string, PeerRoute> {
    const out = new Map<string, PeerRoute>();
    const own = parseCIDR(this.opts.podCIDR);
    for (const n of this.nodes.list()) {
      const name = n.metadata.name!;
      if (name === this.opts.nodeName || annotationsOf(n)[SIMULATED_ANNOTATION] !== undefined) continue;
      const podCIDR = podCIDROf(n);
      const nodeIP = internalIP(n);
      if (!podCIDR || !nodeIP || nodeIP === this.opts.nodeIP) continue;
      const c = parseCIDR(podCIDR);
      // A block overlapping ours would take our own pods' traffic away.
      if (c.network < own.network + own.size && own.network < c.network + c.size) continue;
      out.set(name, { node: name, podCIDR, nodeIP, mode: 'host-gw', vtepMAC: vtepMACOf(n) });
    }
    return out;
  }

  /** How this node reaches a peer's address: on a shared link, through a gateway, or it is its own (same machine). */
  private async reach(ip: string): Promise<'direct' | 'routed' | 'local'> {
    const known = this.onLink.get(ip);
    if (known !== undefined) return known;
    const r = JSON.parse(await run('ip', ['-j', 'route', 'get', ip])) as { type?: string; gateway?: string; dev?: string }[];
    const how =
      !r[0] || r[0].type === 'local' || r[0].dev === 'lo' ? 'local' : r[0].gateway || r[0].dev === this.vxlan ? 'routed' : 'direct';
    this.onLink.set(ip, how);
    return how;
  }

  /** Whether the kernel already has a connected route for cidr (a bridge of another node instance on this machine). */
  private async connected(cidr: string): Promise<boolean> {
    const r = JSON.parse(await run('ip', ['-j', 'route', 'show', 'exact', cidr])) as {
      protocol?: string;
      scope?: string;
      gateway?: string;
    }[];
    return r.some((x) => x.protocol === 'kernel' || (x.scope === 'link' && !x.gateway));
  }

  private async sync(): Promise<void> {
    const want = this.desired();
    const how = new Map<string, 'direct' | 'routed' | 'local'>();
    for (const [name, r] of [...want]) {
      const h = await this.reach(r.nodeIP);
      how.set(name, h);
      // A peer on this very machine (agents side by side in one namespace) has its bridge here:
      // its pods are reached through it already, and a route would replace the bridge's.
      if (h === 'local' || (!this.installed.has(name) && (await this.connected(r.podCIDR)))) want.delete(name);
    }
    // The overlay device is made (and its VTEP published) once there is another node on another
    // machine, so a one-node cluster never has one.
    if (want.size && !this.vtepMAC) {
      await this.ensureVxlan();
      await this.publishVtep();
    }
    for (const [name, r] of [...want]) {
      if (how.get(name) === 'routed') r.mode = 'vxlan';
      // The peer has not published its VTEP yet: its next update brings us back.
      if (r.mode === 'vxlan' && !r.vtepMAC) want.delete(name);
    }
    const same = (a: PeerRoute, b: PeerRoute) =>
      a.podCIDR === b.podCIDR && a.nodeIP === b.nodeIP && a.mode === b.mode && (a.mode === 'host-gw' || a.vtepMAC === b.vtepMAC);
    let changed = false;
    for (const [name, r] of [...this.installed]) {
      const w = want.get(name);
      if (w && same(w, r)) continue;
      await this.remove(r).catch((e) => this.log(`routes: removing ${r.podCIDR} of ${name}: ${(e as Error).message}`));
      this.installed.delete(name);
      changed = true;
    }
    for (const [name, r] of want) {
      if (this.installed.has(name) && !this.first) continue;
      try {
        await this.add(r);
        this.installed.set(name, r);
        changed = true;
        this.log(`routes: ${r.podCIDR} of node ${name} via ${r.nodeIP} (${r.mode})`);
      } catch (e) {
        this.log(`routes: ${r.podCIDR} of node ${name}: ${(e as Error).message}`);
      }
    }
    const first = this.first;
    this.first = false;
    if (!changed && !first) return;
    this.writeState();
    await this.opts.network.setPeerPodCIDRs([...this.installed.values()].map((r) => r.podCIDR));
  }

  private async add(r: PeerRoute): Promise<void> {
    if (r.mode === 'host-gw') {
      await run('ip', ['route', 'replace', r.podCIDR, 'via', r.nodeIP]);
      return;
    }
    const vtep = vtepAddress(r.podCIDR);
    await run('ip', ['neigh', 'replace', vtep, 'lladdr', r.vtepMAC!, 'dev', this.vxlan, 'nud', 'permanent']);
    await run('bridge', ['fdb', 'replace', r.vtepMAC!, 'dev', this.vxlan, 'dst', r.nodeIP]);
    await run('ip', ['route', 'replace', r.podCIDR, 'via', vtep, 'dev', this.vxlan, 'onlink']);
  }

  private async remove(r: PeerRoute): Promise<void> {
    await run('ip', ['route', 'del', r.podCIDR]).catch(() => undefined);
    if (r.mode === 'vxlan' && r.vtepMAC) {
      await run('ip', ['neigh', 'del', vtepAddress(r.podCIDR), 'dev', this.vxlan]).catch(() => undefined);
      await run('bridge', ['fdb', 'del', r.vtepMAC, 'dev', this.vxlan, 'dst', r.nodeIP]).catch(() => undefined);
    }
  }

  private readState(): Map<string, PeerRoute> {
    try {
      const list = JSON.parse(fs.readFileSync(this.stateFile, 'utf8')) as PeerRoute[];
      return new Map(list.filter((r) => r && typeof r.node === 'string').map((r) => [r.node, r]));
    } catch {
      return new Map();
    }
  }

  private writeState(): void {
    const tmp = `${this.stateFile}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify([...this.installed.values()], null, 1), { mode: 0o600 });
    fs.renameSync(tmp, this.stateFile);
  }
}
