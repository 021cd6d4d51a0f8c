// A host-wide lock on a bridge name, held for the life of the node agent that uses the bridge.
//
// Two k8ts instances given the same bridge name would otherwise share one bridge: both hand out
// addresses from their own allocators onto the same link, and the first `down` deletes the bridge
// under the other's pods. A CNI plugin serialises on a lock file per network (libcni's
// disk.Store takes flock on its directory); here the lock is held for as long as the agent lives,
// by a `flock` child whose stdin is a pipe from this process: when the process ends, even by
// kill -9, the pipe closes, the child exits and the kernel drops the lock. No stale lock survives
// a crash, and no pid file is trusted.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const LOCK_DIR = '/run/k8ts';
/** flock's exit code when the lock is held elsewhere (-E). */
const HELD = 75;

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
    entry.child.stdin?.end();
    entry.child.kill();
  };
}

async function acquire(bridge: string, owner: string): Promise<{ child: ChildProcess; refs: number }> {
  mkdirSync(LOCK_DIR, { recursive: true, mode: 0o755 });
  const file = lockFile(bridge);
  const child = spawn('flock', ['-n', '-E', String(HELD), file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const outcome = await new Promise<'locked' | number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', () => resolve('locked'));
    child.once('exit', (code) => resolve(code ?? -1));
  });
  if (outcome !== 'locked') {
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
    throw new BridgeInUseError(`could not lock bridge ${bridge}: flock exited with ${outcome}`);
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
