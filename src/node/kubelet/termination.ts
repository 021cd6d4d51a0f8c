// An exited container's termination message, as kubelet's getTerminationMessage and
// readLastStringFromContainerLogs produce it: what the container wrote to its
// terminationMessagePath (at most 4 KiB), or, with terminationMessagePolicy
// FallbackToLogsOnError and a failed exit with nothing written, the last 80 lines of its log
// (at most 2 KiB).

import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import type { ContainerStatus } from '../runtime/types.js';
import { ANNOTATION_TERMINATION_MESSAGE_HOST_PATH, ANNOTATION_TERMINATION_MESSAGE_POLICY } from './types.js';

export const MAX_TERMINATION_MESSAGE = 4 * 1024;
export const MAX_LOG_MESSAGE_LINES = 80;
export const MAX_LOG_MESSAGE_BYTES = 2 * 1024;

async function readHead(file: string, max: number): Promise<string> {
  const fh = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!(await fh.stat()).isFile()) return '';
    const buf = Buffer.alloc(max);
    const { bytesRead } = await fh.read(buf, 0, max, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** The last lines of a CRI-format log, content only (partial lines joined). */
export async function lastLogLines(logPath: string, lines: number, maxBytes: number): Promise<string> {
  let fh;
  try {
    fh = await fs.open(logPath, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return '';
  }
  try {
    const size = (await fh.stat()).size;
    // Enough of the tail for the lines wanted: every line is at most 16 KiB of content plus its prefix.
    const want = Math.min(size, 256 * 1024);
    const buf = Buffer.alloc(want);
    await fh.read(buf, 0, want, size - want);
    const out: string[] = [];
    let partial = '';
    for (const line of buf.toString('utf8').split('\n')) {
      const m = /^\S+ (?:stdout|stderr) ([PF]) (.*)$/.exec(line);
      if (!m) continue;
      partial += m[2];
      if (m[1] === 'F') {
        out.push(partial);
        partial = '';
      }
    }
    let text = out.slice(-lines).join('\n');
    if (out.length) text += '\n';
    const b = Buffer.from(text);
    return b.length > maxBytes ? b.subarray(b.length - maxBytes).toString('utf8') : text;
  } finally {
    await fh.close();
  }
}

export async function terminationMessage(c: ContainerStatus): Promise<string> {
  const file = c.annotations?.[ANNOTATION_TERMINATION_MESSAGE_HOST_PATH];
  let msg = '';
  if (file) msg = await readHead(file, MAX_TERMINATION_MESSAGE).catch(() => '');
  const fallback = c.annotations?.[ANNOTATION_TERMINATION_MESSAGE_POLICY] === 'FallbackToLogsOnError';
  if (!msg && fallback && c.exitCode !== 0 && c.logPath) msg = await lastLogLines(c.logPath, MAX_LOG_MESSAGE_LINES, MAX_LOG_MESSAGE_BYTES);
  return msg;
}
