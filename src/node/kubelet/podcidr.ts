// Where a node's pod addresses come from, as kubelet (and flannel) take them: the Node's
// spec.podCIDR, set by the node IPAM controller (kube-controller-manager --allocate-node-cidrs)
// once the Node exists. kubelet's --pod-cidr is only an explicit override for clusters that do
// not allocate. The Node is registered bare first, so the controller has something to give the
// block to; the agent's full registration (labels, status, capacity) follows once the network is
// up. A Node whose podCIDR disagrees with an explicit --pod-cidr is an error, not a guess: pods
// would get addresses other nodes route elsewhere.

import type { KObject } from '../../api/object.js';
import { NODES } from '../../api/types.js';
import { isAlreadyExists, isNotFound, type RestClient } from '../../client/index.js';
import { nodeLabels } from './nodestatus.js';

export interface PodCIDROptions {
  /** An explicit --pod-cidr. */
  override?: string;
  /** How long to wait for the controller (default 120 s). */
  timeoutMs?: number;
  pollMs?: number;
  log?: (m: string) => void;
}

function podCIDROf(node: KObject | undefined): string | undefined {
  const spec = (node?.spec ?? {}) as { podCIDR?: string; podCIDRs?: string[] };
  return spec.podCIDRs?.[0] ?? spec.podCIDR ?? undefined;
}

/** The node's podCIDR: the override when given (and not contradicted by the Node), else the Node's once it has one. */
export async function nodePodCIDR(client: RestClient, nodeName: string, opts: PodCIDROptions = {}): Promise<string> {
  const ref = { ...NODES, name: nodeName };
  const existing = await client.get(ref).catch((e) => {
    if (isNotFound(e)) return undefined;
    throw e;
  });
  const current = podCIDROf(existing);
  if (opts.override) {
    if (current && current !== opts.override)
      throw new Error(
        `node ${nodeName} already has podCIDR ${current}; --pod-cidr ${opts.override} disagrees (leave --pod-cidr out to use it)`,
      );
    return opts.override;
  }
  if (current) return current;
  if (!existing) {
    try {
      await client.create(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName, labels: nodeLabels(nodeName) }, spec: {} });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }
  const log = opts.log ?? (() => undefined);
  log(`node ${nodeName}: waiting for a podCIDR from the node IPAM controller`);
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    const cidr = podCIDROf(await client.get(ref).catch(() => undefined));
    if (cidr) {
      log(`node ${nodeName}: podCIDR ${cidr}`);
      return cidr;
    }
    if (Date.now() > deadline)
      throw new Error(
        `node ${nodeName} got no podCIDR within ${Math.round((opts.timeoutMs ?? 120_000) / 1000)}s: the control plane allocates none (--no-allocate-node-cidrs) or its cluster CIDR is exhausted (see the node's CIDRNotAvailable events); give --pod-cidr`,
      );
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
  }
}
