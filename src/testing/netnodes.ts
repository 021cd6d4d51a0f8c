// Several "machines" on one host for tests and benches of multi-node clusters: a network
// namespace per node, joined to a "router" namespace either on a shared link (a bridge there:
// the nodes are L2 neighbours, flannel's host-gw case) or on a subnet of their own (reached
// only through the router: the VXLAN case). The control plane stays in the root namespace and
// reaches the router over one more veth. Everything is made with ip(8) and removed by remove(),
// which a caller runs pass or fail; agents run with `nsenter --net` (not `ip netns exec`, which
// mounts a new /sys and hides the cgroup mounts the container runtime needs).
//
//   root (A.1) --veth-- router (bridge lan: L.1/24; a veth per lone node: Rk.1/24)
//                          |-- shared node (L.1x)   `-- lone node k (Rk.13)

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/src/cli/main.js and dist/src/testing/nodecleanup.js. */
export const CLI = path.resolve(here, '../cli/main.js');
const CLEANUP = path.resolve(here, 'nodecleanup.js');

export interface NetNode {
  name: string;
  ns: string;
  ip: string;
  bridge: string;
  dir: string;
  /** The router's end of this node's veth (set down to cut the node off). */
  routerVeth: string;
  child?: ChildProcess;
  out: string;
}

export interface NetNodesOptions {
  /** A small number (1-250) making names and subnets this run's own. */
  tag: number;
  /** Per node: true = on the shared link, false = on a subnet of its own. */
  shared: boolean[];
  /** Where node data dirs go. */
  dir: string;
  /** Node name prefix. */
  prefix: string;
}

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function inNetns(ns: string, args: string[]): string {
  return sh('nsenter', [`--net=/run/netns/${ns}`, ...args]);
}

function quiet(fn: () => unknown): void {
  try {
    fn();
  } catch {
    /* already gone */
  }
}

export class NetNodes {
  readonly router: string;
  readonly rootVeth: string;
  /** The control plane's address, as the nodes reach it. */
  readonly controlPlaneIP: string;
  readonly nodes: NetNode[];
  private readonly t: number;

  constructor(private readonly opts: NetNodesOptions) {
    const t = (this.t = opts.tag);
    this.router = `k8mr${t}`;
    this.rootVeth = `k8mra${t}`;
    this.controlPlaneIP = `172.27.${t}.1`;
    let lone = 0;
    if (opts.shared.filter((s) => !s).length > 3) throw new Error('at most 3 nodes on subnets of their own (172.29-31.T.0/24)');
    this.nodes = opts.shared.map((shared, i) => ({
      name: `${opts.prefix}-${i + 1}`,
      ns: `k8mn${t}-${i + 1}`,
      ip: shared ? `172.28.${t}.${11 + i}` : `172.${29 + lone++}.${t}.13`,
      bridge: `k8mb${t}n${i + 1}`,
      dir: path.join(opts.dir, `node${i + 1}`),
      routerVeth: `k8mv${t}r${i + 1}`,
      out: '',
    }));
  }

