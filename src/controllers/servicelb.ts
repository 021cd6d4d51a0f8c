// The LoadBalancer address allocator, as k3s's ServiceLB and MetalLB's controller are to a
// cluster without a cloud: a Service of type LoadBalancer (whose loadBalancerClass is unset or
// ours) gets one address from a configured pool, written to status.loadBalancer.ingress; the
// node's service proxy makes that address answer (a /32 on the node, DNAT to the endpoints).
// An address is free again when its service is deleted, stops being a LoadBalancer or moves to
// another class; with the pool exhausted a service stays pending (EXTERNAL-IP <pending>) with
// a Warning event, and gets an address as soon as one is released. A class k8ts does not own is
// left alone, as the cloud service controller leaves it to that class's controller.
// Which address a service holds is read back from the services' own status (level-triggered,
// nothing kept aside), so a restarted controller keeps every assignment.

import { type AddressPool, poolContains } from '../api/addresspool.js';
import { intToIp } from '../api/net.js';
import type { Service } from '../api/types.js';
import { SERVICES } from '../api/types.js';
import { Controller, type ControllerOptions } from '../client/controller.js';
import type { Informer, SharedInformerFactory } from '../client/informer.js';
import { isApiError, type RestClient } from '../client/rest.js';

/** The loadBalancerClass this controller owns; services without a class are also its own. */
export const SERVICE_LB_CLASS = 'k8ts.io/service-lb';

export { type AddressPool, defaultLoadBalancerPool, parseAddressPool, poolContains } from '../api/addresspool.js';

export interface ServiceLBOptions extends ControllerOptions {
  pool: AddressPool;
}

function isOurs(svc: Service): boolean {
  const cls = svc.spec?.loadBalancerClass;
  return svc.spec?.type === 'LoadBalancer' && (cls === undefined || cls === '' || cls === SERVICE_LB_CLASS);
}

function ingressIPs(svc: Service): string[] {
  return (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter((ip) => ip !== '');
}

function key(svc: Service): string {
  return `${svc.metadata.namespace}/${svc.metadata.name}`;
}

/** Older first (then by name): who keeps an address two services both claim. */
function older(a: Service, b: Service): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  return ta < tb ? -1 : ta > tb ? 1 : key(a) < key(b) ? -1 : 1;
}

export class ServiceLBController extends Controller {
  private readonly services: Informer<Service>;
  /** Addresses written but maybe not yet in the cache: key -> ip (so one is never handed out twice). */
  private readonly recent = new Map<string, string>();

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    private readonly opts: ServiceLBOptions,
  ) {
    // One worker: allocation reads and writes one shared set of addresses.
    super('service-lb-controller', client, 'service-lb-controller', { ...opts, workers: 1 });
    this.services = factory.informerFor<Service>(SERVICES);
    this.services.addEventHandler({
      onAdd: (s) => this.loop.enqueue(key(s)),
      onUpdate: (o, n) => {
        this.loop.enqueue(key(n));
        // An address released (a service left the pool's users): pending services may now get it.
        if (ingressIPs(o).length && (!isOurs(n) || !ingressIPs(n).length)) this.enqueuePending();
      },
      onDelete: (s) => {
        this.recent.delete(key(s));
        if (ingressIPs(s).length) this.enqueuePending();
      },
    });
  }

  private enqueuePending(): void {
    for (const s of this.services.list()) if (isOurs(s) && !ingressIPs(s).length) this.loop.enqueue(key(s));
  }

  /** Addresses of the pool held by services other than `self`, and by whom. */
  private holders(self: string): Map<string, Service> {
    const out = new Map<string, Service>();
    for (const s of [...this.services.list()].sort(older)) {
      if (key(s) === self || !isOurs(s)) continue;
      for (const ip of ingressIPs(s)) if (poolContains(this.opts.pool, ip) && !out.has(ip)) out.set(ip, s);
    }
    return out;
  }

  async reconcile(k: string): Promise<void> {
    const [namespace, name] = k.split('/');
    const svc = this.services.getByName(namespace, name);
    if (!svc) {
      this.recent.delete(k);
      return;
    }
    const held = ingressIPs(svc);
    if (!isOurs(svc)) {
      this.recent.delete(k);
      // No longer a LoadBalancer: an address of ours is taken back. Another class's is its own business.
      if (svc.spec?.type !== 'LoadBalancer' && held.some((ip) => poolContains(this.opts.pool, ip))) {
        await this.writeStatus(svc, []);
        this.recorder.event(
          svc,
          'Normal',
          'IPReleased',
          `Released IP ${JSON.stringify(held)} (the service is no longer of type LoadBalancer)`,
        );
      }
      return;
    }
    const taken = this.holders(k);
    for (const [other, ip] of this.recent) {
      if (other === k) continue;
      const s = this.services.getByName(...(other.split('/') as [string, string]));
      if (s && isOurs(s) && !ingressIPs(s).includes(ip)) taken.set(ip, s);
    }
    const mine = held.find((ip) => poolContains(this.opts.pool, ip) && (!taken.has(ip) || older(svc, taken.get(ip)!) < 0));
    const requested = svc.spec?.loadBalancerIP;
    if (mine && (!requested || requested === mine)) {
      if (held.length !== 1) await this.writeStatus(svc, [mine]);
      this.recent.delete(k);
      return;
    }
    let ip: string | undefined;
    if (requested) {
      // spec.loadBalancerIP (deprecated, still honoured by MetalLB and k3s): that address or none.
      if (!poolContains(this.opts.pool, requested))
        return this.fail(svc, `requested IP "${requested}" is not in the pool ${this.opts.pool.text}`);
      if (taken.has(requested))
        return this.fail(svc, `requested IP "${requested}" is already in use by service "${key(taken.get(requested)!)}"`);
      ip = requested;
    } else {
      ip = this.firstFree(taken);
      if (!ip) return this.fail(svc, `no available IPs in the pool ${this.opts.pool.text}`);
    }
    this.recent.set(k, ip);
    await this.writeStatus(svc, [ip]);
    this.recorder.event(svc, 'Normal', 'IPAllocated', `Assigned IP ["${ip}"]`);
  }

  private firstFree(taken: Map<string, Service>): string | undefined {
    for (const r of this.opts.pool.ranges) {
      // Bounded by the pool's size; pools are small (a /16 at most is sensible).
      for (let n = r.first; n <= r.last; n++) {
        const ip = intToIp(n);
        if (!taken.has(ip)) return ip;
      }
    }
    return undefined;
  }

  private async fail(svc: Service, why: string): Promise<void> {
    // Pending: any address it shows is not one it may keep.
    if (ingressIPs(svc).length) await this.writeStatus(svc, []);
    this.recent.delete(key(svc));
    this.recorder.event(svc, 'Warning', 'AllocationFailed', `Failed to allocate IP for "${key(svc)}": ${why}`);
  }

  private async writeStatus(svc: Service, ips: string[]): Promise<void> {
    const next: Service = {
      ...structuredClone(svc),
      status: { ...(svc.status ?? {}), loadBalancer: ips.length ? { ingress: ips.map((ip) => ({ ip, ipMode: 'VIP' })) } : {} },
    };
    try {
      await this.client.update({ ...SERVICES, namespace: svc.metadata.namespace, name: svc.metadata.name, subresource: 'status' }, next);
    } catch (e) {
      // Changed or deleted meanwhile: its event brings it back here with the new state.
      if (isApiError(e) && (e.code === 409 || e.code === 404)) {
        this.recent.delete(key(svc));
        return;
      }
      throw e;
    }
  }
}
