// `k8ts logs [--name NAME] [--follow] [--tail N]`: the cluster's own log (control plane, node
// agent, supervisor), as `k3d`/`minikube logs`. --follow keeps reading across rotations.

import fs from 'node:fs';
import { resolveTarget } from './target.js';

function tailStart(fd: number, size: number, lines: number): number {
  // Read backwards in blocks until enough newlines are seen.
  const block = 64 * 1024;
  let pos = size;
  let seen = 0;
  const buf = Buffer.alloc(block);
  while (pos > 0) {
    const len = Math.min(block, pos);
    pos -= len;
    fs.readSync(fd, buf, 0, len, pos);
    for (let i = len - 1; i >= 0; i--) {
      if (buf[i] === 0x0a && pos + i !== size - 1 && ++seen >= lines) return pos + i + 1;
    }
  }
  return 0;
}

export async function logs(o: { name?: string; dataDir?: string; follow?: boolean; tail?: string }, signal?: AbortSignal): Promise<number> {
  const t = resolveTarget(o);
  const file = t.files.log;
  let tail: number | undefined;
  if (o.tail !== undefined) {
    tail = Number(o.tail);
    if (!Number.isInteger(tail) || tail < 0) {
      console.error(`k8ts: --tail must be a whole number, got ${JSON.stringify(o.tail)}`);
      return 2;
    }
  }
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    console.error(`k8ts: no log yet for cluster "${t.name}" (${file}); start it with k8ts up${t.flag}`);
    return 1;
  }
  let ino = fs.fstatSync(fd).ino;
  let pos = tail === undefined ? 0 : tailStart(fd, fs.fstatSync(fd).size, tail);
  const buf = Buffer.alloc(256 * 1024);
  const drain = () => {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n <= 0) return;
      pos += n;
      process.stdout.write(Buffer.from(buf.subarray(0, n)));
    }
  };
  drain();
  if (!o.follow) {
    fs.closeSync(fd);
    return 0;
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      clearInterval(timer);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop);
    const timer = setInterval(() => {
      if (fd >= 0) drain();
      let st: fs.Stats | undefined;
      try {
        st = fs.statSync(file);
      } catch {
        return; /* between rotation's rename and the new file */
      }
      if (st.ino !== ino) {
        // Rotated: the old file is finished (drained above); go on with the new one from its start.
        if (fd >= 0) fs.closeSync(fd);
        fd = -1;
        try {
          fd = fs.openSync(file, 'r');
        } catch {
          return;
        }
        ino = fs.fstatSync(fd).ino;
        pos = 0;
        drain();
      } else if (st.size < pos) {
        pos = 0; // truncated
      }
    }, 200);
  });
  if (fd >= 0) fs.closeSync(fd);
  return 0;
}
