// How an Ingress controller picks a backend for a request (the Ingress API's rules, as
// ingress-nginx and the Gateway-conformance controllers read them): a rule whose host equals
// the request's host wins over a wildcard rule ("*.example.com" matches exactly one more label),
// which wins over host-less rules; among a host's paths the longest match wins, Exact before
// Prefix at equal length; Prefix matches whole path elements ("/foo" matches "/foo/bar", not
// "/foobar"); ImplementationSpecific is Prefix here. Nothing matched: the default backend of
// the oldest Ingress that has one.

import { objects as arr, isObject, type KObject, str } from '../api/object.js';

export interface Backend {
  namespace: string;
  service: string;
  /** The Service's port, by number or name. */
  port: number | string;
  /** The Ingress it came from (for logs). */
  ingress: string;
}

interface PathRule {
  path: string;
  exact: boolean;
  backend: Backend | undefined;
}

export interface RouteTable {
  exact: Map<string, PathRule[]>;
  wildcard: Map<string, PathRule[]>;
  any: PathRule[];
  defaultBackend: Backend | undefined;
}

function backendOf(b: unknown, ing: KObject): Backend | undefined {
  if (!isObject(b) || !isObject(b.service)) return undefined;
  const port = isObject(b.service.port) ? b.service.port : {};
  const p = typeof port.number === 'number' && port.number > 0 ? port.number : str(port.name);
  return {
    namespace: ing.metadata.namespace ?? 'default',
    service: str(b.service.name),
    port: p,
    ingress: `${ing.metadata.namespace}/${ing.metadata.name}`,
  };
}

/** Builds the table from the Ingresses this controller serves, oldest first (ties broken by name). */
export function buildRoutes(ingresses: KObject[]): RouteTable {
  const sorted = [...ingresses].sort(
    (a, b) =>
      String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? '')) ||
      `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`),
  );
  const table: RouteTable = { exact: new Map(), wildcard: new Map(), any: [], defaultBackend: undefined };
  for (const ing of sorted) {
    const spec = isObject(ing.spec) ? ing.spec : {};
    if (!table.defaultBackend && spec.defaultBackend) table.defaultBackend = backendOf(spec.defaultBackend, ing);
    for (const rule of arr(spec.rules)) {
      const host = str(rule.host).toLowerCase();
      const paths = arr(isObject(rule.http) ? rule.http.paths : undefined).map(
        (p): PathRule => ({
          path: str(p.path) || '/',
          exact: p.pathType === 'Exact',
          backend: backendOf(p.backend, ing),
        }),
      );
      let list: PathRule[];
      if (!host) list = table.any;
      else {
        const map = host.startsWith('*.') ? table.wildcard : table.exact;
        const key = host.startsWith('*.') ? host.slice(2) : host;
        list = map.get(key) ?? [];
        map.set(key, list);
      }
      list.push(...paths);
    }
  }
  return table;
}

/** Prefix matching by path elements: "/foo" and "/foo/" match "/foo", "/foo/" and "/foo/bar". */
export function prefixMatches(prefix: string, path: string): boolean {
  const p = prefix.replace(/\/+$/, '');
  if (p === '') return true;
  return path === p || path.startsWith(`${p}/`);
}

function bestPath(rules: PathRule[], path: string): PathRule | undefined {
  let best: PathRule | undefined;
  let bestLen = -1;
  for (const r of rules) {
    const ok = r.exact ? r.path === path : prefixMatches(r.path, path);
    if (!ok) continue;
    const len = r.exact ? r.path.length : r.path.replace(/\/+$/, '').length;
    if (len > bestLen || (len === bestLen && r.exact && !best?.exact)) {
      best = r;
      bestLen = len;
    }
  }
  return best;
}

/** The request's host without a port, lower-cased ("" when absent). */
export function hostOf(header: string | undefined): string {
  if (!header) return '';
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

/** The backend for a request, or undefined (404). A matched rule whose backend is not a Service also gives undefined. */
export function route(table: RouteTable, host: string, rawPath: string): Backend | undefined {
  const path = rawPath.split('?')[0] || '/';
  const candidates: PathRule[][] = [];
  const exact = table.exact.get(host);
  if (exact) candidates.push(exact);
  const dot = host.indexOf('.');
  if (dot > 0) {
    const wild = table.wildcard.get(host.slice(dot + 1));
    if (wild) candidates.push(wild);
  }
  candidates.push(table.any);
  for (const c of candidates) {
    const r = bestPath(c, path);
    if (r) return r.backend;
  }
  return table.defaultBackend;
}
