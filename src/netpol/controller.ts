// The node's NetworkPolicy agent (the policy half of Calico's felix or kube-router on a node):
// informers on NetworkPolicies, Pods and Namespaces; on any change it recomputes this node's
// table (ruleset.ts) and, when it differs, replaces it in one `nft -f -` transaction.
// `k8ts down` removes the table; an agent restart replaces it at its first sync.

import { errorMessage } from '../api/errors.js';
import { isObject, type KObject } from '../api/object.js';
import { NAMESPACES, PODS } from '../api/types.js';
import { Informer, type RestClient } from '../client/index.js';
import { linkExists, run } from '../node/network/bridge.js';
import { buildNetpolRuleset, NETPOL_TABLE_PREFIX } from './ruleset.js';

const NETWORKPOLICIES = { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' };

export interface NetworkPolicyAgentOptions {
  client: RestClient;
  nodeName: string;
  /** Names the table: k8ts-netpol-<instance> (the node's bridge). */
  instance: string;
  log?: (msg: string) => void;
}

export class NetworkPolicyAgent {
  readonly table: string;
  private readonly policies: Informer;
  private readonly pods: Informer;
  private readonly namespaces: Informer;
  private readonly log: (msg: string) => void;
  private timer?: NodeJS.Timeout;
  private syncing = false;
  private again = false;
  private stopped = false;
  private applied = '';
  /** Successful syncs that changed the kernel (tests). */
  applies = 0;
  private listeners = new Set<() => void>();

  constructor(private readonly opts: NetworkPolicyAgentOptions) {
    this.log = opts.log ?? (() => undefined);
    this.table = `${NETPOL_TABLE_PREFIX}${opts.instance}`;
    const onError = (e: unknown) => this.log(`netpol informer: ${errorMessage(e)}`);
    this.policies = new Informer(opts.client, { ...NETWORKPOLICIES, onError, backoffInitialMs: 200 });
    this.pods = new Informer(opts.client, { ...PODS, onError, backoffInitialMs: 200 });
    this.namespaces = new Informer(opts.client, { ...NAMESPACES, onError, backoffInitialMs: 200 });
  }

  async start(): Promise<void> {
    const changed = () => this.schedule();
    for (const inf of [this.policies, this.pods, this.namespaces]) {
      inf.addEventHandler({
        onAdd: changed,
        onUpdate: (o: KObject, n: KObject) => {
          if (relevant(o, n)) changed();
        },
        onDelete: changed,
      });
      inf.start();
    }
    await Promise.all([this.policies, this.pods, this.namespaces].map((i) => i.waitForSync(30_000)));
    // Other instances' orphaned tables are looked for beside this one's first sync, not before it
    // (as the proxy's first sync does): they share no table, and the two nft runs in turn were on
    // the node's way to ready (#13).
    await Promise.all([
      this.removeOrphans().catch((e) => this.log(`netpol: looking for orphaned tables: ${(e as Error).message}`)),
      this.sync(),
    ]);
  }

  /** Tables of nodes whose bridge is gone (a stopped agent leaves its table for its next start). */
  private async removeOrphans(): Promise<void> {
    const out = await run('nft', ['list', 'tables', 'ip']);
    for (const m of out.matchAll(/^table ip (\S+)$/gm)) {
      const name = m[1];
      if (name === this.table || !name.startsWith(NETPOL_TABLE_PREFIX)) continue;
      const bridge = name.slice(NETPOL_TABLE_PREFIX.length);
      if (!bridge || (await linkExists(bridge))) continue;
      await run('nft', ['delete', 'table', 'ip', name]).catch(() => undefined);
      this.log(`netpol: removed the table ${name} of a node whose network ${bridge} is gone`);
    }
  }

  /** Resolves after the next sync that applied (or found nothing to change). */
  onSynced(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sync();
    }, 50);
  }

  async sync(): Promise<void> {
    if (this.stopped) return;
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = true;
    try {
      do {
        this.again = false;
        const rs = buildNetpolRuleset(this.table, {
          node: this.opts.nodeName,
          policies: this.policies.list(),
          pods: this.pods.list(),
          namespaces: this.namespaces.list(),
        });
        if (rs.script !== this.applied) {
          try {
            await run('nft', ['-f', '-'], { input: rs.script });
            this.applied = rs.script;
            this.applies++;
          } catch (e) {
            this.log(`netpol: applying table ${this.table} failed, retrying in 1s: ${(e as Error).message}`);
            clearTimeout(this.timer);
            this.timer = setTimeout(() => {
              this.timer = undefined;
              void this.sync();
            }, 1000);
            return;
          }
        }
        for (const l of this.listeners) l();
      } while (this.again && !this.stopped);
    } finally {
      this.syncing = false;
    }
  }

  /** cleanup: remove the table (k8ts down); otherwise leave it for the next start to replace. */
  async stop({ cleanup }: { cleanup: boolean }): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all([this.policies, this.pods, this.namespaces].map((i) => i.stop()));
    if (cleanup) await run('nft', ['-f', '-'], { input: `add table ip ${this.table}\ndelete table ip ${this.table}\n` });
  }
}

/** Pod updates that matter: labels, IP, node, phase, ports; the rest (conditions, probes' timestamps) do not. */
function relevant(o: KObject, n: KObject): boolean {
  const key = (x: KObject) =>
    JSON.stringify([
      x.metadata.labels,
      isObject(x.spec)
        ? [
            x.spec.nodeName,
            x.spec.hostNetwork,
            x.spec.containers,
            x.spec.initContainers,
            x.spec.podSelector,
            x.spec.ingress,
            x.spec.egress,
            x.spec.policyTypes,
          ]
        : null,
      isObject(x.status) ? [x.status.podIP, x.status.phase] : null,
    ]);
  return key(o) !== key(n);
}
