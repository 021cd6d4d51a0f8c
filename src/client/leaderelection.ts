// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection package:
// candidates try to write themselves as holder; the API server's resourceVersion check lets only
// one write win. A holder is considered alive while it renews within leaseDurationSeconds, as
// measured on the observer's own clock (clocks of different machines are never compared).

import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { nowMicro } from '../api/object.js';
import { LEASES, type Lease } from '../api/types.js';
import { isAlreadyExists, isConflict, isNotFound, type ResourceRef, type RestClient } from './rest.js';

export interface LeaderCallbacks {
  /** Runs while leading; the signal aborts when leadership is lost or the elector stops. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once after leading ends (lost, or stopped). */
  onStoppedLeading?(): void;
  /** Called when the observed holder changes (including to this candidate). */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectionConfig {
  client: RestClient;
  namespace: string;
  /** Lease name. */
  name: string;
  /** This candidate's unique identity (hostname plus a random part, typically). */
  identity: string;
  /** How long others wait after the last renewal they saw before taking over (default 15). */
  leaseDurationSeconds?: number;
  /** How long the leader keeps retrying a failed renewal before giving up (default 10 s). */
  renewDeadlineMs?: number;
  /** Interval between attempts to acquire or renew (default 2 s). */
  retryPeriodMs?: number;
  /** Clear the lease when stopping while leading, so a successor need not wait (default true). */
  releaseOnCancel?: boolean;
  callbacks: LeaderCallbacks;
  onError?(err: unknown): void;
}

export class LeaderElector {
  private readonly leaseDurationSeconds: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly ref: ResourceRef;
  /** The lease as last read or written, and when (on our clock) its record last changed. */
  private observed?: Lease;
  private observedRecordJSON = '';
  private observedTime = 0;
  private leading = false;
  private leadingCtrl?: AbortController;
  private readonly stopCtrl = new AbortController();
  private running?: Promise<void>;
  private reportedLeader = '';

  constructor(private readonly cfg: LeaderElectionConfig) {
    this.leaseDurationSeconds = cfg.leaseDurationSeconds ?? 15;
    this.renewDeadlineMs = cfg.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = cfg.retryPeriodMs ?? 2_000;
    if (this.leaseDurationSeconds * 1000 <= this.renewDeadlineMs) throw new Error('leaseDuration must be greater than renewDeadline');
    if (this.renewDeadlineMs <= this.retryPeriodMs * 1.2) throw new Error('renewDeadline must be greater than retryPeriod*1.2');
    this.ref = { ...LEASES, namespace: cfg.namespace, name: cfg.name };
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder as last observed ('' when none). */
  getLeader(): string {
    return this.observed?.spec?.holderIdentity ?? '';
  }

  /**
   * Campaigns until stop(): acquire, lead while renewals succeed, and after losing the lease
   * campaign again. Resolves when stopped.
   */
  run(): Promise<void> {
    if (!this.running) this.running = this.loop();
    return this.running;
  }

  /** Stops campaigning; releases the lease if leading (and releaseOnCancel); resolves when done. */
  async stop(): Promise<void> {
    this.stopCtrl.abort();
    await this.running;
  }

  private get stopped(): boolean {
    return this.stopCtrl.signal.aborted;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if (!(await this.acquire())) break;
      await this.renewWhileLeading();
    }
  }

  /** Retries every retryPeriod (jittered) until acquired; false when stopped first. */
  private async acquire(): Promise<boolean> {
    while (!this.stopped) {
      if (await this.tryAcquireOrRenew()) {
        this.leading = true;
        this.leadingCtrl = new AbortController();
        const signal = this.leadingCtrl.signal;
        Promise.resolve()
          .then(() => this.cfg.callbacks.onStartedLeading(signal))
          .catch((e) => this.cfg.onError?.(e));
        return true;
      }
      await this.sleep(this.retryPeriodMs * (1 + Math.random() * 1.2));
    }
    return false;
  }

  private async renewWhileLeading(): Promise<void> {
    let lastRenew = Date.now();
    while (!this.stopped) {
      await this.sleep(this.retryPeriodMs);
      if (this.stopped) break;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = Date.now();
        continue;
      }
      // Lost outright (someone else holds it) or renewals failing past the deadline: step down.
      const heldByOther = this.getLeader() !== '' && this.getLeader() !== this.cfg.identity;
      if (heldByOther || Date.now() - lastRenew >= this.renewDeadlineMs) break;
    }
    if (this.stopped && (this.cfg.releaseOnCancel ?? true)) await this.release();
    this.leading = false;
    this.leadingCtrl?.abort();
    try {
      this.cfg.callbacks.onStoppedLeading?.();
    } catch (e) {
      this.cfg.onError?.(e);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.stopCtrl.signal;
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private observe(lease: Lease): void {
    const json = JSON.stringify(lease.spec ?? {});
    if (json !== this.observedRecordJSON) {
      this.observedRecordJSON = json;
      this.observedTime = Date.now();
    }
    this.observed = lease;
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      try {
        this.cfg.callbacks.onNewLeader?.(holder);
      } catch (e) {
        this.cfg.onError?.(e);
      }
    }
  }

