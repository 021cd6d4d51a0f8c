// Removes what a stopped `k8ts agent` left on its machine, as `k8ts down` does for the node of
// `k8ts up`: its pods' processes, sandboxes and mounts (the runtime's and the kubelet's volume
// mounts), its bridge, nft tables and overlay device. An agent stopped by a signal keeps its pods (they run on until it is back), so tests
// that run agents call this afterwards, pass or fail, in the agent's own network namespace:
//   ip netns exec NS node dist/src/testing/nodecleanup.js DATA_DIR BRIDGE

import fs from 'node:fs';
import path from 'node:path';
import { chooseRuntime } from '../cluster/node.js';
import { NodeNetwork, run } from '../node/network/bridge.js';
import { vxlanDeviceName } from '../node/network/routes.js';
import { LocalImageStore } from '../node/runtime/images.js';

/** Mount points at or below dir, deepest first. */
function mountsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mp = line.split(' ')[4]?.replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp && (mp === dir || mp.startsWith(`${dir}/`))) out.push(mp);
  }
  return out.sort((a, b) => b.length - a.length);
}

export async function cleanupNode(dir: string, bridgeName: string, runtime: 'auto' | 'oci' | 'process' = 'auto'): Promise<void> {
  const log = (m: string) => console.error(m);
  const network = new NodeNetwork({ bridgeName, masquerade: true, owner: `cleanup of ${dir}` });
  const images = new LocalImageStore({ dir: path.join(dir, 'images'), log });
  const rt = chooseRuntime(runtime, dir, images, network, log);
  await rt.cleanupAll().catch((e) => log(`runtime cleanup: ${(e as Error).message}`));
  await rt.close().catch(() => undefined);
  await network.teardown();
  // The kubelet's volume mounts (projected tokens, emptyDirs on tmpfs) under the data dir.
  for (const m of mountsUnder(dir)) await run('umount', ['-l', m]).catch(() => undefined);
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
