// The node's pod network: one Linux bridge (k8ts0 by default) holding the first address of the
// node's podCIDR, a veth pair per pod sandbox (host end on the bridge, `eth0` inside the pod's
// network namespace) and an address allocator over the rest of the CIDR. Pods reach each other
// and the node through the bridge; traffic leaving the podCIDR is masqueraded when nft exists
// (the bridge CNI plugin's ipMasq), and containers' hostPorts are DNATed from the node's
// addresses to the pod (the portmap CNI plugin), both in one nft table of this network.
//
// The allocator is in memory: the runtime re-reserves the addresses of the sandboxes it finds
// in its state dir when it starts, so an agent restart does not hand out an address twice.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { type CIDR, intToIp, isIPv4, parseCIDR as parseIPv4CIDR, ipToInt as toInt } from '../../api/net.js';
import { spawner } from '../runtime/spawner.js';
import { lockBridge } from './lock.js';

export interface NodeNetworkOptions {
  /** Bridge device name (at most 15 characters). */
  bridgeName?: string;
  /** The node's podCIDR (IPv4), e.g. 10.244.0.0/24; the bridge takes the first address. */
  podCIDR?: string;
  /** Add an nft masquerade rule for traffic from pods leaving the podCIDR (needs `nft`). */
  masquerade?: boolean;
  /** Who uses the bridge, for the message another instance gets (e.g. the data dir). */
  owner?: string;
}

export interface PodAttachment {
  ip: string;
  hostVeth: string;
}

/** A container port published on the node (CRI PortMapping). */
export interface HostPortMapping {
  protocol?: string;
  containerPort: number;
  hostPort?: number;
  hostIp?: string;
}

/** The mark asking for masquerade of hostPort hairpin traffic (the portmap plugin's 0x2000). */
const HOSTPORT_MASQ_MARK = '0x2000';

export class NetworkError extends Error {}

/** Runs a command, rejecting with its stderr. */
export async function run(cmd: string, args: string[], opts: { input?: string } = {}): Promise<string> {
  // Through the spawner: forking the (large) agent process for every command is what costs.
  const r = await spawner.run(cmd, args, opts);
  if (r.code !== 0) throw new NetworkError(`${cmd} ${args.join(' ')}: ${(r.stderr || `exit code ${r.code}`).trim()}`);
  return r.stdout;
}

/**
 * Whether a network link of this name is in this process's network namespace: read from
 * /proc/self/net/dev, the namespace's own list (a process start less than `ip link show` on the
 * node's way to ready, #13), else asked of ip. Not /sys/class/net: sysfs lists the links of the
 * namespace it was mounted in, the host's for an agent entered with `nsenter --net`.
 */
export async function linkExists(name: string): Promise<boolean> {
  let dev: string;
  try {
    dev = readFileSync('/proc/self/net/dev', 'utf8');
  } catch {
    return run('ip', ['link', 'show', name]).then(
      () => true,
      () => false,
    );
  }
  // Two header lines, then `  name: counters...` (a link's name never holds a colon).
  for (const line of dev.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim() === name) return true;
  }
  return false;
}

/** An address of this node's pod network (an invalid one is the node's error, not a crash). */
function ipToInt(ip: string): number {
  if (!isIPv4(ip)) throw new NetworkError(`invalid IPv4 address ${ip}`);
  return toInt(ip);
}

export type ParsedCIDR = CIDR;

/** A node's podCIDR: an IPv4 CIDR between /8 and /30. */
export function parseCIDR(cidr: string): CIDR {
  let c: CIDR;
  try {
    c = parseIPv4CIDR(cidr);
  } catch (e) {
    throw new NetworkError((e as Error).message);
  }
  if (c.prefix < 8 || c.prefix > 30) throw new NetworkError(`podCIDR ${cidr}: prefix must be between /8 and /30`);
  return c;
}

/** The veth name on the host for a sandbox id: at most 15 characters, stable across restarts. */
export function hostVethName(sandboxId: string): string {
  return `k8v${sandboxId.slice(0, 11)}`;
}

