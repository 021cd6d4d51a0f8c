// The in-flight request limit, as kube-apiserver's WithMaxInFlightLimit filter
// (staging/src/k8s.io/apiserver/pkg/server/filters/maxinflight.go): two pools, mutating
// (POST, PUT, PATCH, DELETE; --max-mutating-requests-inflight, 200) and the rest
// (--max-requests-inflight, 400). Long-running requests (watches, exec, attach, port-forward,
// proxy, logs: BasicLongRunningRequestCheck) are not counted: they would hold a slot for their
// whole life. A member of system:masters finding its pool full is served anyway, without a slot
// ("a super-admin or a loopback connection ... should always get an answer", as maxinflight.go
// says, and APF's exempt priority level); everyone else, components included, counts (the user
// is the one after impersonation, as the filter sits inside WithImpersonation).
//
// A request finding its pool full waits, as API Priority and Fairness (kube-apiserver's default
// since v1.20, which takes over from this filter) makes it wait rather than refusing it at once:
// in a queue of its priority level, chosen by who asks as v1.32's suggested FlowSchemas choose it
// (the scheduler and controller manager: workload-high; nodes: node-high or system; service
// accounts: workload-low; everyone else: global-default; leader election: leader-election), one
// queue per user in a level (APF's flows, distinguished ByUser), at most APF's handSize x
// queueLengthLimit (6 x 50) waiting in one, each waiting at most a quarter of the request's 60 s
// deadline (apf's queue wait). A freed slot goes to the level that has been served least for its
// shares (APF's nominalConcurrencyShares), and within it to the users in turn. Refused (429 with
// Retry-After: 1): a full queue, or a wait that ran out. What is simplified: the pools, not APF's
// per-level concurrency limits and borrowing, still bound what is served at once, so that
// --max-requests-inflight and --max-mutating-requests-inflight keep their meaning here.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../api/errors.js';
import {
  KubeControllerManager,
  KubeScheduler,
  NodesGroup,
  ServiceAccountsGroup,
  SystemPrivilegedGroup,
  type UserInfo,
} from './authn/user.js';
import type { RequestInfo } from './request.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const LONG_RUNNING_SUBRESOURCES = new Set(['attach', 'exec', 'proxy', 'log', 'portforward']);

/** BasicLongRunningRequestCheck(verbs watch/proxy, subresources attach/exec/proxy/log/portforward). */
export function isLongRunning(info: RequestInfo | undefined): boolean {
  if (!info) return false;
  return info.verb === 'watch' || (info.subresource !== undefined && LONG_RUNNING_SUBRESOURCES.has(info.subresource));
}

/** APF's suggested priority levels that queue (v1.32), with their nominalConcurrencyShares and queue bound (handSize x queueLengthLimit). */
const LEVELS = {
  'leader-election': { shares: 10, perFlow: 4 * 50 },
  'node-high': { shares: 40, perFlow: 6 * 50 },
  system: { shares: 30, perFlow: 6 * 50 },
  'workload-high': { shares: 40, perFlow: 6 * 50 },
  'workload-low': { shares: 100, perFlow: 6 * 50 },
  'global-default': { shares: 20, perFlow: 6 * 50 },
} as const;
export type PriorityLevel = keyof typeof LEVELS;

/** A quarter of the request's deadline (60 s), as APF's queue wait. */
const QUEUE_WAIT_MS = 15_000;
const LEADER_ELECTION_USERS = new Set([KubeControllerManager, KubeScheduler]);

/**
 * The priority level v1.32's suggested FlowSchemas give a request (in their precedence):
 * system-leader-election, system-node-high, system-nodes, kube-controller-manager /
 * kube-scheduler / kube-system-service-accounts, service-accounts, global-default.
 */
export function priorityLevel(user: UserInfo | undefined, info: RequestInfo | undefined): PriorityLevel {
  if (!user) return 'global-default';
  const sa = user.name.startsWith('system:serviceaccount:') ? user.name.slice('system:serviceaccount:'.length) : undefined;
  const kubeSystemSA = sa?.startsWith('kube-system:') ?? false;
  const resource = info?.resource;
  if (
    (LEADER_ELECTION_USERS.has(user.name) || kubeSystemSA) &&
    (info?.verb === 'get' || info?.verb === 'create' || info?.verb === 'update') &&
    ((info.group === 'coordination.k8s.io' && resource === 'leases') ||
      (info.group === '' && info.namespace === 'kube-system' && (resource === 'endpoints' || resource === 'configmaps')))
  )
    return 'leader-election';
  const node = user.groups.includes(NodesGroup);
  if (
    node &&
    ((info?.group === '' && resource === 'nodes') ||
      (info?.group === 'coordination.k8s.io' && resource === 'leases' && info.namespace === 'kube-node-lease'))
  )
    return 'node-high';
  if (node) return 'system';
  if (LEADER_ELECTION_USERS.has(user.name) || kubeSystemSA) return 'workload-high';
  if (user.groups.includes(ServiceAccountsGroup)) return 'workload-low';
  return 'global-default';
}

interface Waiter {
  flow: string;
  start: () => void;
  refuse: (e: Error) => void;
  timer: NodeJS.Timeout;
  done: boolean;
}

