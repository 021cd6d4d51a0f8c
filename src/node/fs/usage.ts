// How many bytes a directory tree takes on disk, as kubelet's volume metrics (pkg/volume/util/fs's
// DiskUsage) measure it: `du` over the tree, on one filesystem, counting allocated blocks (what
// fills a disk), not apparent sizes. Run through the spawner: the agent is a large process to fork.

import { spawner } from '../runtime/spawner.js';

/** Bytes used below `dir` (undefined when it cannot be measured, e.g. it is gone). */
export async function diskUsage(dir: string): Promise<number | undefined> {
  const r = await spawner.run('du', ['-s', '-x', '-B1', '--', dir]).catch(() => undefined);
  if (r?.code !== 0) return undefined;
  const n = Number(r!.stdout.split('\t')[0]);
  return Number.isFinite(n) ? n : undefined;
}
