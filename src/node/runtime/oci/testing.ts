// Test images for the OCI runtime: root filesystems built from Debian's busybox-static (a
// directory holding busybox, its applet links, /etc/passwd and /etc/group), served by a small
// image service and the directory snapshotter. Used by tests only.

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { imageNotFoundMessage, normalizeImageRef } from '../images.js';
import { type Image, type ImageConfig, ImagePullError, type ImageService, type ImageSpec } from '../types.js';

/** Where busybox-static lives, or undefined (tests needing it then skip with a reason). */
export function busyboxBinary(): string | undefined {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) {
    if (!existsSync(p)) continue;
    try {
      if (/statically linked|static-pie/.test(execFileSync('file', ['-L', p], { encoding: 'utf8' }))) return p;
    } catch {
      return p;
    }
  }
  return undefined;
}

/** Builds a busybox root filesystem in dir: /bin/busybox and its applets, users root and app (1000), a /pause. */
export function buildBusyboxRootfs(dir: string): void {
  const bb = busyboxBinary();
  if (!bb) throw new Error('busybox-static is not installed');
  for (const d of ['bin', 'etc', 'tmp', 'root', 'home/app', 'proc', 'sys', 'dev']) mkdirSync(path.join(dir, d), { recursive: true });
  copyFileSync(bb, path.join(dir, 'bin/busybox'));
  execFileSync('chmod', ['0755', path.join(dir, 'bin/busybox')]);
  execFileSync('chmod', ['1777', path.join(dir, 'tmp')]);
  const applets = execFileSync(bb, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .filter((a) => /^[a-z0-9_.[-]+$/.test(a) && a !== 'busybox');
  for (const a of applets) if (!existsSync(path.join(dir, 'bin', a))) symlinkSync('busybox', path.join(dir, 'bin', a));
  writeFileSync(
    path.join(dir, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
  );
  writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\napp:x:1000:\nextra:x:1500:app\nnogroup:x:65534:\n');
  writeFileSync(path.join(dir, 'pause'), '#!/bin/sh\ntrap "exit 0" TERM INT\nwhile :; do sleep 3600 & wait $!; done\n', { mode: 0o755 });
}

interface TestImage {
  rootfs: string;
  config: ImageConfig;
}

/** An image service over directories a test built (no registry). */
export class DirectoryImages implements ImageService {
  private readonly images = new Map<string, TestImage>();

  add(ref: string, rootfs: string, config: Partial<ImageConfig> = {}): void {
    this.images.set(normalizeImageRef(ref), {
      rootfs,
      config: {
        entrypoint: [],
        cmd: ['sh'],
        env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        workingDir: '/',
        exposedPorts: [],
        ...config,
      },
    });
  }

  rootfsPath(ref: string): string | undefined {
    try {
      return this.images.get(normalizeImageRef(ref))?.rootfs;
    } catch {
      return undefined;
    }
  }

  async imageDigestRef(ref: string): Promise<string | undefined> {
    return this.images.has(normalizeImageRef(ref))
      ? `${normalizeImageRef(ref).replace(/:[^/:]*$/, '')}@sha256:${'0'.repeat(64)}`
      : undefined;
  }

  normalize(ref: string): string {
    return normalizeImageRef(ref);
  }

  async pullImage(image: ImageSpec): Promise<string> {
    const id = normalizeImageRef(image.image);
    if (!this.images.has(id)) throw new ImagePullError(id, imageNotFoundMessage(id));
    return id;
  }

  async imageStatus(image: ImageSpec): Promise<Image | undefined> {
    let id: string;
    try {
      id = normalizeImageRef(image.image);
    } catch {
      return undefined;
    }
    const img = this.images.get(id);
    return img ? { id, repoTags: [id], size: 0, config: img.config } : undefined;
  }

  async listImages(): Promise<Image[]> {
    return [...this.images.entries()].map(([id, img]) => ({ id, repoTags: [id], size: 0, config: img.config }));
  }

  async removeImage(): Promise<void> {
    /* test images stay */
  }
}