export class NodeNetwork {
  readonly bridgeName: string;
  readonly podCIDR: string;
  /** The bridge's address: the pods' default gateway. */
  readonly gateway: string;
  readonly prefixLength: number;
  private readonly cidr: ParsedCIDR;
  private readonly masquerade: boolean;
  private readonly used = new Map<number, string>();
  private cursor: number;
  private ensured: Promise<void> | undefined;
  /** ip_forward as found before we enabled it, restored by teardown(). */
  private previousForwarding: string | undefined;
  /** sandbox id -> the pod IP and its hostPorts. */
  private readonly hostPorts = new Map<string, { ip: string; ports: HostPortMapping[] }>();
  private tableWrite: Promise<void> = Promise.resolve();
  /** Other nodes' podCIDRs (routes.ts): pod traffic to them is not masqueraded. */
  private peerPodCIDRs: string[] = [];
  private readonly owner: string;
  /** Releases this instance's hold on the host-wide bridge lock (lock.ts). */
  private unlock: (() => void) | undefined;
  /** Whether this instance added the bridge link (it was not there before). */
  private createdLink = false;

  constructor(opts: NodeNetworkOptions = {}) {
    this.bridgeName = opts.bridgeName ?? 'k8ts0';
    if (this.bridgeName.length > 15) throw new NetworkError(`bridge name ${this.bridgeName} is longer than 15 characters`);
    this.podCIDR = opts.podCIDR ?? '10.244.0.0/24';
    this.cidr = parseCIDR(this.podCIDR);
    this.prefixLength = this.cidr.prefix;
    this.gateway = intToIp(this.cidr.network + 1);
    this.cursor = this.cidr.network + 2;
    this.masquerade = opts.masquerade ?? true;
    this.owner = opts.owner ?? `podCIDR ${this.podCIDR}`;
  }

  private get nftTable(): string {
    return `k8ts_${this.bridgeName.replace(/[^A-Za-z0-9_]/g, '_')}`;
  }

  /** Creates the bridge (idempotent) with the gateway address, enables forwarding and masquerade. */
  ensureBridge(): Promise<void> {
    this.ensured ??= this.createBridge().catch((err) => {
      this.ensured = undefined;
      throw err;
    });
    return this.ensured;
  }

  private async createBridge(): Promise<void> {
    // Another live instance with this bridge name would share it and delete it under our pods.
    this.unlock ??= await lockBridge(this.bridgeName, this.owner);
    const exists = await linkExists(this.bridgeName);
    // The link, its gateway address (`replace`: added, or kept as it is) and up, in one ip process
    // (each command is a process start on the node's path to ready, #13). The name is the lock's,
    // checked there ([A-Za-z0-9_.-], no spaces), the address computed from the parsed podCIDR.
    this.createdLink ||= !exists;
    await run('ip', ['-batch', '-'], {
      input: [
        ...(exists ? [] : [`link add ${this.bridgeName} type bridge`]),
        `addr replace ${this.gateway}/${this.prefixLength} dev ${this.bridgeName}`,
        `link set ${this.bridgeName} up`,
        '',
      ].join('\n'),
    });
    // Pods reaching beyond the node need forwarding; a node agent owns this setting like kubelet/CNI do.
    try {
      const was = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
      if (was !== '1') {
        writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
        this.previousForwarding ??= was;
      }
    } catch {
      /* read-only /proc: pods stay node-local */
    }
    // Without it pods stay node-local and hostPorts unpublished; the node still works.
    await this.writeTable().catch(() => undefined);
  }

