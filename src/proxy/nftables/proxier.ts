// kube-proxy's nftables Proxier (pkg/proxy/nftables/proxier.go) for k8ts: each sync is one
// `nft -f -`, a single kernel transaction computed by ruleset.ts. The first sync (and one after a
// failure, and one an hour) replaces the whole table ("add table; delete table; table {...}"),
// so whatever a crashed agent left is replaced, never doubled; the others change only what
// changed (partialScript), as kube-proxy's partial syncs do, and nothing runs when nothing changed:
// at 10,000 endpoints a whole-table rewrite costs about 0.4 s of CPU (nft ~0.25 s, building the
// script ~0.15 s), a partial one tens of milliseconds (see NOTES.md). ClientIP affinity
// entries live in sets of the table; a whole-table sync reads them back and carries them into
// the new table with their remaining time, so clients keep their endpoint.

import { linkExists, run } from '../../node/network/bridge.js';
import type { ServiceAddresses } from '../addresses.js';
import type { EndpointInfo } from '../endpoints.js';
import type { ServicePortInfo } from '../serviceport.js';
import type { Proxier, SyncOutcome } from '../types.js';
import { buildRuleset, deleteTableScript, partialScript, type Ruleset } from './ruleset.js';

/** proxyutil.FullSyncPeriod: a whole-table sync at least this often. */
const FULL_SYNC_PERIOD_MS = 3600_000;

export interface NftablesProxierOptions {
  table: string;
  podCIDR: string;
  /** Makes load-balancer addresses local, so they answer as ServiceLB's and MetalLB's do. */
  addresses?: ServiceAddresses;
  masqueradeAll?: boolean;
  /** Tables named <prefix><bridge> whose bridge is gone are removed at the first sync. */
  orphanPrefix?: string;
  log?: (msg: string) => void;
}

interface NftSetJSON {
  set?: { name: string; table: string; elem?: ({ elem?: { val: string; expires?: number } } | string)[] };
}

export class NftablesProxier implements Proxier {
  readonly mode = 'nftables' as const;
  private orphansRemoved = false;
  /** The ruleset now in the kernel. */
  applied: Ruleset | undefined;
  private needFullSync = true;
  private lastFullSync = 0;
  /** Whole-table syncs so far (tests, bench). */
  fullSyncs = 0;
  /** The last script applied, whole or partial (tests, debugging). */
  lastScript = '';
  private appliedListeners = new Set<(nftMs: number, whole: boolean) => void>();

  constructor(private readonly opts: NftablesProxierOptions) {}

  get table(): string {
    return this.opts.table;
  }

  async sync(svcPortMap: Map<string, ServicePortInfo[]>, endpointsMap: Map<string, EndpointInfo[]>): Promise<SyncOutcome> {
    // Other instances' orphaned tables go beside this sync's own transaction (they share nothing),
    // not before it: the first sync is on the node's path to ready (#13).
    let orphans: Promise<void> | undefined;
    if (!this.orphansRemoved) {
      this.orphansRemoved = true;
      orphans = this.removeOrphans().catch((e) => this.opts.log?.(`proxy: looking for orphaned tables: ${(e as Error).message}`));
    }
    try {
      return await this.syncRules(svcPortMap, endpointsMap);
    } finally {
      await orphans;
    }
  }

