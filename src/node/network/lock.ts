// A host-wide lock on a bridge name, held for the life of the node agent that uses the bridge.
//
// Two k8ts instances given the same bridge name would otherwise share one bridge: both hand out
// addresses from their own allocators onto the same link, and the first `down` deletes the bridge
// under the other's pods. A CNI plugin serialises on a lock file per network (libcni's
// disk.Store takes flock on its directory); here the lock is held for as long as the agent lives,
// by a `flock` child whose stdin is a pipe from this process: when the process ends, even by
// kill -9, the pipe closes, the child exits and the kernel drops the lock. No stale lock survives
// a crash, and no pid file is trusted.
//
// The lock's files go when it is let go (removed while still held), so that /run does not
// collect one per bridge name ever used. Removing a lock file is safe only because a taker checks
// that what it locked is still the file at that path: one that opened the file just before it was
// removed locks a file nobody else can see, finds the path gone or another file there, and tries
// again (as lockfile-progs and Go's robustio lock files do).

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const LOCK_DIR = '/run/k8ts';
/** flock's exit code when the lock is held elsewhere (-E). */
const HELD = 75;
/** Takes of a lock file removed between its open and its lock before giving up (each is a race lost). */
const ATTEMPTS = 5;

export class BridgeInUseError extends Error {}

/** The locks this process holds, per bridge name (in-process agents of one bridge share it). */
const held = new Map<string, Promise<{ child: ChildProcess; refs: number }>>();

function lockFile(bridge: string): string {
  return path.join(LOCK_DIR, `bridge-${bridge}.lock`);
}

/**
 * Takes the lock on `bridge` for this process, or fails with BridgeInUseError naming the process
 * that holds it. Returns the release function (the lock also ends with the process).
 */
export async function lockBridge(bridge: string, owner: string): Promise<() => void> {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(bridge)) throw new BridgeInUseError(`invalid bridge name ${JSON.stringify(bridge)}`);
  let pending = held.get(bridge);
  if (!pending) {
    pending = acquire(bridge, owner);
    held.set(bridge, pending);
    pending.catch(() => held.delete(bridge));
  }
  const entry = await pending;
  entry.refs++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--entry.refs > 0) return;
    held.delete(bridge);
    // Removed while still held: a process that opened the file before this finds, once it has
    // the lock, that the path no longer names what it locked, and takes the lock anew.
    for (const f of [`${lockFile(bridge)}.owner`, lockFile(bridge)]) {
      try {
        unlinkSync(f);
      } catch {
        /* already gone */
      }
    }
    entry.child.stdin?.end();
    entry.child.kill();
  };
}

async function acquire(bridge: string, owner: string): Promise<{ child: ChildProcess; refs: number }> {
  mkdirSync(LOCK_DIR, { recursive: true, mode: 0o755 });
  for (let attempt = 1; ; attempt++) {
    const taken = await tryLock(bridge, owner);
    if (taken) return taken;
    if (attempt >= ATTEMPTS)
      throw new BridgeInUseError(`could not lock bridge ${bridge}: its lock file was removed under each of ${ATTEMPTS} takes`);
  }
}

/**
 * One take of the lock: the flock child opens the lock file as fd 9, locks it and prints the
 * inode it locked; undefined when that is no longer the file at the path (removed by a holder
 * letting go in between), so that the caller takes it again.
 */
async function tryLock(bridge: string, owner: string): Promise<{ child: ChildProcess; refs: number } | undefined> {
  const file = lockFile(bridge);
  // cat keeps fd 9 (and so the lock) until this process's end closes its stdin. Which file it
  // locked is read from its fd 9 here, not by a stat process of its own (one process start fewer
  // on the node's way to ready, #13): the shell becomes cat, one pid, fd 9 open throughout.
  const script = `exec 9>>"$1" || exit 1; flock -n -E ${HELD} 9 || exit $?; echo locked; exec cat >/dev/null`;
  const child = spawn('sh', ['-c', script, 'lock', file], { stdio: ['pipe', 'pipe', 'ignore'] });
  const outcome = await new Promise<string | number>((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => resolve(code ?? -1));
  });
  if (typeof outcome === 'number') {
    if (outcome === HELD) {
      let who = 'another process';
      try {
        who = readFileSync(`${file}.owner`, 'utf8').trim();
      } catch {
        /* no owner note */
      }
      throw new BridgeInUseError(
        `bridge ${bridge} is in use by another k8ts instance (${who}); give this one another bridge name (--bridge)`,
      );
    }
    throw new BridgeInUseError(`could not lock bridge ${bridge}: the lock's child exited with ${outcome}`);
  }
  let locked: string | undefined;
  if (outcome === 'locked') {
    try {
      locked = statSync(`/proc/${child.pid}/fd/9`, { bigint: true }).ino.toString();
    } catch {
      /* not readable: not known to be the file at the path */
    }
  }
  let current: string | undefined;
  try {
    current = statSync(file, { bigint: true }).ino.toString();
  } catch {
    /* removed: not the file locked */
  }
  if (locked === undefined || locked !== current) {
    child.stdin!.on('error', () => undefined);
    child.stdin!.end();
    child.kill();
    if (locked === undefined) throw new BridgeInUseError(`could not lock bridge ${bridge}: ${JSON.stringify(outcome)}`);
    return undefined;
  }
  try {
    writeFileSync(`${file}.owner`, `pid ${process.pid}, ${owner}\n`);
  } catch {
    /* the message is only less helpful */
  }
  // The child must not keep this process alive; its pipes close when the process ends.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  child.stdin!.on('error', () => undefined);
  return { child, refs: 0 };
}
