// The service proxy of a node: what kube-proxy's cmd/kube-proxy/app/server.go runs. It watches
// Services and EndpointSlices through informers (src/client), feeds their events to the change
// tracker, and runs one sync at a time that hands the proxier (nftables or userspace) the whole
// desired state; events that arrive during a sync are coalesced into the next one
// (kube-proxy's BoundedFrequencyRunner, with no minimum interval: a sync costs what it writes).
// It also answers the kubelet's question "has this pod's IP left every service here?", so a
// pod gets SIGTERM only after new connections stopped going to it.

import { errorMessage } from '../api/errors.js';
import { ENDPOINTSLICES, SERVICES, type Service } from '../api/types.js';
import { Informer, type RestClient } from '../client/index.js';
import type { EndpointSlice } from '../controllers/endpointslice.js';
import { hasBinary } from '../node/network/bridge.js';
import { ServiceAddresses } from './addresses.js';
import { ChangeTracker } from './changetracker.js';
import { NftablesProxier } from './nftables/proxier.js';
import type { Proxier, ProxyMode, SyncOutcome } from './types.js';
import { UserspaceProxier } from './userspace/proxier.js';

export type ProxyModeChoice = 'auto' | ProxyMode;

export function parseProxyMode(v: string | undefined): ProxyModeChoice {
  const c = (v ?? 'auto').toLowerCase();
  if (c !== 'auto' && c !== 'nftables' && c !== 'userspace') throw new Error(`unknown proxy mode "${v}": use auto, nftables or userspace`);
  return c;
}

/** Why nftables mode cannot run here; undefined when it can. */
export function nftablesUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!hasBinary('nft')) return 'no nft command';
  return undefined;
}

/** The mode to run: the one asked for, or for auto nftables where it can run. Throws when nftables is asked for and cannot run. */
export function chooseProxyMode(choice: ProxyModeChoice): { mode: ProxyMode; reason?: string } {
  const why = nftablesUnavailableReason();
  if (choice === 'nftables' && why) throw new Error(`cannot use the nftables proxy mode here: ${why}`);
  if (choice === 'userspace') return { mode: 'userspace' };
  if (why) return { mode: 'userspace', reason: why };
  return { mode: 'nftables' };
}

const TABLE_PREFIX = 'k8ts-proxy-';

/** Host-level names of one proxy instance, from the node network's bridge (distinct per cluster/agent on a host). */
export function proxyInstanceNames(instance: string): { table: string } {
  return { table: `${TABLE_PREFIX}${instance.replace(/[^A-Za-z0-9_.-]/g, '_')}` };
}

export interface ProxyServerOptions {
  client: RestClient;
  nodeName: string;
  mode: ProxyModeChoice;
  /** Names this instance's table (the node's bridge name). */
  instance: string;
  /** The device service addresses are made local on (the node's bridge); none: no addresses (no root). */
  addressDevice?: string;
  /** This node's pod network. */
  podCIDR: string;
  /** A proxier of the caller's (tests); default: the one the mode calls for. */
  proxier?: Proxier;
  /** Full resync every (default 30 s, kube-proxy's syncPeriod); 0: none. */
  resyncMs?: number;
  log?: (msg: string) => void;
}

export interface SyncRecord {
  /** When the sync finished (ms since epoch). */
  at: number;
  durationMs: number;
  servicePorts: number;
  endpoints: number;
  /** Slice trigger times applied in this sync (network programming latency = at - t). */
  triggerTimes: number[];
}

export class ProxyServer {
  readonly mode: ProxyMode;
  /** Why auto did not pick nftables. */
  readonly modeReason?: string;
  readonly proxier: Proxier;
  private readonly tracker: ChangeTracker;
  private readonly services: Informer<Service>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly log: (msg: string) => void;
  private syncing: Promise<void> | undefined;
  private again = false;
  private started = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private outcome: SyncOutcome | undefined;
  private waiters = new Set<() => void>();
  private syncListeners = new Set<(r: SyncRecord) => void>();
  /** The last successful sync. */
  lastSync: SyncRecord | undefined;

  constructor(private readonly opts: ProxyServerOptions) {
    this.log = opts.log ?? (() => undefined);
    const { mode, reason } = chooseProxyMode(opts.mode);
    this.mode = mode;
    this.modeReason = reason;
    const names = proxyInstanceNames(opts.instance);
    const addresses = opts.addressDevice ? new ServiceAddresses(opts.addressDevice) : undefined;
    this.proxier =
      opts.proxier ??
      (mode === 'nftables'
        ? new NftablesProxier({
            table: names.table,
            podCIDR: opts.podCIDR,
            addresses,
            orphanPrefix: opts.addressDevice ? TABLE_PREFIX : undefined,
            log: this.log,
          })
        : new UserspaceProxier({ addresses, log: this.log }));
    this.tracker = new ChangeTracker(opts.nodeName);
    const onError = (e: unknown) => this.log(`proxy informer: ${errorMessage(e)}`);
    this.services = new Informer<Service>(opts.client, { ...SERVICES, onError, backoffInitialMs: 200 });
    this.slices = new Informer<EndpointSlice>(opts.client, { ...ENDPOINTSLICES, onError, backoffInitialMs: 200 });
  }

