// A FleetLock server built into k8ts (what poseidon/fleetlock is beside a Kubernetes cluster):
// machines that update themselves (Fedora CoreOS's Zincati, Flatcar's locksmith) ask it before
// rebooting; it grants at most `slots` reboots per group at once, and drains the machine's node
// first. It is a client of the cluster like any controller: the semaphore is a ConfigMap
// (semaphore.ts), the drain goes through the eviction API (drain.ts).

import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { KObject } from '../api/object.js';
import { NODES } from '../api/types.js';
import type { RestClient } from '../client/rest.js';
import { cordon, drainStep, uncordon } from './drain.js';
import {
  type ClientParams,
  decodeClientParams,
  FleetLockError,
  MAX_BODY_BYTES,
  PRE_REBOOT,
  PROTOCOL_HEADER,
  type ReplyKind,
  STATUS_OF,
  STEADY_STATE,
} from './protocol.js';
import { RebootSemaphore } from './semaphore.js';

/** Zincati's application id: its machine ids are systemd app-specific ids under it. */
const ZINCATI_APP_ID = 'de35106b6ec24688b63afddaa156679b';

/**
 * The id Zincati sends for a machine: systemd's app-specific id (sd_id128_get_machine_app_specific),
 * HMAC-SHA256 of the app id keyed with the machine id, cut to 128 bits and marked a v4 UUID.
 */
export function zincatiId(machineID: string): string | undefined {
  const hex = machineID.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) return undefined;
  const sum = createHmac('sha256', Buffer.from(hex, 'hex')).update(Buffer.from(ZINCATI_APP_ID, 'hex')).digest();
  sum[6] = (sum[6] & 0x0f) | 0x40;
  sum[8] = (sum[8] & 0x3f) | 0x80;
  return sum.subarray(0, 16).toString('hex');
}

interface NodeObject extends KObject {
  status?: { nodeInfo?: { machineID?: string } };
}

export interface FleetLockServerOptions {
  client: RestClient;
  /** Reboots per group at once (default 1). */
  slots?: number;
  /** Serve HTTPS with this certificate (PEM). */
  tls?: { cert: string; key: string };
  log?: (msg: string) => void;
}

export class FleetLockServer {
  readonly semaphore: RebootSemaphore;
  private server?: http.Server;
  private readonly log: (msg: string) => void;
  /** One operation per group at a time in this process (the CAS guards across processes). */
  private readonly queues = new Map<string, Promise<unknown>>();
  url = '';

  constructor(private readonly o: FleetLockServerOptions) {
    this.semaphore = new RebootSemaphore(o.client, o.slots ?? 1);
    this.log = o.log ?? (() => undefined);
  }

