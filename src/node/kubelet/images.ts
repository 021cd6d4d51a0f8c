// The kubelet's image side beyond the pod workers: pulls one at a time (serializeImagePulls,
// the default) with the time spent waiting measured, and image garbage collection by disk usage
// (pkg/kubelet/images/image_gc_manager.go): when the image filesystem is more than
// highThresholdPercent (85) full, images no container uses, not pinned and older than minAge
// (2 min) are removed, least recently used first, until usage is back under lowThresholdPercent
// (80). A shortfall is reported as the FreeDiskSpaceFailed event on the Node.

import type { EventRecorder } from '../../client/index.js';
import { normalizeImageRef } from '../images/reference.js';
import type { Image, ImageService, RuntimeService } from '../runtime/types.js';

export class ImagePuller {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly serial = true) {}

  /** Runs a pull; onWaited learns how long it waited for the pulls before it. */
  run<T>(fn: () => Promise<T>, onWaited?: (ms: number) => void): Promise<T> {
    const queued = Date.now();
    if (!this.serial) {
      onWaited?.(0);
      return fn();
    }
    const p = this.chain.then(() => {
      onWaited?.(Date.now() - queued);
      return fn();
    });
    this.chain = p.catch(() => undefined);
    return p;
  }
}

export interface ImageGCPolicy {
  highThresholdPercent: number;
  lowThresholdPercent: number;
  minAgeMs: number;
}

export const DEFAULT_IMAGE_GC_POLICY: ImageGCPolicy = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 2 * 60_000 };

interface ImageRecord {
  firstDetected: number;
  lastUsed: number;
  size: number;
  pinned: boolean;
  names: string[];
}

export interface ImageGCOptions {
  images: ImageService & { fsStats?(): Promise<{ capacity: number; available: number }> };
  runtime: RuntimeService;
  recorder?: EventRecorder;
  nodeName: string;
  policy?: Partial<ImageGCPolicy>;
  /** The image filesystem's stats; defaults to the image service's. */
  fsStats?: () => Promise<{ capacity: number; available: number }>;
  now?: () => number;
  log?: (msg: string) => void;
}

function namesOf(img: Image): string[] {
  return [img.id, ...img.repoTags, ...(img.repoDigests ?? [])];
}

export class ImageGCManager {
  private readonly records = new Map<string, ImageRecord>();
  private readonly policy: ImageGCPolicy;
  private readonly now: () => number;

  constructor(private readonly opts: ImageGCOptions) {
    this.policy = { ...DEFAULT_IMAGE_GC_POLICY, ...opts.policy };
    if (this.policy.lowThresholdPercent > this.policy.highThresholdPercent)
      throw new Error('image GC: the low threshold is above the high one');
    this.now = opts.now ?? Date.now;
  }

  /** Refreshes what images exist and which are in use (kubelet's detectImages). Returns the images in use. */
  async detectImages(): Promise<Set<string>> {
    const now = this.now();
    const images = await this.opts.images.listImages();
    const containers = await this.opts.runtime.listContainers();
    const used = new Set<string>();
    for (const c of containers) {
      for (const r of [c.image, c.imageRef]) {
        if (!r) continue;
        used.add(r);
        try {
          used.add(normalizeImageRef(r));
        } catch {
          /* an id, not a reference */
        }
      }
    }
    const inUse = new Set<string>();
    const seen = new Set<string>();
    for (const img of images) {
      seen.add(img.id);
      const rec = this.records.get(img.id) ?? { firstDetected: now, lastUsed: 0, size: img.size, pinned: !!img.pinned, names: [] };
      rec.size = img.size;
      rec.pinned = !!img.pinned;
      rec.names = namesOf(img);
      if (rec.names.some((n) => used.has(n))) {
        rec.lastUsed = now;
        inUse.add(img.id);
      }
      this.records.set(img.id, rec);
    }
    for (const id of [...this.records.keys()]) if (!seen.has(id)) this.records.delete(id);
    return inUse;
  }

  /** One pass of image GC; returns the bytes freed. */
  async garbageCollect(): Promise<number> {
    const stats = await (this.opts.fsStats ?? this.opts.images.fsStats?.bind(this.opts.images))?.();
    if (!stats || stats.capacity <= 0) return 0;
    const usage = 100 - Math.floor((stats.available * 100) / stats.capacity);
    if (usage < this.policy.highThresholdPercent) {
      await this.detectImages();
      return 0;
    }
    const amountToFree = Math.floor((stats.capacity * (100 - this.policy.lowThresholdPercent)) / 100) - stats.available;
    this.opts.log?.(`image filesystem ${usage}% used (high threshold ${this.policy.highThresholdPercent}%): freeing ${amountToFree} bytes`);
    const freed = await this.freeSpace(amountToFree);
    if (freed < amountToFree) {
      const msg = `Failed to garbage collect required amount of images. Attempted to free ${amountToFree} bytes, but only found ${freed} bytes eligible to free.`;
      this.opts.recorder?.event(
        { kind: 'Node', apiVersion: 'v1', name: this.opts.nodeName, uid: this.opts.nodeName },
        'Warning',
        'FreeDiskSpaceFailed',
        msg,
      );
      this.opts.log?.(msg);
    }
    return freed;
  }

  /** Removes unused images, least recently used first, until bytesToFree are freed. */
  async freeSpace(bytesToFree: number): Promise<number> {
    const inUse = await this.detectImages();
    const now = this.now();
    const candidates = [...this.records.entries()]
      .filter(([id, r]) => !inUse.has(id) && !r.pinned && now - r.firstDetected >= this.policy.minAgeMs)
      .sort((a, b) => a[1].lastUsed - b[1].lastUsed || a[1].firstDetected - b[1].firstDetected);
    let freed = 0;
    for (const [id, r] of candidates) {
      if (freed >= bytesToFree) break;
      this.opts.log?.(`removing image ${id} to free ${r.size} bytes`);
      try {
        await this.opts.images.removeImage({ image: id });
        freed += r.size;
        this.records.delete(id);
      } catch (e) {
        this.opts.log?.(`image GC: removing ${id}: ${(e as Error).message}`);
      }
    }
    return freed;
  }
}
