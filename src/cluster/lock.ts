// One `up` at a time per data dir. Two `k8ts up` started together would otherwise both find no
// CA and no token, both make them, and end with a kubeconfig that trusts a CA the server does not
// use. The lock is a file made with O_EXCL holding the owner's pid and a random nonce; a lock
// whose owner is gone is taken over. Processes the owner starts inherit the nonce (K8TS_LOCK),
// so the control plane it launches works under its parent's lock.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { processAlive } from './process.js';

export interface DirLock {
  /** The environment a child needs to work under this lock. */
  env: Record<string, string>;
  release(): void;
}

const ENV = 'K8TS_LOCK';

function readLock(file: string): { pid: number; nonce: string } | undefined {
  try {
    const [pid, nonce] = fs.readFileSync(file, 'utf8').trim().split(/\s+/);
    return { pid: Number(pid), nonce: nonce ?? '' };
  } catch {
    return undefined;
  }
}

function tryCreate(file: string, nonce: string): boolean {
  // The lock appears whole or not at all: written aside, then linked into place (link fails with
  // EEXIST like O_EXCL). Created empty and written after, a second `up` could read it in between,
  // take the empty file for a dead owner's and break it: two control planes on one data dir.
  const aside = `${file}.${process.pid}.${nonce}`;
  fs.writeFileSync(aside, `${process.pid} ${nonce}\n`, { mode: 0o600 });
  try {
    fs.linkSync(aside, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

/** Removes a lock whose owner is dead, unless another process replaced it meanwhile. */
function breakStale(file: string, seen: { pid: number; nonce: string }): void {
  const aside = `${file}.stale.${process.pid}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return;
  }
  const moved = readLock(aside);
  if (moved && (moved.pid !== seen.pid || moved.nonce !== seen.nonce)) {
    // A live owner took it between our read and the rename: give it back.
    try {
      fs.linkSync(aside, file);
    } catch {
      /* it made another; ours is stale anyway */
    }
  }
  try {
    fs.rmSync(aside);
  } catch {
    /* gone */
  }
}

/**
 * Takes FILE as a lock, waiting while a live process holds it (up to waitMs; onWait is told
 * once who holds it). Inherited locks (K8TS_LOCK names this file's nonce) are already ours.
 */
export async function acquireLock(file: string, opts: { waitMs?: number; onWait?: (pid: number) => void } = {}): Promise<DirLock> {
  const inherited = process.env[ENV];
  if (inherited) {
    const [lockFile, nonce] = [inherited.slice(0, inherited.lastIndexOf('=')), inherited.slice(inherited.lastIndexOf('=') + 1)];
    const held = readLock(file);
    if (lockFile === file && held && held.nonce === nonce) return { env: { [ENV]: inherited }, release: () => undefined };
  }
  const nonce = randomBytes(12).toString('hex');
  const deadline = Date.now() + (opts.waitMs ?? 120_000);
  let told = false;
  for (;;) {
    if (tryCreate(file, nonce)) break;
    const held = readLock(file);
    if (held && (!Number.isInteger(held.pid) || held.pid <= 0 || !processAlive(held.pid))) {
      breakStale(file, held);
      continue;
    }
    if (held && !told) {
      told = true;
      opts.onWait?.(held.pid);
    }
    if (Date.now() > deadline) throw new Error(`${file} is held by pid ${held?.pid ?? '?'}; another k8ts up is starting this cluster`);
    await new Promise((r) => setTimeout(r, 100));
  }
  let released = false;
  return {
    env: { [ENV]: `${file}=${nonce}` },
    release: () => {
      if (released) return;
      released = true;
      const held = readLock(file);
      if (held?.nonce === nonce) {
        try {
          fs.rmSync(file);
        } catch {
          /* gone */
        }
      }
    },
  };
}