  async start(host: string, port: number): Promise<string> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.handle(req, res).catch((e) => {
        this.log(`fleetlock: ${(e as Error).message}`);
        if (!res.headersSent) this.reply(res, 'internal_error', (e as Error).message);
        else res.destroy();
      });
    };
    const server = this.o.tls ? https.createServer({ cert: this.o.tls.cert, key: this.o.tls.key }, handler) : http.createServer(handler);
    server.requestTimeout = 30_000;
    server.headersTimeout = 10_000;
    server.on('clientError', (_e, socket) => socket.destroy());
    server.listen(port, host);
    await once(server, 'listening');
    this.server = server;
    await this.semaphore
      .applySlots()
      .catch((e) => this.log(`fleetlock: could not set the slots of existing groups: ${(e as Error).message}`));
    const addr = server.address() as AddressInfo;
    const h = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
    this.url = `${this.o.tls ? 'https' : 'http'}://${h}:${addr.port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections?.();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private reply(res: http.ServerResponse, kind: ReplyKind, value: string): void {
    const body = JSON.stringify({ kind, value });
    res.writeHead(STATUS_OF[kind], {
      'content-type': 'application/json',
      'x-content-type-options': 'nosniff',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  private ok(res: http.ServerResponse, text: string): void {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/-/healthy') return this.ok(res, 'ok');
    if (path !== PRE_REBOOT && path !== STEADY_STATE)
      return this.reply(res, 'not_found', `no FleetLock operation at ${path.slice(0, 200)} (${PRE_REBOOT}, ${STEADY_STATE})`);
    if (req.method !== 'POST') return this.reply(res, 'method_not_allowed', `${req.method} is not allowed: FleetLock operations are POST`);
    if (String(req.headers[PROTOCOL_HEADER] ?? '').toLowerCase() !== 'true')
      return this.reply(res, 'missing_header', `missing header "${PROTOCOL_HEADER}: true"`);
    let params: ClientParams;
    try {
      params = decodeClientParams(await readBody(req));
    } catch (e) {
      if (e instanceof FleetLockError) return this.reply(res, e.kind, e.message);
      throw e;
    }
    try {
      const text = await this.serialized(params.group, () => (path === PRE_REBOOT ? this.preReboot(params) : this.steadyState(params)));
      this.ok(res, text);
    } catch (e) {
      if (e instanceof FleetLockError) return this.reply(res, e.kind, e.message);
      throw e;
    }
  }

  private serialized<T>(group: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(group) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    this.queues.set(group, next);
    void next
      .catch(() => undefined)
      .then(() => {
        if (this.queues.get(group) === next) this.queues.delete(group);
      });
    return next;
  }

  /** The Node whose machine is `id`: its machineID as given, or Zincati's app-specific id of it. */
  async nodeOf(id: string): Promise<string | undefined> {
    const nodes = await this.o.client.list<NodeObject>({ ...NODES });
    const want = id.toLowerCase();
    for (const n of nodes.items) {
      const m = n.status?.nodeInfo?.machineID;
      if (!m) continue;
      if (m.toLowerCase() === want || zincatiId(m) === want) return n.metadata.name;
    }
    return undefined;
  }

  /** RecursiveLock, then the drain: granted only once the node holds nothing that must move. */
  private async preReboot({ id, group }: ClientParams): Promise<string> {
    const got = await this.semaphore.lock(group, id);
    if (got === 'full') {
      const s = await this.semaphore.state(group);
      throw new FleetLockError(
        'locked',
        `all ${s.slots} reboot slot(s) of group ${group} are held (by ${s.holders.join(', ') || 'nobody'})`,
      );
    }
    if (got === 'acquired') this.log(`fleetlock: ${id} took a reboot slot of group ${group}`);
    const node = await this.nodeOf(id);
    if (!node) return `reboot slot of group ${group} held by ${id} (no node of this cluster has that machine id: nothing to drain)`;
    await cordon(this.o.client, node);
    const progress = await drainStep(this.o.client, node);
    if (progress.remaining.length > 0) {
      const why = progress.refused.length ? `; refused: ${progress.refused.slice(0, 3).join('; ')}` : '';
      throw new FleetLockError(
        'drain_in_progress',
        `draining node ${node}: ${progress.remaining.length} pod(s) left (${progress.remaining.slice(0, 5).join(', ')})${why}`,
      );
    }
    this.log(`fleetlock: node ${node} (${id}) drained; reboot granted`);
    return `reboot slot of group ${group} held by ${id}; node ${node} is drained`;
  }

  /** UnlockIfHeld: the node is made schedulable again, then the slot is freed. */
  private async steadyState({ id, group }: ClientParams): Promise<string> {
    const s = await this.semaphore.state(group);
    if (!s.holders.includes(id)) return `steady state: ${id} holds no reboot slot of group ${group}`;
    const node = await this.nodeOf(id);
    if (node) await uncordon(this.o.client, node);
    await this.semaphore.unlock(group, id);
    this.log(`fleetlock: ${id} released its reboot slot of group ${group}${node ? `; node ${node} uncordoned` : ''}`);
    return `steady state: ${id} released its reboot slot of group ${group}`;
  }
}

/** Past this much, an oversized body is not even read to its end: the connection is dropped. */
const DISCARD_LIMIT = 4 * 1024 * 1024;

/**
 * The request body, refused past MAX_BODY_BYTES. An oversized body is read to its end (and
 * thrown away) so that the client, still sending, gets the refusal rather than a reset, up to
 * DISCARD_LIMIT; a larger one has its connection dropped.
 */
function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > DISCARD_LIMIT) {
        req.destroy();
        return;
      }
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES)
        reject(new FleetLockError('failed_decoding_request', `request body is larger than ${MAX_BODY_BYTES} bytes`));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
    req.on('close', () => reject(new FleetLockError('failed_decoding_request', 'the request ended before its body')));
  });
}
