// Leases (containerd's leases): what a pull or load in progress has written but no image names
// yet, so that a garbage collection in another process (`k8ts image rm` while the node agent
// pulls) does not take it away. A lease is a file leases/<pid>-<random>.json; leases of
// processes that are gone count for nothing.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readdirOrEmpty } from '../fs/readdir.js';

export class Lease {
  private readonly file: string;
  private readonly content = new Set<string>();
  private readonly snapshots = new Set<string>();
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly dir: string) {
    this.file = path.join(dir, `${process.pid}-${randomBytes(6).toString('hex')}.json`);
  }

  add(kind: 'content' | 'snapshot', id: string): Promise<void> {
    (kind === 'content' ? this.content : this.snapshots).add(id);
    this.writing = this.writing.then(async () => {
      await mkdir(this.dir, { recursive: true });
      const tmp = `${this.file}.tmp`;
      await writeFile(tmp, JSON.stringify({ pid: process.pid, content: [...this.content], snapshots: [...this.snapshots] }));
      await rename(tmp, this.file);
    });
    return this.writing;
  }

  async release(): Promise<void> {
    await this.writing.catch(() => undefined);
    await rm(this.file, { force: true });
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Everything held by live leases; stale lease files are removed on the way. */
export async function leased(dir: string): Promise<{ content: Set<string>; snapshots: Set<string> }> {
  const out = { content: new Set<string>(), snapshots: new Set<string>() };
  const names = await readdirOrEmpty(dir);
  for (const n of names) {
    const m = /^(\d+)-[0-9a-f]+\.json$/.exec(n);
    if (!m) continue;
    const p = path.join(dir, n);
    if (!alive(Number(m[1]))) {
      await rm(p, { force: true });
      continue;
    }
    try {
      const doc = JSON.parse(await readFile(p, 'utf8')) as { content?: string[]; snapshots?: string[] };
      for (const c of doc.content ?? []) out.content.add(c);
      for (const s of doc.snapshots ?? []) out.snapshots.add(s);
    } catch {
      /* being written */
    }
  }
  return out;
}
