// A container's environment as the kubelet makes it (kubelet_pods.go makeEnvironmentVariables):
// envFrom first, then env in order (values with $(VAR) expanded against what came before and the
// service variables; valueFrom resolved), then the service variables not already set. Also the
// command line: $(VAR) in command and args, merged with the image's entrypoint and cmd.

import { Quantity } from '../../api/quantity.js';
import type { Container, EnvVar, ObjectFieldSelector, ResourceFieldSelector, Service } from '../../api/types.js';
import type { ImageConfig, KeyValue } from '../runtime/types.js';
import { expand, mappingFor } from './expansion.js';
import {
  type ConfigMapObject,
  DependencyNotFound,
  type ObjectSource,
  type PodObject,
  type SecretObject,
  type ServiceObject,
} from './types.js';

export interface EnvContext {
  pod: PodObject;
  container: Container;
  podIPs: string[];
  hostIPs: string[];
  nodeName: string;
  /** The node's allocatable resources: what limits.* resolve to when the container sets none. */
  allocatable: Record<string, string>;
  source: ObjectSource;
}

/** A failure to build a container's config: the container waits with CreateContainerConfigError. */
export class ContainerConfigError extends Error {}

function envName(s: string): string {
  return s.replace(/-/g, '_').toUpperCase();
}

function serviceIPSet(s: Service): boolean {
  const ip = s.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

/** Docker-link style variables for services (kubelet's envvars.FromServices). */
export function fromServices(services: Service[]): KeyValue[] {
  const out: KeyValue[] = [];
  for (const svc of services) {
    if (!serviceIPSet(svc) || !svc.spec?.ports?.length) continue;
    const prefix = envName(svc.metadata!.name!);
    const ip = svc.spec.clusterIP!;
    out.push({ key: `${prefix}_SERVICE_HOST`, value: ip });
    out.push({ key: `${prefix}_SERVICE_PORT`, value: String(svc.spec.ports[0].port) });
    for (const p of svc.spec.ports) if (p.name) out.push({ key: `${prefix}_SERVICE_PORT_${envName(p.name)}`, value: String(p.port) });
    const hostPort = (port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
    svc.spec.ports.forEach((p, i) => {
      const proto = (p.protocol ?? 'TCP').toLowerCase();
      const url = `${proto}://${hostPort(p.port)}`;
      if (i === 0) out.push({ key: `${prefix}_PORT`, value: url });
      const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      out.push(
        { key: pp, value: url },
        { key: `${pp}_PROTO`, value: proto },
        { key: `${pp}_PORT`, value: String(p.port) },
        { key: `${pp}_ADDR`, value: ip },
      );
    });
  }
  return out;
}

/** The service variables a pod sees: the master service from default always, its namespace's when enableServiceLinks. */
export function serviceEnv(pod: PodObject, source: ObjectSource): Map<string, string> {
  const ns = pod.metadata.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks !== false;
  const chosen = new Map<string, ServiceObject>();
  for (const svc of source.services('default')) {
    if (svc.metadata.name === 'kubernetes' && serviceIPSet(svc)) chosen.set('kubernetes', svc);
  }
  if (links) {
    for (const svc of source.services(ns)) {
      if (!serviceIPSet(svc)) continue;
      // The namespace's own service of a master service's name wins, as in getServiceEnvVarMap.
      if (ns === 'default' && svc.metadata.name === 'kubernetes') continue;
      chosen.set(svc.metadata.name!, svc);
    }
  }
  const names = [...chosen.keys()].sort();
  return new Map(fromServices(names.map((n) => chosen.get(n)!)).map((kv) => [kv.key, kv.value]));
}

/** metadata.labels and metadata.annotations as the downward API writes a map: key="value" lines, sorted. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n');
}

const subscriptRe = /^metadata\.(labels|annotations)\['(.*)'\]$/;

/** A fieldRef's value for the downward API (env and volumes). */
export function podFieldValue(sel: ObjectFieldSelector, pod: PodObject, podIPs: string[], hostIPs: string[]): string {
  const path = sel.fieldPath;
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'metadata.labels':
      return formatMap(pod.metadata.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return hostIPs[0] ?? '';
    case 'status.hostIPs':
      return hostIPs.join(',');
    case 'status.podIP':
      return podIPs[0] ?? '';
    case 'status.podIPs':
      return podIPs.join(',');
  }
  const m = subscriptRe.exec(path);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]] ?? '';
  throw new ContainerConfigError(`unsupported fieldPath: ${path}`);
}

/** A resourceFieldRef's value: the quantity divided by the divisor, rounded up (as ExtractContainerResourceValue). */
export function resourceFieldValue(
  sel: ResourceFieldSelector,
  pod: PodObject,
  container: Container | undefined,
  allocatable: Record<string, string>,
): string {
  const c = sel.containerName
    ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((x) => x.name === sel.containerName)
    : container;
  if (!c) throw new ContainerConfigError(`container ${sel.containerName} not found`);
  const [kind, resource] = sel.resource.split('.', 2) as ['limits' | 'requests', string];
  let q: string | number | undefined = (kind === 'limits' ? c.resources?.limits : c.resources?.requests)?.[resource];
  if (q === undefined && kind === 'limits') q = allocatable[resource];
  const value = Quantity.tryParse(q ?? 0) ?? Quantity.ZERO;
  const divisor = Quantity.tryParse(sel.divisor ?? 1);
  // cpu in milli-units, everything else in whole units, as convertResourceCPUToString and friends.
  const units = (x: Quantity): number => (resource === 'cpu' ? x.milliValue() : x.value());
  const d = divisor && !divisor.isZero() ? units(divisor) : units(Quantity.ONE);
  return String(Math.ceil(units(value) / (d || 1)));
}