  /**
   * Writes this network's nft table whole, in one transaction: pod egress masquerade and the
   * hostPort DNAT rules (as the portmap plugin: from every local address but loopback, TCP/UDP,
   * hostIP honoured; a pod reaching its own hostPort is masqueraded so the reply comes back).
   */
  private writeTable(): Promise<void> {
    const write = async () => {
      if (!this.masquerade || !hasBinary('nft')) return;
      const t = this.nftTable;
      const dnat: string[] = [];
      for (const [, { ip, ports }] of [...this.hostPorts].sort(([a], [b]) => a.localeCompare(b))) {
        for (const p of ports) {
          const proto = (p.protocol ?? 'TCP').toLowerCase();
          if ((proto !== 'tcp' && proto !== 'udp') || !p.hostPort || !isIPv4(ip)) continue;
          const dst = p.hostIp && p.hostIp !== '0.0.0.0' && isIPv4(p.hostIp) ? `ip daddr ${p.hostIp} ` : '';
          dnat.push(`    ${dst}${proto} dport ${p.hostPort} ip saddr ${ip} meta mark set meta mark or ${HOSTPORT_MASQ_MARK}`);
          dnat.push(`    ${dst}${proto} dport ${p.hostPort} dnat to ${ip}:${p.containerPort}`);
        }
      }
      const local = 'fib daddr type local ip daddr != 127.0.0.0/8';
      const script = [
        `table ip ${t}`,
        `delete table ip ${t}`,
        `table ip ${t} {`,
        '  chain hostports {',
        ...dnat,
        '  }',
        '  chain prerouting {',
        '    type nat hook prerouting priority -100; policy accept;',
        `    ${local} jump hostports`,
        '  }',
        '  chain output {',
        '    type nat hook output priority -100; policy accept;',
        `    ${local} jump hostports`,
        '  }',
        '  chain postrouting {',
        '    type nat hook postrouting priority 100; policy accept;',
        `    meta mark and ${HOSTPORT_MASQ_MARK} != 0 meta mark set meta mark xor ${HOSTPORT_MASQ_MARK} masquerade`,
        // Pod to pod across nodes keeps its source address (flannel's ip-masq leaves the cluster network out).
        `    ip saddr ${this.podCIDR} ip daddr != { ${[this.podCIDR, ...this.peerPodCIDRs].join(', ')} } masquerade`,
        '  }',
        '}',
        '',
      ];
      await run('nft', ['-f', '-'], { input: script.join('\n') });
    };
    // One writer at a time, each writing the latest state.
    this.tableWrite = this.tableWrite.then(write, write);
    return this.tableWrite;
  }

  /** Sets the podCIDRs of the nodes this one routes to (not masqueraded); rewrites the table when they change. */
  async setPeerPodCIDRs(cidrs: string[]): Promise<void> {
    const next = [...new Set(cidrs.filter((c) => c !== this.podCIDR))].sort();
    for (const c of next) parseCIDR(c);
    if (next.join() === this.peerPodCIDRs.join()) return;
    this.peerPodCIDRs = next;
    if (this.ensured) await this.writeTable();
  }

  /** Publishes a sandbox's hostPorts (none: nothing to do). */
  async setHostPorts(sandboxId: string, ip: string, ports: HostPortMapping[] | undefined): Promise<void> {
    const published = (ports ?? []).filter((p) => p.hostPort);
    if (!published.length && !this.hostPorts.has(sandboxId)) return;
    if (published.length) this.hostPorts.set(sandboxId, { ip, ports: published });
    else this.hostPorts.delete(sandboxId);
    if (this.ensured) await this.writeTable();
  }

  /** Withdraws a sandbox's hostPorts. */
  async removeHostPorts(sandboxId: string): Promise<void> {
    if (!this.hostPorts.delete(sandboxId)) return;
    if (this.ensured) await this.writeTable();
  }

  /** Removes the bridge and the masquerade rule (`k8ts down`, tests). */
  async teardown(): Promise<void> {
    this.ensured = undefined;
    this.createdLink = false;
    await run('ip', ['link', 'del', this.bridgeName]).catch(() => undefined);
    if (hasBinary('nft')) await run('nft', ['delete', 'table', 'ip', this.nftTable]).catch(() => undefined);
    if (this.previousForwarding !== undefined) {
      try {
        writeFileSync('/proc/sys/net/ipv4/ip_forward', this.previousForwarding);
      } catch {
        /* leave it */
      }
      this.previousForwarding = undefined;
    }
    this.used.clear();
    this.hostPorts.clear();
    const unlock = this.unlock;
    this.unlock = undefined;
    if (unlock) unlock();
    // Torn down by another instance than the one that held the lock (`k8ts down` after a crash, a
    // test's clean-up): the lock's files go too, by taking the lock and letting it go (lock.ts
    // removes them then), unless an instance holds it, whose files stay.
    else if (process.getuid?.() === 0)
      await lockBridge(this.bridgeName, this.owner).then(
        (release) => release(),
        () => undefined,
      );
  }

  /**
   * Undoes this instance's set-up when its node never started (the bridge is begun before the
   * node's start, #13): the bridge and its table go if this instance added the bridge; a bridge
   * found in place stays (pods of a crashed instance may still be on it). The lock is let go
   * either way.
   */
  async abandon(): Promise<void> {
    await this.ensured?.catch(() => undefined);
    if (this.createdLink) {
      this.createdLink = false;
      await this.teardown();
      return;
    }
    this.ensured = undefined;
    this.unlock?.();
    this.unlock = undefined;
  }

