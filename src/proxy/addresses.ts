// Service addresses made local to this host: what kube-proxy's IPVS mode does with its kube-ipvs0
// dummy device (and ServiceLB/MetalLB with load-balancer addresses). The addresses are /32s on
// the node's pod bridge: a device of this node instance alone, removed with it at `k8ts down`
// (and this host's kernel has no dummy driver). Only /32 addresses are touched: the bridge's own
// gateway address (the pod CIDR's prefix) is never one of them.

import { run } from '../node/network/bridge.js';

export class ServiceAddresses {
  constructor(private readonly device: string) {}

  /** Puts exactly these /32 addresses on the device. */
  async sync(addresses: Set<string>): Promise<void> {
    const out = await run('ip', ['-o', '-4', 'addr', 'show', 'dev', this.device]);
    const have = new Set<string>();
    for (const m of out.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\/32 /g)) have.add(m[1]);
    const cmds: string[] = [];
    for (const ip of addresses) if (!have.has(ip)) cmds.push(`addr add ${ip}/32 dev ${this.device}`);
    for (const ip of have) if (!addresses.has(ip)) cmds.push(`addr del ${ip}/32 dev ${this.device}`);
    // -force: one address another instance already holds must not stop the others.
    if (cmds.length) await run('ip', ['-force', '-batch', '-'], { input: `${cmds.join('\n')}\n` }).catch(() => undefined);
  }

  /** Removes every /32 this proxy put there. */
  async cleanup(): Promise<void> {
    await this.sync(new Set()).catch(() => undefined);
  }
}
