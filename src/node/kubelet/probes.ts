// Container probes as the kubelet's prober: one worker per container and probe type, started when
// the container runs and dropped when it is replaced. Results pass failureThreshold and
// successThreshold before they change; a changed result asks for a pod sync (readiness feeds the
// pod's Ready condition, a failed liveness or startup probe gets the container killed and restarted).

import http2 from 'node:http2';
import type { Container, Probe } from '../../api/types.js';
import type { RuntimeService } from '../runtime/types.js';
import { type ActionResult, execIn, httpGet, resolvePort, tcpSocket } from './handlers.js';
import { countProbe, forgetProbe, type ProbeLabels } from './metrics.js';
import type { PodObject } from './types.js';

export type ProbeType = 'liveness' | 'readiness' | 'startup';
export type ProbeResult = 'success' | 'failure' | 'unknown';

export const PROBE_USER_AGENT = 'kube-probe/1.32';

export type ProbeEventSink = (pod: PodObject, container: Container, type: 'Warning' | 'Normal', reason: string, message: string) => void;

export interface ProbeManagerOptions {
  runtime: RuntimeService;
  event: ProbeEventSink;
  /** A probe result changed: the pod should be synced. */
  onChange(podUid: string): void;
}

export interface RunningContainer {
  container: Container;
  containerId: string;
  /** Unix ms the container started. */
  startedAt: number;
}

const TITLE: Record<ProbeType, 'Liveness' | 'Readiness' | 'Startup'> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

class ProbeWorker {
  result: ProbeResult;
  private lastRaw: ProbeResult = 'unknown';
  private run = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** Liveness and startup stop after a failure: the container is about to be replaced. */
  private onHold = false;
  private readonly labels: ProbeLabels;

  constructor(
    private readonly mgr: ProbeManager,
    readonly podUid: string,
    private pod: PodObject,
    private podIP: string,
    readonly target: RunningContainer,
    readonly type: ProbeType,
    readonly spec: Probe,
  ) {
    // The kubelet's initial results: not ready until a probe passes, alive until one fails.
    this.result = type === 'readiness' ? 'failure' : type === 'liveness' ? 'success' : 'unknown';
    this.labels = {
      probe_type: TITLE[type],
      container: target.container.name,
      pod: pod.metadata.name ?? '',
      namespace: pod.metadata.namespace ?? '',
      pod_uid: podUid,
    };
    const delay = Math.max(0, target.startedAt + (spec.initialDelaySeconds ?? 0) * 1000 - Date.now());
    this.timer = setTimeout(() => void this.tick(), delay);
  }

  update(pod: PodObject, podIP: string): void {
    this.pod = pod;
    this.podIP = podIP;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    forgetProbe(this.labels);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.probeOnce();
    } finally {
      if (!this.stopped && !this.onHold && !(this.type === 'startup' && this.result === 'success')) {
        this.timer = setTimeout(() => void this.tick(), Math.max(1, this.spec.periodSeconds ?? 10) * 1000);
      }
    }
  }

  private async probeOnce(): Promise<void> {
    // Liveness and readiness wait for the startup probe to pass.
    if (this.type !== 'startup' && !this.mgr.started(this.target.containerId)) return;
    const r = await this.mgr.runProbe(this.spec, this.target, this.podIP);
    if (this.stopped) return;
    countProbe(this.labels, r.ok ? 'successful' : 'failed');
    const raw: ProbeResult = r.ok ? 'success' : 'failure';
    if (!r.ok) {
      const verb = r.error ? 'errored' : 'failed';
      this.mgr.opts.event(this.pod, this.target.container, 'Warning', 'Unhealthy', `${TITLE[this.type]} probe ${verb}: ${r.output}`);
    }
    this.run = raw === this.lastRaw ? this.run + 1 : 1;
    this.lastRaw = raw;
    if (raw === 'failure' && this.run < (this.spec.failureThreshold ?? 3)) return;
    if (raw === 'success' && this.run < (this.spec.successThreshold ?? 1)) return;
    if (raw !== this.result) {
      this.result = raw;
      this.mgr.opts.onChange(this.podUid);
    }
    if (raw === 'failure' && this.type !== 'readiness') {
      this.run = 0;
      this.onHold = true;
    }
  }
}

export class ProbeManager {
  /** containerId -> type -> worker */
  private readonly workers = new Map<string, Map<ProbeType, ProbeWorker>>();

  constructor(readonly opts: ProbeManagerOptions) {}