function decodeSecret(v: string): string {
  return Buffer.from(v, 'base64').toString('utf8');
}

async function lookup<T extends ConfigMapObject | SecretObject>(
  cache: Map<string, T | null>,
  name: string,
  optional: boolean,
  get: () => Promise<T>,
): Promise<T | undefined> {
  if (cache.has(name)) return cache.get(name) ?? undefined;
  try {
    const o = await get();
    cache.set(name, o);
    return o;
  } catch (e) {
    if (e instanceof DependencyNotFound && optional) {
      cache.set(name, null);
      return undefined;
    }
    if (e instanceof DependencyNotFound) throw new ContainerConfigError(e.message);
    throw e;
  }
}

/** The container's environment, in the kubelet's order; throws ContainerConfigError for a missing dependency. */
export async function makeEnvironment(ctx: EnvContext): Promise<KeyValue[]> {
  const { pod, container, source } = ctx;
  const ns = pod.metadata.namespace ?? 'default';
  const svcEnv = serviceEnv(pod, source);
  const configMaps = new Map<string, ConfigMapObject | null>();
  const secrets = new Map<string, SecretObject | null>();
  const env = new Map<string, string>();

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = await lookup(configMaps, from.configMapRef.name ?? '', from.configMapRef.optional === true, () =>
        source.configMap(ns, from.configMapRef!.name ?? ''),
      );
      if (!cm) continue;
      for (const [k, v] of Object.entries(cm.data ?? {})) env.set(prefix + k, v);
    } else if (from.secretRef) {
      const s = await lookup(secrets, from.secretRef.name ?? '', from.secretRef.optional === true, () =>
        source.secret(ns, from.secretRef!.name ?? ''),
      );
      if (!s) continue;
      for (const [k, v] of Object.entries(s.data ?? {})) env.set(prefix + k, decodeSecret(v));
    }
  }

  const mapping = mappingFor(env, svcEnv);
  for (const ev of container.env ?? []) {
    const v = await envValue(ev, ctx, mapping, configMaps, secrets);
    if (v === undefined) continue;
    env.set(ev.name, v);
  }

  const out: KeyValue[] = [...env].map(([key, value]) => ({ key, value }));
  for (const [key, value] of svcEnv) if (!env.has(key)) out.push({ key, value });
  return out;
}

async function envValue(
  ev: EnvVar,
  ctx: EnvContext,
  mapping: (n: string) => string,
  configMaps: Map<string, ConfigMapObject | null>,
  secrets: Map<string, SecretObject | null>,
): Promise<string | undefined> {
  const { pod, container, source } = ctx;
  const ns = pod.metadata.namespace ?? 'default';
  if (ev.value) return expand(ev.value, mapping);
  const from = ev.valueFrom;
  if (!from) return '';
  if (from.fieldRef) return podFieldValue(from.fieldRef, pod, ctx.podIPs, ctx.hostIPs);
  if (from.resourceFieldRef) return resourceFieldValue(from.resourceFieldRef, pod, container, ctx.allocatable);
  if (from.configMapKeyRef) {
    const ref = from.configMapKeyRef;
    return keyRefValue('ConfigMap', ref, ns, configMaps, () => source.configMap(ns, ref.name ?? ''));
  }
  if (from.secretKeyRef) {
    const ref = from.secretKeyRef;
    const v = await keyRefValue('Secret', ref, ns, secrets, () => source.secret(ns, ref.name ?? ''));
    return v === undefined ? undefined : decodeSecret(v);
  }
  return '';
}

/**
 * A configMapKeyRef's or secretKeyRef's value, as the kubelet's makeEnvironmentVariables reads
 * both: the object (fetched once per container), then its key; an optional ref may miss either.
 */
async function keyRefValue<T extends ConfigMapObject | SecretObject>(
  kind: 'ConfigMap' | 'Secret',
  ref: { name?: string; key: string; optional?: boolean },
  ns: string,
  cache: Map<string, T | null>,
  get: () => Promise<T>,
): Promise<string | undefined> {
  const optional = ref.optional === true;
  const o = await lookup(cache, ref.name ?? '', optional, get);
  if (!o) return undefined;
  const v = o.data?.[ref.key];
  if (v !== undefined || optional) return v;
  throw new ContainerConfigError(`couldn't find key ${ref.key} in ${kind} ${ns}/${ref.name}`);
}

/**
 * The argv the container runs, as the kubelet expands and the runtime merges it: command replaces
 * the image's entrypoint and drops its cmd; args replace cmd.
 */
export function commandLine(container: Container, image: ImageConfig, env: KeyValue[]): { command: string[]; args: string[] } {
  const mapping = mappingFor(new Map(env.map((kv) => [kv.key, kv.value])));
  const command = (container.command ?? []).map((s) => expand(s, mapping));
  const args = (container.args ?? []).map((s) => expand(s, mapping));
  if (command.length) return { command, args };
  return { command: [...image.entrypoint], args: args.length ? args : [...image.cmd] };
}

/** Image env first, the pod's over it (what containerd does with the CRI config's envs). */
export function mergeImageEnv(imageEnv: string[], env: KeyValue[]): KeyValue[] {
  const out = new Map<string, string>();
  for (const e of imageEnv) {
    const i = e.indexOf('=');
    if (i > 0) out.set(e.slice(0, i), e.slice(i + 1));
  }
  for (const kv of env) {
    out.delete(kv.key);
    out.set(kv.key, kv.value);
  }
  return [...out].map(([key, value]) => ({ key, value }));
}
