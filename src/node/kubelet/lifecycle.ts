// Lifecycle hooks (postStart, preStop) as the kubelet's handler runner runs them, with its messages.

import type { Container, LifecycleHandler } from '../../api/types.js';
import type { RuntimeService } from '../runtime/types.js';
import { execIn, httpGet, sleep, tcpSocket } from './handlers.js';
import { formatPod, type PodObject } from './types.js';

export interface HookContext {
  runtime: RuntimeService;
  pod: PodObject;
  container: Container;
  containerId: string;
  podIP: string;
  /** The most the hook may take, in seconds (the grace period for preStop). */
  timeoutSeconds: number;
  signal?: AbortSignal;
}

/** Runs a hook; resolves with an error message when it failed. */
export async function runHook(h: LifecycleHandler, ctx: HookContext): Promise<string | undefined> {
  const who = `for Container "${ctx.container.name}" in Pod "${formatPod(ctx.pod)}"`;
  const timeoutMs = Math.max(1, ctx.timeoutSeconds) * 1000;
  if (h.exec) {
    const cmd = h.exec.command ?? [];
    const r = await execIn(ctx.runtime, ctx.containerId, cmd, ctx.timeoutSeconds);
    if (r.ok) return undefined;
    return `Exec lifecycle hook ([${cmd.join(' ')}]) ${who} failed - error: ${r.error ? r.output : 'command terminated with non-zero exit code'}, message: ${JSON.stringify(r.error ? '' : r.output)}`;
  }
  if (h.httpGet) {
    const r = await httpGet(h.httpGet, ctx.container, ctx.podIP || '127.0.0.1', timeoutMs, 'kube-lifecycle/1.32');
    if (r.ok) return undefined;
    return `HTTP lifecycle hook (${h.httpGet.path ?? ''}) ${who} failed - error: ${r.output}`;
  }
  if (h.sleep) {
    await sleep(Math.min(h.sleep.seconds, ctx.timeoutSeconds) * 1000, ctx.signal);
    return undefined;
  }
  if (h.tcpSocket) {
    // Deprecated and never run by the kubelet; kept as a no-op, as it does.
    void tcpSocket;
    return undefined;
  }
  return `lifecycle hook ${who} has no handler`;
}