  /** What the proxy is, in a line for `k8ts up`. */
  describe(): string {
    if (this.proxier instanceof NftablesProxier) return `nftables (table ip ${this.proxier.table})`;
    return `userspace${this.modeReason ? ` (nftables not used: ${this.modeReason})` : ''}`;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.services.addEventHandler({
      onAdd: (s) => this.changed(() => this.tracker.onService(s)),
      onUpdate: (_o, s) => this.changed(() => this.tracker.onService(s)),
      onDelete: (s) => this.changed(() => this.tracker.onService(s, true)),
    });
    this.slices.addEventHandler({
      onAdd: (s) => this.changed(() => this.tracker.onEndpointSlice(s)),
      onUpdate: (_o, s) => this.changed(() => this.tracker.onEndpointSlice(s)),
      onDelete: (s) => this.changed(() => this.tracker.onEndpointSlice(s, true)),
    });
    this.services.start();
    this.slices.start();
    await Promise.all([this.services.waitForSync(30_000), this.slices.waitForSync(30_000)]);
    // The first sync replaces whatever a previous (crashed) instance left.
    await this.requestSync();
    const resync = this.opts.resyncMs ?? 30_000;
    if (resync > 0)
      this.timer = setInterval(() => {
        void this.requestSync();
      }, resync);
  }

  private changed(apply: () => void): void {
    apply();
    if (this.services.hasSynced() && this.slices.hasSynced()) void this.requestSync();
  }

  /** Runs a sync now, or after the running one; resolves when a sync that saw this request is done. */
  requestSync(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.syncing) {
      this.again = true;
      return new Promise((resolve) => {
        this.waiters.add(resolve);
      });
    }
    this.syncing = this.runSyncs().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async runSyncs(): Promise<void> {
    do {
      this.again = false;
      const waiting = [...this.waiters];
      this.waiters.clear();
      await this.syncOnce();
      for (const w of waiting) w();
    } while (this.again && !this.stopped);
  }

  private async syncOnce(): Promise<void> {
    const start = Date.now();
    const { lastChangeTriggerTimes } = this.tracker.update();
    try {
      this.outcome = await this.proxier.sync(this.tracker.svcPortMap, this.tracker.endpointsMap);
    } catch (e) {
      this.log(`proxy: sync failed, retrying in 1s: ${(e as Error).message}`);
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        void this.requestSync();
      }, 1000);
      return;
    }
    let ports = 0;
    let eps = 0;
    for (const l of this.tracker.svcPortMap.values()) ports += l.length;
    for (const l of this.outcome.endpoints.values()) eps += l.length;
    this.lastSync = {
      at: Date.now(),
      durationMs: Date.now() - start,
      servicePorts: ports,
      endpoints: eps,
      triggerTimes: lastChangeTriggerTimes,
    };
    for (const l of this.syncListeners) l(this.lastSync);
  }

  /** Called after every successful sync (bench, tests). */
  onSync(fn: (r: SyncRecord) => void): () => void {
    this.syncListeners.add(fn);
    return () => this.syncListeners.delete(fn);
  }

  /**
   * Resolves true once no applied rule sends new connections to any of these IPs as a ready
   * endpoint (a terminating pod used only because its service has nothing else counts as gone),
   * and no change for them is still waiting to be applied; false after timeoutMs.
   */
  async waitForEndpointsGone(ips: string[], timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const wanted = ips.filter(Boolean);
    if (!wanted.length || this.stopped) return true;
    const inSlices = () =>
      this.slices
        .list()
        .some((s) => (s.endpoints ?? []).some((ep) => ep.conditions?.ready !== false && wanted.includes(ep.addresses?.[0] ?? '')));
    const applied = () => wanted.some((ip) => this.outcome?.readyEndpointIPs.has(ip));
    for (;;) {
      if (!inSlices() && !applied() && !this.tracker.pending && !this.syncing) return true;
      if (Date.now() >= deadline || this.stopped) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(100, Math.max(1, deadline - Date.now())));
        const off = this.onSync(done);
        function done() {
          clearTimeout(t);
          off();
          resolve();
        }
      });
    }
  }

  /** Stops watching; cleanup (k8ts down) also removes the rules, addresses and listeners. */
  async stop(opts: { cleanup: boolean }): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    await Promise.all([this.services.stop(), this.slices.stop()]);
    await this.syncing?.catch(() => undefined);
    for (const w of this.waiters) w();
    this.waiters.clear();
    await this.proxier.close();
    if (opts.cleanup) await this.proxier.cleanup();
  }
}