  /** Marks an address as taken (recovery after a restart). */
  reserve(ip: string, owner: string): void {
    this.used.set(ipToInt(ip), owner);
  }

  /** The next free pod address, next-fit so that a replaced pod does not get the old pod's IP at once. */
  allocate(owner: string): string {
    const first = this.cidr.network + 2;
    const last = this.cidr.network + this.cidr.size - 2; // the broadcast address is not handed out
    const count = last - first + 1;
    for (let i = 0; i < count; i++) {
      const candidate = first + ((this.cursor - first + i) % count);
      if (!this.used.has(candidate)) {
        this.used.set(candidate, owner);
        this.cursor = candidate + 1 > last ? first : candidate + 1;
        return intToIp(candidate);
      }
    }
    throw new NetworkError(`no free address left in podCIDR ${this.podCIDR}`);
  }

  release(ip: string): void {
    this.used.delete(ipToInt(ip));
  }

  /** Puts a pod's network namespace (a bound nsfs file) on the bridge with the given address. */
  /**
   * Shell commands that plug a pod's network namespace into the bridge (for a set-up script
   * that runs as one process: each process the agent spawns costs a fork of a large process).
   */
  attachPodScript(netnsPath: string, sandboxId: string, ip: string): string {
    const hostVeth = hostVethName(sandboxId);
    const q = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
    return [
      // One ip process for the host's side (a process per command was a fork each, per pod start).
      // ip's batch lines have no shell quoting: a path it cannot take bare is added by the shell.
      'k8ts_veth() {',
      ...(/^[A-Za-z0-9_./+-]+$/.test(netnsPath)
        ? [`ip -batch - <<'K8TS_EOF'`, `link add ${hostVeth} type veth peer name eth0 netns ${netnsPath}`]
        : [`ip link add ${hostVeth} type veth peer name eth0 netns ${q(netnsPath)} && ip -batch - <<'K8TS_EOF'`]),
      `link set ${hostVeth} master ${this.bridgeName} up`,
      // Hairpin (kubelet's hairpin-veth mode, the bridge plugin's hairpinMode): a pod that reaches
      // itself through its service gets the DNATed packet back out of the port it came in on.
      `link set ${hostVeth} type bridge_slave hairpin on`,
      'K8TS_EOF',
      '}',
      // A veth left by a crash is replaced, and only then: deleting first was a process per start
      // for a case that is rare (asked of the kernel: /sys may show another network namespace's devices).
      `k8ts_veth || { ip link del ${hostVeth} 2>/dev/null; k8ts_veth; }`,
      `nsenter --net=${q(netnsPath)} ip -batch - <<'K8TS_EOF'`,
      'link set lo up',
      `addr add ${ip}/${this.prefixLength} dev eth0`,
      'link set eth0 up',
      `route add default via ${this.gateway} dev eth0`,
      'K8TS_EOF',
    ].join('\n');
  }

  async attachPod(netnsPath: string, sandboxId: string, ip: string): Promise<PodAttachment> {
    await this.ensureBridge();
    const hostVeth = hostVethName(sandboxId);
    await run('sh', ['-e'], { input: `${this.attachPodScript(netnsPath, sandboxId, ip)}\n` });
    return { ip, hostVeth };
  }

  /** Deletes the pod's veth pair: deleting the host end removes the pod end too, even while
   *  something still holds the namespace open. */
  async detachPod(sandboxId: string): Promise<void> {
    await run('ip', ['link', 'del', hostVethName(sandboxId)]).catch(() => undefined);
  }
}

export function hasBinary(name: string): boolean {
  const dirs = (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').concat(['/usr/sbin', '/sbin']);
  return dirs.some((d) => d && existsSync(`${d}/${name}`));
}

/** The node's own address: the first non-internal IPv4 address (the IP of hostNetwork pods). */
export function nodeAddress(): string {
  for (const [name, list] of Object.entries(os.networkInterfaces())) {
    if (name.startsWith('k8') || name.startsWith('veth') || name.startsWith('docker') || name.startsWith('cni')) continue;
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal && !a.address.startsWith('169.254.')) return a.address;
    }
  }
  return '127.0.0.1';
}
