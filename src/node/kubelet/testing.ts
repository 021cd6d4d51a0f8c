// A node agent on the fake runtime against an in-process API server: the harness of the agent's tests.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { KObject } from '../../api/object.js';
import { PODS, type Pod } from '../../api/types.js';
import type { RestClient } from '../../client/index.js';
import { startTestControlPlane, type TestControlPlane } from '../../testing/controlplane.js';
import { waitFor } from '../../testing/wait.js';
import { NodeAgent, type NodeAgentOptions } from '../agent.js';
import { FakeImageService, FakeRuntime } from '../runtime/fake.js';
import type { ImageService, RuntimeService } from '../runtime/types.js';
import type { PodObject } from './types.js';

export const NODE = 'node-1';

export interface Harness {
  cp: TestControlPlane;
  client: RestClient;
  runtime: FakeRuntime;
  images: FakeImageService;
  agent: NodeAgent;
  rootDir: string;
  /** Starts another agent on the same runtime (after stopping the first: a restart). */
  newAgent(extra?: Partial<NodeAgentOptions>): NodeAgent;
  createPod(pod: Partial<Pod> & { metadata: { name: string } }, namespace?: string): Promise<PodObject>;
  getPod(name: string, namespace?: string): Promise<PodObject>;
  waitPod(name: string, what: string, cond: (p: PodObject) => boolean, timeoutMs?: number, namespace?: string): Promise<PodObject>;
  events(name: string, namespace?: string): Promise<{ reason: string; message: string; type: string; fieldPath?: string }[]>;
  waitEvent(name: string, reason: string, match?: string | RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startHarness(
  opts: Partial<NodeAgentOptions> & { runtime?: RuntimeService; images?: ImageService } = {},
): Promise<Harness> {
  const cp = await startTestControlPlane();
  const rootDir = await fs.mkdtemp(path.join(os.tmpdir(), 'k8ts-agent-'));
  const runtime = (opts.runtime as FakeRuntime | undefined) ?? new FakeRuntime();
  const images = (opts.images as FakeImageService | undefined) ?? new FakeImageService();
  const agents: NodeAgent[] = [];
  const logs: string[] = [];
  const newAgent = (extra: Partial<NodeAgentOptions> = {}): NodeAgent => {
    const a = new NodeAgent({
      client: cp.newClient('kubelet'),
      nodeName: NODE,
      runtime,
      images,
      nodeIP: '127.0.0.1',
      rootDir,
      podCIDR: '10.244.0.0/24',
      kubeletPort: 10250,
      crashBackoff: { initialMs: 200, maxMs: 1600 },
      plegPeriodMs: 50,
      housekeepingMs: 300,
      nodeStatusUpdateMs: 200,
      leaseRenewMs: 200,
      log: (m) => logs.push(m),
      ...opts,
      ...extra,
    });
    agents.push(a);
    return a;
  };
  const agent = newAgent();
  const client = cp.client;
  try {
    await agent.start();
  } catch (e) {
    await cp.stop();
    throw e;
  }
  const getPod = (name: string, namespace = 'default') => client.get<PodObject>({ ...PODS, namespace, name });
  const h: Harness = {
    cp,
    client,
    runtime: runtime as FakeRuntime,
    images: images as FakeImageService,
    agent,
    rootDir,
    newAgent,
    async createPod(pod, namespace = 'default') {
      const body = {
        apiVersion: 'v1',
        kind: 'Pod',
        ...pod,
        metadata: { namespace, ...pod.metadata },
        spec: { nodeName: NODE, containers: [{ name: 'app', image: 'busybox:1.36' }], ...(pod.spec ?? {}) },
      };
      return client.create<PodObject>({ ...PODS, namespace }, body);
    },
    getPod,
    async waitPod(name, what, cond, timeoutMs = 10_000, namespace = 'default') {
      let last: PodObject | undefined;
      try {
        await waitFor(
          `pod ${name}: ${what}`,
          async () => {
            last = await getPod(name, namespace).catch(() => undefined);
            return !!last && cond(last);
          },
          timeoutMs,
        );
      } catch (e) {
        throw new Error(
          `${(e as Error).message}\nlast status: ${JSON.stringify(last?.status, null, 1)}\nagent log: ${logs.slice(-10).join('\n')}`,
        );
      }
      return last!;
    },
    async events(name, namespace = 'default') {
      const list = await client.list({ group: '', version: 'v1', resource: 'events', namespace });
      return list.items
        .filter((e: KObject) => (e.involvedObject as { name?: string }).name === name)
        .map((e: KObject) => ({
          reason: e.reason as string,
          message: e.message as string,
          type: e.type as string,
          fieldPath: (e.involvedObject as { fieldPath?: string }).fieldPath,
        }));
    },
    async waitEvent(name, reason, match, timeoutMs = 10_000) {
      await waitFor(
        `event ${reason} ${match ?? ''} on ${name}`,
        async () =>
          (await h.events(name)).some(
            (e) =>
              e.reason === reason && (match === undefined || (typeof match === 'string' ? e.message === match : match.test(e.message))),
          ),
        timeoutMs,
      );
    },
    async stop() {
      for (const a of agents) await a.stop({ killPods: true }).catch(() => {});
      (runtime as FakeRuntime).close?.();
      await cp.stop();
      await fs.rm(rootDir, { recursive: true, force: true });
    },
  };
  return h;
}

export function containerStatus(p: PodObject, name = 'app') {
  return (p.status?.containerStatuses ?? []).find((c) => c.name === name);
}

export function cond(p: PodObject, type: string): string | undefined {
  return p.status?.conditions?.find((c) => c.type === type)?.status;
}