  /** Makes the pod's probe workers match its running containers. */
  sync(pod: PodObject, running: RunningContainer[], podIP: string): void {
    const uid = pod.metadata.uid!;
    const live = new Set(running.map((r) => r.containerId));
    for (const [cid, byType] of this.workers) {
      const any = byType.values().next().value as ProbeWorker | undefined;
      if (any?.podUid === uid && !live.has(cid)) this.dropContainer(cid);
    }
    for (const r of running) {
      let byType = this.workers.get(r.containerId);
      if (!byType) this.workers.set(r.containerId, (byType = new Map()));
      const specs: [ProbeType, Probe | undefined][] = [
        ['startup', r.container.startupProbe],
        ['liveness', r.container.livenessProbe],
        ['readiness', r.container.readinessProbe],
      ];
      for (const [type, spec] of specs) {
        const w = byType.get(type);
        if (!spec) continue;
        if (w) w.update(pod, podIP);
        else byType.set(type, new ProbeWorker(this, uid, pod, podIP, r, type, spec));
      }
    }
  }

  /** Whether the container counts as started (its startup probe passed, or it has none). */
  started(containerId: string): boolean {
    const w = this.workers.get(containerId)?.get('startup');
    return !w || w.result === 'success';
  }

  /** Whether the container is ready (its readiness probe passed, or it has none and it started). */
  ready(containerId: string): boolean {
    if (!this.started(containerId)) return false;
    const w = this.workers.get(containerId)?.get('readiness');
    return !w || w.result === 'success';
  }

  /** A liveness or startup failure that should get the container restarted. */
  failed(containerId: string): { type: 'liveness' | 'startup'; probe: Probe } | undefined {
    const byType = this.workers.get(containerId);
    for (const type of ['startup', 'liveness'] as const) {
      const w = byType?.get(type);
      if (w && w.result === 'failure') return { type, probe: w.spec };
    }
    return undefined;
  }

  dropContainer(containerId: string): void {
    for (const w of this.workers.get(containerId)?.values() ?? []) w.stop();
    this.workers.delete(containerId);
  }

  removePod(uid: string): void {
    for (const [cid, byType] of this.workers) {
      const any = byType.values().next().value as ProbeWorker | undefined;
      if (!any || any.podUid === uid) this.dropContainer(cid);
    }
  }

  stop(): void {
    for (const cid of [...this.workers.keys()]) this.dropContainer(cid);
  }

  async runProbe(spec: Probe, target: RunningContainer, podIP: string): Promise<ActionResult> {
    const timeoutMs = Math.max(1, spec.timeoutSeconds ?? 1) * 1000;
    const host = podIP || '127.0.0.1';
    if (spec.httpGet) return httpGet(spec.httpGet, target.container, host, timeoutMs, PROBE_USER_AGENT);
    if (spec.tcpSocket) return tcpSocket(spec.tcpSocket, target.container, host, timeoutMs);
    if (spec.exec) return execIn(this.opts.runtime, target.containerId, spec.exec.command ?? [], Math.max(1, spec.timeoutSeconds ?? 1));
    if (spec.grpc) return grpcHealth(host, resolvePort(spec.grpc.port, target.container), spec.grpc.service ?? '', timeoutMs);
    return { ok: false, output: 'missing probe handler', error: true };
  }
}

/** grpc.health.v1.Health/Check over cleartext HTTP/2: SERVING (1) passes. */
export function grpcHealth(host: string, port: number, service: string, timeoutMs: number): Promise<ActionResult> {
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: ActionResult) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        client.close();
        resolve(r);
      }
    };
    const client = http2.connect(`http://${target}`);
    const timer = setTimeout(
      () => finish({ ok: false, output: `timeout: health rpc did not complete within ${timeoutMs / 1000}s` }),
      timeoutMs,
    );
    client.on('error', (e: NodeJS.ErrnoException) =>
      finish({ ok: false, output: `timeout: failed to connect service "${target}" within ${timeoutMs / 1000}s: ${e.message}` }),
    );
    // HealthCheckRequest { string service = 1; } framed as a gRPC message.
    const svc = Buffer.from(service);
    const msg = svc.length ? Buffer.concat([Buffer.from([0x0a, svc.length]), svc]) : Buffer.alloc(0);
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, msg.length]), msg]);
    const req = client.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const chunks: Buffer[] = [];
    let grpcStatus: string | undefined;
    req.on('response', (h) => {
      if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
    });
    req.on('trailers', (t) => {
      if (t['grpc-status'] !== undefined) grpcStatus = String(t['grpc-status']);
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (grpcStatus && grpcStatus !== '0') return finish({ ok: false, output: `rpc error: code = ${grpcStatus}` });
      const body = Buffer.concat(chunks).subarray(5);
      // HealthCheckResponse { ServingStatus status = 1; }: tag 0x08, then the enum value.
      const status = body.length >= 2 && body[0] === 0x08 ? body[1] : 0;
      if (status === 1) finish({ ok: true, output: '' });
      else
        finish({
          ok: false,
          output: `service unhealthy (responded with "${['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'][status] ?? status}")`,
        });
    });
    req.on('error', (e) => finish({ ok: false, output: e.message }));
    req.end(frame);
  });
}
