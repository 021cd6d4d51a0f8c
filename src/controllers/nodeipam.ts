// The node IPAM controller (pkg/controller/nodeipam, the RangeAllocator that
// kube-controller-manager runs with --allocate-node-cidrs): every Node without spec.podCIDR gets
// the next free block of --node-cidr-mask-size bits out of --cluster-cidr, written as
// spec.podCIDR and spec.podCIDRs; blocks Nodes already name (a node agent's explicit --pod-cidr,
// simulated nodes, what an earlier control plane handed out) are marked taken first. When no
// block is left, the Node gets a CIDRNotAvailable event and is tried again (with back-off, and
// at once when a Node goes and frees one). Allocation happens only in the controller manager
// that holds the lease; the taken set is rebuilt from the Nodes at each term.

import { type CIDR, intToIp, nodeCIDRMaskProblem, parseCIDR } from '../api/net.js';
import type { KObject } from '../api/object.js';
import { NODES } from '../api/types.js';
import { Controller } from '../client/controller.js';
import type { Informer, SharedInformerFactory } from '../client/informer.js';
import { isNotFound, type RestClient } from '../client/rest.js';

export interface NodeIPAMOptions {
  /** --cluster-cidr: the pod network all node blocks come from. */
  clusterCIDR: string;
  /** --node-cidr-mask-size (IPv4 default 24). */
  nodeCIDRMaskSize?: number;
  log?: (msg: string) => void;
}

export class CIDRAllocatorError extends Error {}

/**
 * The blocks of one cluster CIDR (pkg/controller/nodeipam/ipam/cidrset): a bitmap of the
 * 2^(mask - prefix) blocks, handed out round-robin from after the last one given, so a block
 * just released is not given again at once.
 */
export class CidrSet {
  readonly cluster: CIDR;
  readonly maskSize: number;
  private readonly blockSize: number;
  private readonly taken: Uint8Array;
  private next = 0;
  private used = 0;

  constructor(clusterCIDR: string, maskSize: number) {
    this.cluster = parseCIDR(clusterCIDR);
    const problem = nodeCIDRMaskProblem(clusterCIDR, maskSize);
    if (problem) throw new CIDRAllocatorError(problem);
    this.maskSize = maskSize;
    this.blockSize = 2 ** (32 - maskSize);
    this.taken = new Uint8Array(2 ** (maskSize - this.cluster.prefix));
  }

  get size(): number {
    return this.taken.length;
  }
  get free(): number {
    return this.taken.length - this.used;
  }

  /** The index of a block of this set, or undefined when cidr is not exactly one of its blocks. */
  private indexOf(cidr: string): number | undefined {
    let c: CIDR;
    try {
      c = parseCIDR(cidr);
    } catch {
      return undefined;
    }
    const offset = c.network - this.cluster.network;
    if (c.prefix !== this.maskSize || offset < 0 || offset >= this.cluster.size) return undefined;
    return offset / this.blockSize;
  }

  /** Marks a block as taken; false when it is not one of this set's blocks (a Node's CIDR from elsewhere). */
  occupy(cidr: string): boolean {
    const i = this.indexOf(cidr);
    if (i === undefined) return false;
    if (!this.taken[i]) this.used++;
    this.taken[i] = 1;
    return true;
  }

  release(cidr: string): void {
    const i = this.indexOf(cidr);
    if (i === undefined || !this.taken[i]) return;
    this.taken[i] = 0;
    this.used--;
  }

  /** The next free block, or undefined when all are taken. */
  allocateNext(): string | undefined {
    const n = this.taken.length;
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n;
      if (this.taken[i]) continue;
      this.taken[i] = 1;
      this.used++;
      this.next = (i + 1) % n;
      return `${intToIp(this.cluster.network + i * this.blockSize)}/${this.maskSize}`;
    }
    return undefined;
  }
}