  private async syncRules(svcPortMap: Map<string, ServicePortInfo[]>, endpointsMap: Map<string, EndpointInfo[]>): Promise<SyncOutcome> {
    const ports: ServicePortInfo[] = [];
    for (const list of svcPortMap.values()) ports.push(...list);
    const cfg = { table: this.opts.table, podCIDR: this.opts.podCIDR, masqueradeAll: this.opts.masqueradeAll };
    // kube-proxy's rhythm: the whole table at the first sync, after a failure and every hour;
    // otherwise only what changed (one transaction either way).
    const full = !this.applied || this.needFullSync || Date.now() - this.lastFullSync > FULL_SYNC_PERIOD_MS;
    // Every service port whose inputs did not change keeps its part of the applied ruleset.
    let rs = buildRuleset(ports, endpointsMap, cfg, this.applied);
    let script = full || !this.applied ? undefined : partialScript(this.applied, rs);
    const whole = script === undefined;
    if (script === undefined) {
      // Also at the first sync: a restarted agent's clients keep their endpoints.
      if (rs.affinitySets.length) rs = buildRuleset(ports, endpointsMap, { ...cfg, affinity: await this.readAffinity(!this.applied) }, rs);
      script = rs.script;
    }
    // Nothing changed (a periodic resync, an update that changed nothing the rules use): no transaction.
    if (script) {
      const t0 = performance.now();
      try {
        await run('nft', ['-f', '-'], { input: script });
      } catch (e) {
        this.needFullSync = true;
        throw e;
      }
      for (const l of this.appliedListeners) l(performance.now() - t0, whole);
    }
    if (whole) {
      this.lastFullSync = Date.now();
      this.needFullSync = false;
      this.fullSyncs++;
    }
    this.applied = rs;
    if (this.opts.addresses) {
      const lb = new Set<string>();
      for (const p of ports) for (const ip of p.loadBalancerVIPs) lb.add(ip);
      await this.opts.addresses.sync(lb);
    }
    if (script) this.lastScript = script;
    return { readyEndpointIPs: rs.readyEndpointIPs, endpoints: rs.endpoints };
  }

  /** The next sync writes the whole table (kube-proxy's periodic full sync; bench). */
  requestFullSync(): void {
    this.needFullSync = true;
  }

  /** Called after each `nft -f` with its duration (bench). */
  onApplied(fn: (nftMs: number, whole: boolean) => void): () => void {
    this.appliedListeners.add(fn);
    return () => this.appliedListeners.delete(fn);
  }

  /**
   * Tables of other k8ts node instances on this host whose node network (bridge) is gone: an agent
   * stopped for good, or a test's, leaves its table (rules stay across an agent restart, as
   * kube-proxy's do), and its DNAT of host traffic to ClusterIPs would shadow live clusters'.
   * Without its bridge such an instance has no pods to serve, so its table can only do harm.
   */
  private async removeOrphans(): Promise<void> {
    const prefix = this.opts.orphanPrefix;
    if (!prefix) return;
    const out = await run('nft', ['list', 'tables', 'ip']);
    for (const m of out.matchAll(/^table ip (\S+)$/gm)) {
      const name = m[1];
      if (name === this.opts.table || !name.startsWith(prefix)) continue;
      const bridge = name.slice(prefix.length);
      if (!bridge || (await linkExists(bridge))) continue;
      await run('nft', ['delete', 'table', 'ip', name]).catch(() => undefined);
      this.opts.log?.(`proxy: removed the table ${name} of a node whose network ${bridge} is gone`);
    }
  }

  /** Affinity entries now in the table: set -> client IP -> seconds left. */
  private async readAffinity(quiet: boolean): Promise<Map<string, Map<string, number>>> {
    const out = new Map<string, Map<string, number>>();
    let text: string;
    try {
      text = await run('nft', ['-j', 'list', 'sets', 'table', 'ip', this.opts.table]);
    } catch (e) {
      if (!quiet) this.opts.log?.(`proxy: reading affinity sets: ${(e as Error).message}`);
      return out;
    }
    let doc: { nftables?: NftSetJSON[] };
    try {
      doc = JSON.parse(text) as { nftables?: NftSetJSON[] };
    } catch {
      return out;
    }
    for (const item of doc.nftables ?? []) {
      const s = item.set;
      if (!s?.name.startsWith('affinity-') || !s.elem?.length) continue;
      const m = new Map<string, number>();
      for (const e of s.elem) {
        if (typeof e === 'string') continue;
        if (e.elem?.val && typeof e.elem.expires === 'number') m.set(e.elem.val, e.elem.expires);
      }
      if (m.size) out.set(s.name, m);
    }
    return out;
  }

  async close(): Promise<void> {
    // The rules stay: pods keep their services while the agent restarts; the next start replaces the table.
  }

  async cleanup(): Promise<void> {
    await run('nft', ['-f', '-'], { input: deleteTableScript(this.opts.table) });
    await this.opts.addresses?.cleanup();
    this.applied = undefined;
    this.needFullSync = true;
  }
}
