// The API server's connect subresources: pods/log, pods/exec, pods/attach, pods/portforward,
// pods/proxy and services/proxy. Where each leads is PodLocations' business (locations.ts); the
// relay, UpgradeAwareProxy's (upgradeaware.ts): upgrades (websocket, SPDY) go to the node as
// raw connections both ways, so the streaming protocols themselves live only on the node.
// Kubernetes counterpart: pkg/registry/core/pod/rest (subresources.go, log.go) and the
// connect handler of k8s.io/apiserver/pkg/endpoints/handlers/rest.go.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, StatusError } from '../api/errors.js';
import type { HandlerEnv } from './handlers.js';
import type { KubeletClientTLS } from './kubeletclient.js';
import { type Location, type ObjectLookups, PodLocations } from './locations.js';
import { isUpgrade, UpgradeAwareProxy } from './upgradeaware.js';

export interface ConnectOptions extends ObjectLookups {
  /** One token every node streaming server accepts (Authorization: Bearer); tests' single node. */
  nodeToken?: string;
  /** Or: TLS to each node, verified as that node, with the API server's kubelet client certificate (kubeletclient.ts). */
  kubeletTLS?: KubeletClientTLS;
  /** PEM CA of the node streaming servers; when set, nodes are dialled over TLS. */
  caData?: string;
}

export type ConnectHandlerFn = NonNullable<HandlerEnv['connect']>;

const notFound = () => new StatusError(404, 'NotFound', 'the server could not find the requested resource');

export class ConnectHandler {
  private readonly locations: PodLocations;
  private readonly proxy = new UpgradeAwareProxy();

  constructor(opts: ConnectOptions) {
    this.locations = new PodLocations(opts, opts.kubeletTLS ? { tls: opts.kubeletTLS } : { token: opts.nodeToken }, opts.caData);
  }

  /** For HandlerEnv.connect. */
  readonly handle: ConnectHandlerFn = async (ri, req, res) => {
    const q = new URL(req.url ?? '/', 'http://apiserver').searchParams;
    const ns = ri.namespace ?? 'default';
    const name = ri.name ?? '';
    const sub = ri.subresource;
    const rawUrl = req.url ?? '/';

    if (ri.resource === 'services' && sub === 'proxy') return this.relay(req, res, await this.locations.serviceProxy(ns, name, rawUrl));
    if (ri.resource !== 'pods') throw notFound();
    if (sub === 'proxy') return this.relay(req, res, await this.locations.podProxy(ns, name, rawUrl));
    // rest.go's ConnectResource: connecting is never a dry run.
    if (sub !== 'log' && q.getAll('dryRun').length) throw errors.badRequest('dryRun is not supported');

    switch (sub) {
      case 'log':
        if (req.method !== 'GET') throw errors.methodNotAllowed();
        return this.relay(req, res, await this.locations.log(ns, name, q));
      case 'exec':
      case 'attach': {
        const loc = await this.locations.stream(sub, ns, name, q);
        if (!isUpgrade(req)) throw errors.badRequest('Upgrade request required');
        return this.relay(req, res, loc);
      }
      case 'portforward': {
        const loc = await this.locations.portForward(ns, name, q);
        if (!isUpgrade(req)) throw errors.badRequest('Upgrade request required');
        return this.relay(req, res, loc);
      }
    }
    throw notFound();
  };

  private relay(req: IncomingMessage, res: ServerResponse, loc: Location): Promise<void> {
    return this.proxy.serve(req, res, loc.backend, loc.path);
  }
}

/** The connect handler as a function (what ApiServerOptions.connect takes). */
export function makeConnectHandler(opts: ConnectOptions): ConnectHandlerFn {
  return new ConnectHandler(opts).handle;
}
