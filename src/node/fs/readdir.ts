// Listing the node's own state folders (sandboxes, container records, image records, snapshots,
// content, leases): a folder not made yet, or removed under us, lists as empty. These folders
// are the agent's, under its data dir; what a container or image made is read through safepath.

import { readdir } from 'node:fs/promises';

/** The names in dir; none when it cannot be read (missing, gone, or not a folder). */
export async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}