function podCIDRsOf(node: KObject): string[] {
  const spec = (node.spec ?? {}) as { podCIDR?: string; podCIDRs?: string[] };
  if (spec.podCIDRs?.length) return spec.podCIDRs;
  return spec.podCIDR ? [spec.podCIDR] : [];
}

export class NodeIPAMController extends Controller {
  private readonly nodes: Informer;
  private readonly set: CidrSet;
  /** What this controller believes each node holds: its own allocations before the Node shows them, and the Nodes' CIDRs. */
  private readonly held = new Map<string, string>();
  private primed = false;

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    opts: NodeIPAMOptions,
  ) {
    super('node-ipam-controller', client, 'node-ipam-controller', { log: opts.log, workers: 1 });
    this.set = new CidrSet(opts.clusterCIDR, opts.nodeCIDRMaskSize ?? 24);
    this.nodes = factory.informerFor(NODES);
    this.nodes.addEventHandler({
      onAdd: (n) => this.loop.enqueue(n.metadata.name!),
      onUpdate: (o, n) => {
        // Only what concerns podCIDRs: the heartbeat updates of thousands of nodes need no work here.
        if (podCIDRsOf(o).join() !== podCIDRsOf(n).join() || !podCIDRsOf(n).length) this.loop.enqueue(n.metadata.name!);
      },
      onDelete: (n) => this.loop.enqueue(n.metadata.name!),
    });
  }

  /** Every Node's CIDR is taken before the first allocation (the allocator's constructor does this over a list). */
  private prime(): void {
    let foreign = 0;
    for (const n of this.nodes.list()) {
      const cidr = podCIDRsOf(n)[0];
      if (!cidr) continue;
      this.held.set(n.metadata.name!, cidr);
      if (!this.set.occupy(cidr)) foreign++;
    }
    // Said once, not per node: thousands of simulated nodes may carry blocks from elsewhere.
    if (foreign)
      this.log(
        `${this.name}: ${foreign} node(s) have a podCIDR that is not a /${this.set.maskSize} of the cluster CIDR ${this.clusterCIDRText()}`,
      );
    this.primed = true;
  }

  async reconcile(name: string): Promise<number | void> {
    if (!this.nodes.hasSynced()) return 200;
    if (!this.primed) this.prime();
    const node = this.nodes.get(name);
    const had = this.held.get(name);
    if (!node) {
      // The Node is gone: its block is free again, and a node waiting for one may have it.
      if (had) {
        this.held.delete(name);
        this.set.release(had);
        this.retryWaiting();
      }
      return;
    }
    const cidr = podCIDRsOf(node)[0];
    if (cidr) {
      if (had === cidr) return;
      // The Node names another block than the one we handed out (someone else set it first).
      if (had) this.set.release(had);
      this.held.set(name, cidr);
      this.set.occupy(cidr);
      return;
    }
    let block = had;
    if (!block) {
      block = this.set.allocateNext();
      if (!block) {
        this.recorder.event(
          { apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid },
          'Normal',
          'CIDRNotAvailable',
          `Node ${name} status is now: CIDRNotAvailable`,
        );
        throw new CIDRAllocatorError(`failed to allocate cidr from cluster cidr ${this.clusterCIDRText()}: no cidr left`);
      }
      this.held.set(name, block);
    }
    try {
      await this.client.patch({ ...NODES, name }, { spec: { podCIDR: block, podCIDRs: [block] } }, 'merge');
      this.log(`${this.name}: node ${name} gets podCIDR ${block}`);
    } catch (e) {
      // Not written: the block goes back (updateCIDRsAllocation releases on failure).
      this.held.delete(name);
      this.set.release(block);
      if (isNotFound(e)) return;
      throw e;
    }
  }

  private clusterCIDRText(): string {
    return `${intToIp(this.set.cluster.network)}/${this.set.cluster.prefix}`;
  }

  /** Nodes still without a block are looked at again. */
  private retryWaiting(): void {
    for (const n of this.nodes.list()) if (!podCIDRsOf(n).length && !this.held.has(n.metadata.name!)) this.loop.enqueue(n.metadata.name!);
  }
}