  /** Makes the namespaces, links and routes. */
  make(): void {
    const t = this.t;
    const r = this.router;
    sh('ip', ['netns', 'add', r]);
    inNetns(r, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    inNetns(r, ['ip', 'link', 'set', 'lo', 'up']);
    sh('ip', ['link', 'add', this.rootVeth, 'type', 'veth', 'peer', 'name', 'up0', 'netns', r]);
    sh('ip', ['addr', 'add', `${this.controlPlaneIP}/24`, 'dev', this.rootVeth]);
    sh('ip', ['link', 'set', this.rootVeth, 'up']);
    inNetns(r, ['ip', 'addr', 'add', `172.27.${t}.2/24`, 'dev', 'up0']);
    inNetns(r, ['ip', 'link', 'set', 'up0', 'up']);
    inNetns(r, ['ip', 'link', 'add', 'lan', 'type', 'bridge']);
    inNetns(r, ['ip', 'addr', 'add', `172.28.${t}.1/24`, 'dev', 'lan']);
    inNetns(r, ['ip', 'link', 'set', 'lan', 'up']);
    sh('ip', ['route', 'add', `172.28.${t}.0/24`, 'via', `172.27.${t}.2`]);
    for (const [i, n] of this.nodes.entries()) {
      const shared = this.opts.shared[i];
      const gw = shared ? `172.28.${t}.1` : n.ip.replace(/\.13$/, '.1');
      sh('ip', ['netns', 'add', n.ns]);
      inNetns(n.ns, ['ip', 'link', 'set', 'lo', 'up']);
      sh('ip', ['link', 'add', n.routerVeth, 'netns', r, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.ns]);
      if (shared) inNetns(r, ['ip', 'link', 'set', n.routerVeth, 'master', 'lan']);
      else {
        inNetns(r, ['ip', 'addr', 'add', `${gw}/24`, 'dev', n.routerVeth]);
        sh('ip', ['route', 'add', n.ip.replace(/\.13$/, '.0/24'), 'via', `172.27.${t}.2`]);
      }
      inNetns(r, ['ip', 'link', 'set', n.routerVeth, 'up']);
      inNetns(n.ns, ['ip', 'addr', 'add', `${n.ip}/24`, 'dev', 'eth0']);
      inNetns(n.ns, ['ip', 'link', 'set', 'eth0', 'up']);
      inNetns(n.ns, ['ip', 'route', 'add', 'default', 'via', gw]);
    }
  }

  /**
   * Starts `k8ts agent` for a node in its namespace. join: how it joins, the arguments of the
   * printed join command (`--server URL --token T --discovery-token-ca-cert-hash H`) or a
   * token file and the CA; extra: more agent flags.
   */
  startAgent(n: NetNode, join: string[], extra: string[] = []): void {
    fs.mkdirSync(n.dir, { recursive: true });
    const child = spawn(
      'nsenter',
      [
        `--net=/run/netns/${n.ns}`,
        process.execPath,
        CLI,
        'agent',
        ...join,
        '--name',
        n.name,
        '--data-dir',
        n.dir,
        '--bridge',
        n.bridge,
        '--node-ip',
        n.ip,
        '--ingress-http-port',
        '0',
        '--ingress-https-port',
        '0',
        ...extra,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    n.out = '';
    child.stdout!.on('data', (d) => {
      n.out += String(d);
    });
    child.stderr!.on('data', (d) => {
      n.out += String(d);
    });
    n.child = child;
  }

  /** SIGTERM (SIGKILL after 15 s); the agent keeps its pods, see remove(). */
  async stopAgent(n: NetNode): Promise<void> {
    const c = n.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGTERM');
    await new Promise((r) => {
      const t = setTimeout(() => {
        c.kill('SIGKILL');
        r(undefined);
      }, 15_000);
      c.once('exit', () => {
        clearTimeout(t);
        r(undefined);
      });
    });
  }

  /** Cuts a node off the network (its link at the router goes down), or brings it back. */
  setLink(n: NetNode, up: boolean): void {
    inNetns(this.router, ['ip', 'link', 'set', n.routerVeth, up ? 'up' : 'down']);
  }

  /**
   * How agents join the control plane whose data dir is dataDir: the join command `k8ts token
   * create --print-join-command` prints (a bootstrap token and the CA's hash, the node then gets
   * credentials of its own), or where that verb is missing, the cluster's token file and CA.
   */
  static joinArgs(cli: string, dataDir: string, server: string, env: NodeJS.ProcessEnv = process.env): string[] {
    try {
      const out = execFileSync(process.execPath, [cli, 'token', 'create', '--print-join-command', '--data-dir', dataDir], {
        encoding: 'utf8',
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const m = /k8ts agent (.+)$/m.exec(out.trim());
      if (m) return m[1].trim().split(/\s+/);
    } catch {
      /* no such verb here: the token file */
    }
    return ['--server', server, '--token-file', path.join(dataDir, 'token'), '--ca-file', path.join(dataDir, 'pki', 'ca.crt')];
  }

  /** The last lines each agent printed (for failure messages). */
  logs(): string {
    return this.nodes.map((n) => `--- ${n.name}:\n${n.out.split('\n').slice(-25).join('\n')}`).join('\n');
  }

  /** Stops the agents, removes their pods and networks, then every namespace and link made. */
  async remove(): Promise<void> {
    for (const n of this.nodes) await this.stopAgent(n);
    for (const n of this.nodes) if (fs.existsSync(n.dir)) quiet(() => inNetns(n.ns, [process.execPath, CLEANUP, n.dir, n.bridge]));
    for (const n of this.nodes) quiet(() => sh('ip', ['netns', 'del', n.ns]));
    quiet(() => sh('ip', ['netns', 'del', this.router]));
    // Deleting the router's namespace took the veth pair and the routes through it.
    quiet(() => sh('ip', ['link', 'del', this.rootVeth]));
  }
}
