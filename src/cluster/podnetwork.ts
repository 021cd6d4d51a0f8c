// This machine's node's pod network (its bridge): the part of a node's start that needs no API
// server, so that the control plane can begin it while it still loads and starts (#13), as
// kubeadm's control-plane node has its CNI bridge up independently of the API server. Light on
// purpose (the bridge module and the spawner only): it is loaded before the control plane's
// modules.

import { NodeNetwork } from '../node/network/bridge.js';

/** The node's bridge over podCIDR where the node can have one (Linux, root), else null. */
export function podNetworkFor(o: { bridgeName?: string; podCIDR: string; dir: string }): NodeNetwork | null {
  const isolated = process.platform === 'linux' && process.getuid?.() === 0;
  return isolated
    ? new NodeNetwork({ bridgeName: o.bridgeName ?? 'k8ts0', podCIDR: o.podCIDR, masquerade: true, owner: `data dir ${o.dir}` })
    : null;
}
