// `k8ts delete [--name NAME]`: stops a cluster, takes its context out of the kubeconfig files
// and removes its data dir (as `kind delete cluster`). Other clusters are left as they are.

import fs from 'node:fs';
import path from 'node:path';
import { stopCluster } from './down.js';
import { removeClusterKubeconfigs } from './kubeconfigs.js';
import { resolveTarget } from './target.js';

/** Mount points at or under dir (a pod's volume left mounted must not be emptied through it). */
function mountsUnder(dir: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const unoctal = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return text
    .split('\n')
    .map((l) => unoctal(l.split(' ')[4] ?? ''))
    .filter((m) => m === dir || m.startsWith(`${dir}/`));
}

export async function deleteCluster(o: { name?: string; dataDir?: string }): Promise<number> {
  const t = resolveTarget(o);
  if (!fs.existsSync(t.dataDir)) {
    const removed = removeClusterKubeconfigs(t);
    console.log(
      `k8ts cluster "${t.name}" does not exist (no ${t.dataDir})${removed.length ? `; removed its context from ${removed.join(', ')}` : ''}.`,
    );
    return 0;
  }
  // Only a folder k8ts made is removed whole.
  if (!['config.yaml', 'state.db', 'token', 'cluster.json'].some((f) => fs.existsSync(path.join(t.dataDir, f)))) {
    console.error(`k8ts: ${t.dataDir} does not look like a k8ts data dir (no config.yaml, state.db or token); not deleting it.`);
    return 1;
  }
  const pid = await stopCluster(t);
  const mounts = mountsUnder(fs.realpathSync(t.dataDir));
  if (mounts.length) {
    console.error(
      `k8ts: ${mounts.length} mount(s) are still under ${t.dataDir} (first: ${mounts[0]}); unmount them, then run k8ts delete${t.flag} again.`,
    );
    return 1;
  }
  const removed = removeClusterKubeconfigs(t);
  fs.rmSync(t.dataDir, { recursive: true, force: true });
  console.log(
    `Deleted k8ts cluster "${t.name}"${pid ? ` (stopped pid ${pid})` : ''}: removed ${t.dataDir}${removed.length ? ` and context ${t.context} from ${removed.join(', ')}` : ''}.`,
  );
  return 0;
}