  /** One attempt; true when this candidate holds the lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = nowMicro();
    const client = this.cfg.client;
    let current: Lease;
    try {
      current = await client.get<Lease>(this.ref);
    } catch (e) {
      if (!isNotFound(e)) {
        this.cfg.onError?.(e);
        return false;
      }
      try {
        const created = await client.create<Lease>(this.ref, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.cfg.name, namespace: this.cfg.namespace },
          spec: {
            holderIdentity: this.cfg.identity,
            leaseDurationSeconds: this.leaseDurationSeconds,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: 0,
          },
        });
        this.observe(created);
        return true;
      } catch (e2) {
        if (!isAlreadyExists(e2)) this.cfg.onError?.(e2);
        return false;
      }
    }
    this.observe(current);
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const iHold = holder === this.cfg.identity;
    const duration = (spec.leaseDurationSeconds ?? this.leaseDurationSeconds) * 1000;
    if (holder && !iHold && this.observedTime + duration > Date.now()) return false;

    const next: Lease = {
      ...current,
      spec: {
        ...spec,
        holderIdentity: this.cfg.identity,
        leaseDurationSeconds: this.leaseDurationSeconds,
        renewTime: now,
        acquireTime: iHold && spec.acquireTime ? spec.acquireTime : now,
        leaseTransitions: iHold ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
      },
    };
    try {
      // current carries its resourceVersion: a concurrent writer makes this a 409.
      const updated = await client.update<Lease>(this.ref, next);
      this.observe(updated);
      return true;
    } catch (e) {
      if (!isConflict(e)) this.cfg.onError?.(e);
      return false;
    }
  }

  /** Clears the holder so that a successor acquires without waiting out the lease. */
  private async release(): Promise<void> {
    const lease = this.observed;
    if (!lease || lease.spec?.holderIdentity !== this.cfg.identity) return;
    const now = nowMicro();
    try {
      const updated = await this.cfg.client.update<Lease>(this.ref, {
        ...lease,
        spec: {
          holderIdentity: '',
          leaseDurationSeconds: 1,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: lease.spec?.leaseTransitions ?? 0,
        },
      });
      this.observed = updated;
    } catch (e) {
      this.cfg.onError?.(e);
    }
  }
}

/** Something that runs while its component leads: controllers, the scheduler. */
export interface Runnable {
  start(): void;
  stop(): Promise<void>;
}

/**
 * Runs a term of work only while this process holds the Lease kube-system/<name>, as
 * kube-controller-manager and kube-scheduler do with --leader-elect. Each time it wins the
 * Lease, `term()` builds everything afresh (informers, queues, controllers) and starts it; on
 * losing it, that term is stopped for good. Kubernetes' components exit when they lose their
 * Lease and are restarted, so a new term never reuses a stopped controller's shut-down queue;
 * building anew is that restart without ending the process (which here also serves the API).
 * Terms never overlap: a new one is built only after the last one has stopped.
 */
export function runLeaderElected(
  client: RestClient,
  name: string,
  term: () => Promise<Runnable>,
  log?: (m: string) => void,
): LeaderElector {
  const identity = `${os.hostname()}_${randomBytes(4).toString('hex')}`;
  let last: Promise<void> = Promise.resolve();
  const elector = new LeaderElector({
    client,
    namespace: 'kube-system',
    name,
    identity,
    callbacks: {
      onStartedLeading: (signal) => {
        log?.(`${name}: ${identity} became leader`);
        const previous = last;
        last = (async () => {
          await previous;
          if (signal.aborted) return;
          let current: Runnable | undefined;
          for (let delay = 1000; !current; delay = Math.min(delay * 2, 30_000)) {
            try {
              current = await term();
            } catch (e) {
              // Could not build (the API server unreachable, caches not synced): try again
              // while still leading, as a crash-looping component would.
              log?.(`${name}: starting failed: ${(e as Error)?.message ?? String(e)}`);
              await new Promise<void>((resolve) => {
                const t = setTimeout(resolve, delay);
                signal.addEventListener(
                  'abort',
                  () => {
                    clearTimeout(t);
                    resolve();
                  },
                  { once: true },
                );
              });
              if (signal.aborted) return;
            }
          }
          if (signal.aborted) {
            await current.stop().catch(() => undefined);
            return;
          }
          current.start();
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
          await current.stop().catch((e: unknown) => log?.(`${name}: stopping: ${(e as Error)?.message ?? String(e)}`));
        })();
      },
      onStoppedLeading: () => log?.(`${name}: ${identity} stopped leading`),
    },
    onError: (e) => log?.(`${name} leader election: ${(e as Error)?.message ?? String(e)}`),
  });
  const stop = elector.stop.bind(elector);
  // Stopping the elector also waits for the running term to stop.
  elector.stop = async () => {
    await stop();
    await last;
  };
  void elector.run();
  return elector;
}
