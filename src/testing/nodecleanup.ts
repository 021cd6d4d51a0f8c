// Removes what a stopped `k8ts agent` left on its machine, as `k8ts down` does for the node of
// `k8ts up`: its pods' processes, sandboxes and mounts, its bridge, nft tables and overlay
// device. An agent stopped by a signal keeps its pods (they run on until it is back), so tests
// that run agents call this afterwards, pass or fail, in the agent's own network namespace:
//   ip netns exec NS node dist/src/testing/nodecleanup.js DATA_DIR BRIDGE

import path from 'node:path';
import { chooseRuntime } from '../cluster/node.js';
import { NodeNetwork, run } from '../node/network/bridge.js';
import { vxlanDeviceName } from '../node/network/routes.js';
import { LocalImageStore } from '../node/runtime/images.js';

export async function cleanupNode(dir: string, bridgeName: string, runtime: 'auto' | 'oci' | 'process' = 'auto'): Promise<void> {
  const log = (m: string) => console.error(m);
  const network = new NodeNetwork({ bridgeName, masquerade: true, owner: `cleanup of ${dir}` });
  const images = new LocalImageStore({ dir: path.join(dir, 'images'), log });
  const rt = chooseRuntime(runtime, dir, images, network, log);
  await rt.cleanupAll().catch((e) => log(`runtime cleanup: ${(e as Error).message}`));
  await rt.close().catch(() => undefined);
  await network.teardown();
  await run('ip', ['link', 'del', vxlanDeviceName(bridgeName)]).catch(() => undefined);
  for (const t of [`k8ts-proxy-${bridgeName}`, `k8ts-netpol-${bridgeName}`])
    await run('nft', ['delete', 'table', 'ip', t]).catch(() => undefined);
}

if (process.argv[1] && path.basename(process.argv[1]) === 'nodecleanup.js') {
  const [dir, bridge, runtime] = process.argv.slice(2);
  if (!dir || !bridge) {
    console.error('usage: nodecleanup.js DATA_DIR BRIDGE [auto|oci|process]');
    process.exit(2);
  }
  cleanupNode(path.resolve(dir), bridge, (runtime as 'auto' | 'oci' | 'process') ?? 'auto').then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
