// A snapshotter over images that are plain directories (one layer each): the writable snapshot
// of a container is an overlay with the image's directory as its only lower layer, as
// containerd's overlayfs snapshotter makes it over unpacked layers. Tests only (runtime.test.ts,
// images a test builds as folders); a node uses the image service's LayerSnapshotter.

import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { RootfsMount, Snapshotter } from '../types.js';

export class DirectorySnapshotter implements Snapshotter {
  constructor(
    /** Where writable snapshots are kept (root/<key>/fs and root/<key>/work). */
    private readonly root: string,
    /** The directory holding an image's root filesystem, or undefined for an unknown image. */
    private readonly lookup: (imageRef: string) => Promise<string | undefined> | string | undefined,
  ) {}

  private dir(key: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(key) || key.startsWith('.')) throw new Error(`invalid snapshot key ${JSON.stringify(key)}`);
    return path.join(this.root, key);
  }

  async prepare(key: string, imageRef: string): Promise<RootfsMount[]> {
    const lower = await this.lookup(imageRef);
    if (!lower) throw new Error(`image "${imageRef}": no unpacked snapshot on this node`);
    const dir = this.dir(key);
    await mkdir(path.join(dir, 'fs'), { recursive: true, mode: 0o755 });
    await mkdir(path.join(dir, 'work'), { recursive: true, mode: 0o700 });
    return [
      {
        type: 'overlay',
        source: 'overlay',
        options: [`lowerdir=${path.resolve(lower)}`, `upperdir=${path.join(dir, 'fs')}`, `workdir=${path.join(dir, 'work')}`],
      },
    ];
  }

  async remove(key: string): Promise<void> {
    await rm(this.dir(key), { recursive: true, force: true });
  }
}