/** A level's queues in one pool: one per user, served in turn. */
class LevelQueues {
  /** Virtual time: served / shares, so that the least-served level (for its shares) goes next. */
  vt = 0;
  private readonly flows = new Map<string, Waiter[]>();
  /** Users with a waiting request, in the order they are served. */
  private readonly turns: string[] = [];
  waiting = 0;

  constructor(
    readonly shares: number,
    readonly perFlow: number,
  ) {}

  /** false when this user's queue is full. */
  push(w: Waiter): boolean {
    let q = this.flows.get(w.flow);
    if (!q) {
      q = [];
      this.flows.set(w.flow, q);
      this.turns.push(w.flow);
    }
    if (q.length >= this.perFlow) return false;
    q.push(w);
    this.waiting++;
    return true;
  }

  /** The next waiter, the users taking turns; undefined when none waits. */
  shift(): Waiter | undefined {
    while (this.turns.length) {
      const flow = this.turns.shift()!;
      const q = this.flows.get(flow)!;
      const w = q.shift();
      if (q.length) this.turns.push(flow);
      else this.flows.delete(flow);
      if (!w) continue;
      this.waiting--;
      return w;
    }
    return undefined;
  }

  remove(w: Waiter): void {
    const q = this.flows.get(w.flow);
    const i = q?.indexOf(w) ?? -1;
    if (i < 0) return;
    q!.splice(i, 1);
    this.waiting--;
  }
}

/** One pool (mutating, or the rest): its slots in use and the requests waiting for one. */
class Pool {
  used = 0;
  readonly levels = new Map<PriorityLevel, LevelQueues>();
  /** The virtual time of the last level served: a level that starts waiting starts there. */
  private vt = 0;

  constructor(readonly limit: number) {
    for (const [name, l] of Object.entries(LEVELS)) this.levels.set(name as PriorityLevel, new LevelQueues(l.shares, l.perFlow));
  }

  get waiting(): number {
    let n = 0;
    for (const l of this.levels.values()) n += l.waiting;
    return n;
  }

  enqueue(level: PriorityLevel, w: Waiter): boolean {
    const l = this.levels.get(level)!;
    if (l.waiting === 0) l.vt = Math.max(l.vt, this.vt);
    return l.push(w);
  }

  /** A slot was freed: it goes to the waiter of the level served least for its shares. */
  release(): void {
    this.used--;
    while (this.used < this.limit) {
      let next: LevelQueues | undefined;
      for (const l of this.levels.values()) if (l.waiting > 0 && (!next || l.vt < next.vt)) next = l;
      if (!next) return;
      const w = next.shift();
      if (!w) continue;
      this.vt = next.vt;
      next.vt += 1 / next.shares;
      this.used++;
      w.done = true;
      clearTimeout(w.timer);
      w.start();
    }
  }
}

export class MaxInFlightLimit {
  private readonly readOnly: Pool;
  private readonly mutating: Pool;

  /** 0 disables a pool's limit, as the flags' 0 does. queueWaitMs: how long a request may wait for a slot. */
  constructor(
    maxReadOnly: number,
    maxMutating: number,
    private readonly queueWaitMs = QUEUE_WAIT_MS,
  ) {
    this.readOnly = new Pool(maxReadOnly);
    this.mutating = new Pool(maxMutating);
  }

  /**
   * Takes a slot until the response closes: at once (undefined) when one is free, else a promise
   * that settles once the request has one (or rejects with 429 TooManyRequests when its queue is
   * full or its wait ran out). system:masters is served at once, past a full pool.
   */
  admit(req: IncomingMessage, res: ServerResponse, info: RequestInfo | undefined, user?: UserInfo): Promise<void> | undefined {
    if (isLongRunning(info)) return undefined;
    const pool = MUTATING.has(req.method ?? 'GET') ? this.mutating : this.readOnly;
    if (pool.limit <= 0) return undefined;
    const hold = () => res.once('close', () => pool.release());
    if (pool.used < pool.limit) {
      pool.used++;
      hold();
      return undefined;
    }
    if (user?.groups.includes(SystemPrivilegedGroup)) return undefined;
    return new Promise<void>((resolve, reject) => {
      const refuse = (e: Error) => {
        if (w.done) return;
        w.done = true;
        clearTimeout(w.timer);
        level.remove(w);
        res.off('close', gone);
        reject(e);
      };
      const name = priorityLevel(user, info);
      const level = pool.levels.get(name)!;
      const w: Waiter = {
        flow: user?.name ?? '',
        start: () => {
          res.off('close', gone);
          hold();
          resolve();
        },
        refuse,
        timer: setTimeout(() => refuse(errors.tooManyRequests('Too many requests, please try again later.', 1)), this.queueWaitMs),
        done: false,
      };
      // A client that goes away while waiting leaves the queue.
      const gone = () => refuse(new Error('the client closed the connection while its request waited for a slot'));
      res.once('close', gone);
      if (!pool.enqueue(name, w)) refuse(errors.tooManyRequests('Too many requests, please try again later.', 1));
    });
  }

  /** Requests in flight now, per pool, and those waiting for a slot (for metrics and tests). */
  get inFlight(): { readOnly: number; mutating: number; waiting: number } {
    return { readOnly: this.readOnly.used, mutating: this.mutating.used, waiting: this.readOnly.waiting + this.mutating.waiting };
  }
}
