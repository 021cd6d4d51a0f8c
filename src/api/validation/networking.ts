// Ingress and IngressClass validation, after pkg/apis/networking/validation (v1.32): rules or a
// default backend, hosts as DNS names (wildcards only as a leading "*."), paths by pathType,
// backends naming exactly one of a service (with a port name or number) or a resource.

import { items as arr, isObject, type KObject, type Obj, obj, present, str } from '../object.js';
import { child, type FieldError, forbidden, goLiteral, index, invalid, notSupported, required, tooLong } from './field.js';
import { fieldImmutableErrorMsg, validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import {
  isDNS1035Label,
  isDNS1123Subdomain,
  isIP,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
  nameIsDNSSubdomain,
  regexError,
} from './names.js';

export const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

function validateHost(host: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (host.includes('*')) for (const m of isWildcardDNS1123Subdomain(host)) errs.push(invalid(path, host, m));
  else for (const m of isDNS1123Subdomain(host)) errs.push(invalid(path, host, m));
  return errs;
}

/** validateIngressBackend. */
function validateBackend(b: Obj, path: string): FieldError[] {
  const hasResource = present(b.resource);
  const hasService = present(b.service);
  if (hasResource && hasService) return [invalid(path, '', 'cannot set both resource and service backends')];
  const errs: FieldError[] = [];
  if (hasResource) {
    const r = obj(b.resource);
    if (!str(r.kind)) errs.push(required(child(path, 'resource', 'kind')));
    if (!str(r.name)) errs.push(required(child(path, 'resource', 'name')));
    return errs;
  }
  if (!hasService) return [invalid(path, '', 'resource or service backend is required')];
  const svc = obj(b.service);
  const name = str(svc.name);
  if (!name) errs.push(required(child(path, 'service', 'name')));
  else for (const m of isDNS1035Label(name)) errs.push(invalid(child(path, 'service', 'name'), name, m));
  const port = obj(svc.port);
  const portName = str(port.name);
  const portNumber = typeof port.number === 'number' ? port.number : 0;
  if (portName && portNumber !== 0) errs.push(invalid(path, '', 'cannot set both port name & port number'));
  else if (portName) for (const m of isValidPortName(portName)) errs.push(invalid(child(path, 'service', 'port', 'name'), portName, m));
  else if (portNumber !== 0)
    for (const m of isValidPortNum(portNumber)) errs.push(invalid(child(path, 'service', 'port', 'number'), portNumber, m));
  else errs.push(required(path, 'port name or number is required'));
  return errs;
}

/** validateHTTPIngressPath. */
function validatePath(p: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const value = str(p.path);
  const pathField = child(path, 'path');
  if (!present(p.pathType)) {
    errs.push(required(child(path, 'pathType'), 'pathType must be specified'));
  } else if (p.pathType === 'Exact' || p.pathType === 'Prefix') {
    if (!value.startsWith('/')) errs.push(invalid(pathField, value, 'must be an absolute path'));
    if (value.length > 0) {
      for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) errs.push(invalid(pathField, value, `must not contain '${seq}'`));
      for (const suf of INVALID_PATH_SUFFIXES) if (value.endsWith(suf)) errs.push(invalid(pathField, value, `cannot end with '${suf}'`));
    }
  } else if (p.pathType === 'ImplementationSpecific') {
    if (value.length > 0 && !value.startsWith('/')) errs.push(invalid(pathField, value, 'must be an absolute path'));
  } else {
    errs.push(notSupported(child(path, 'pathType'), p.pathType, PATH_TYPES));
  }
  errs.push(...validateBackend(obj(p.backend), child(path, 'backend')));
  return errs;
}

/** validateIngressRules. */
function validateRules(rules: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  rules.forEach((r, i) => {
    const rule = obj(r);
    const host = str(rule.host);
    const hostPath = child(index(path, i), 'host');
    if (host) {
      if (isIP(host)) errs.push(invalid(hostPath, host, 'must be a DNS name, not an IP address'));
      errs.push(...validateHost(host, hostPath));
    }
    if (present(rule.http)) {
      const httpPath = child(index(path, i), 'http');
      const paths = arr(obj(rule.http).paths);
      if (paths.length === 0) errs.push(required(child(httpPath, 'paths')));
      paths.forEach((p, j) => {
        errs.push(...validatePath(obj(p), index(child(httpPath, 'paths'), j)));
      });
    }
  });
  return errs;
}

/** ValidateIngressSpec. */
function validateIngressSpec(specIn: unknown): FieldError[] {
  const spec = obj(specIn);
  const errs: FieldError[] = [];
  const rules = arr(spec.rules);
  if (rules.length === 0 && !present(spec.defaultBackend)) {
    errs.push(
      invalid(
        'spec',
        goLiteral(Array.isArray(spec.rules) ? '[]networking.IngressRule{}' : '[]networking.IngressRule(nil)'),
        'either `defaultBackend` or `rules` must be specified',
      ),
    );
  }
  if (present(spec.defaultBackend)) errs.push(...validateBackend(obj(spec.defaultBackend), 'spec.defaultBackend'));
  if (rules.length > 0) errs.push(...validateRules(rules, 'spec.rules'));
  arr(spec.tls).forEach((t, i) => {
    arr(obj(t).hosts).forEach((h, j) => {
      errs.push(...validateHost(str(h), index(child(index('spec.tls', i), 'hosts'), j)));
    });
  });
  if (present(spec.ingressClassName)) {
    for (const m of isDNS1123Subdomain(str(spec.ingressClassName))) errs.push(invalid('spec.ingressClassName', spec.ingressClassName, m));
  }
  return errs;
}

export function validateIngressCreate(ing: KObject): FieldError[] {
  const errs = [...validateObjectMeta(ing, true, nameIsDNSSubdomain), ...validateIngressSpec(ing.spec)];
  const annotations = ing.metadata.annotations ?? {};
  if (present(obj(ing.spec).ingressClassName) && INGRESS_CLASS_ANNOTATION in annotations) {
    errs.push(
      invalid(
        child('annotations', INGRESS_CLASS_ANNOTATION),
        annotations[INGRESS_CLASS_ANNOTATION],
        'can not be set when the class field is also set',
      ),
    );
  }
  return errs;
}

export function validateIngressUpdate(ing: KObject, old: KObject): FieldError[] {
  return [...validateObjectMetaUpdate(ing, old), ...validateIngressSpec(ing.spec)];
}

/** ValidateIngressStatusUpdate: the load-balancer ingress points. */
export function validateIngressStatusUpdate(ing: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(ing, old);
  arr(obj(obj(ing.status).loadBalancer).ingress).forEach((x, i) => {
    const p = index('status.loadBalancer.ingress', i);
    const lb = obj(x);
    if (present(lb.ip) && !isIP(str(lb.ip))) errs.push(invalid(child(p, 'ip'), lb.ip, 'must be a valid IP address'));
    if (str(lb.hostname)) {
      for (const m of isDNS1123Subdomain(str(lb.hostname))) errs.push(invalid(child(p, 'hostname'), lb.hostname, m));
      if (isIP(str(lb.hostname))) errs.push(invalid(child(p, 'hostname'), lb.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

/** IsDomainPrefixedPath, as the controller field is checked. */
function validateController(controller: string, path: string): FieldError[] {
  if (controller.length > 250) return [tooLong(path, 250)];
  if (!controller) return [required(path)];
  const slash = controller.indexOf('/');
  if (slash < 0) return [invalid(path, controller, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const host = controller.slice(0, slash);
  const rest = controller.slice(slash + 1);
  const errs: FieldError[] = [];
  for (const m of isDNS1123Subdomain(host)) errs.push(invalid(path, host, m));
  if (!/^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(rest))
    errs.push(invalid(path, rest, regexError('Invalid path', "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+")));
  return errs;
}

function validateIngressClassSpec(specIn: unknown): FieldError[] {
  const spec = obj(specIn);
  const errs = validateController(str(spec.controller), 'spec.controller');
  if (present(spec.parameters)) {
    const p = obj(spec.parameters);
    const path = 'spec.parameters';
    if (!str(p.kind)) errs.push(required(child(path, 'kind')));
    if (!str(p.name)) errs.push(required(child(path, 'name')));
    const scope = str(p.scope);
    if (present(p.scope) && scope !== 'Cluster' && scope !== 'Namespace')
      errs.push(notSupported(child(path, 'scope'), p.scope, ['Cluster', 'Namespace']));
    if (scope === 'Namespace' && !str(p.namespace))
      errs.push(required(child(path, 'namespace'), "`parameters.scope` is set to 'Namespace'"));
    if (scope === 'Cluster' && present(p.namespace))
      errs.push(forbidden(child(path, 'namespace'), "`parameters.scope` is set to 'Cluster'"));
  }
  return errs;
}

export function validateIngressClassCreate(ic: KObject): FieldError[] {
  return [...validateObjectMeta(ic, false, nameIsDNSSubdomain), ...validateIngressClassSpec(ic.spec)];
}

export function validateIngressClassUpdate(ic: KObject, old: KObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(ic, old), ...validateIngressClassSpec(ic.spec)];
  if (str(obj(ic.spec).controller) !== str(obj(old.spec).controller))
    errs.push(invalid('spec.controller', str(obj(ic.spec).controller), fieldImmutableErrorMsg));
  return errs;
}

/** SetDefaults_IngressClass: a parameters reference is cluster-scoped unless it says otherwise. */
export function defaultIngressClass(ic: KObject): void {
  const spec = obj(ic.spec);
  if (isObject(spec.parameters) && !present(spec.parameters.scope)) spec.parameters.scope = 'Cluster';
}

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const POLICY_TYPES = ['Egress', 'Ingress'];

/** A CIDR's address and prefix (IPv4 and IPv6 as netutils parses them); undefined when invalid. */
function cidrOf(v: string): { ip: string; prefix: number } | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(v);
  if (!m || !isIP(m[1])) return undefined;
  const prefix = Number(m[2]);
  if (prefix > (m[1].includes(':') ? 128 : 32)) return undefined;
  return { ip: m[1], prefix };
}

function ipv4Int(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** Whether the IPv4 CIDR inner lies strictly inside outer. */
function strictSubset(inner: { ip: string; prefix: number }, outer: { ip: string; prefix: number }): boolean {
  if (inner.ip.includes(':') || outer.ip.includes(':')) return inner.prefix > outer.prefix;
  if (inner.prefix <= outer.prefix) return false;
  const mask = outer.prefix === 0 ? 0 : 2 ** 32 - 2 ** (32 - outer.prefix);
  const and = (n: number) => Number(BigInt(n) & BigInt(mask));
  return and(ipv4Int(inner.ip)) === and(ipv4Int(outer.ip));
}

/** ValidateNetworkPolicyPort. */
function validateNetworkPolicyPort(p: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (present(p.protocol) && !PROTOCOLS.includes(str(p.protocol))) errs.push(notSupported(child(path, 'protocol'), p.protocol, PROTOCOLS));
  if (present(p.port)) {
    if (typeof p.port === 'number') {
      for (const m of isValidPortNum(p.port)) errs.push(invalid(child(path, 'port'), p.port, m));
      if (present(p.endPort)) {
        const end = Number(p.endPort);
        if (end < p.port) errs.push(invalid(child(path, 'endPort'), p.endPort, 'must be greater than or equal to `port`'));
        else for (const m of isValidPortNum(end)) errs.push(invalid(child(path, 'endPort'), p.endPort, m));
      }
    } else {
      if (present(p.endPort)) errs.push(forbidden(child(path, 'endPort'), 'may not be specified when `port` is non-numeric'));
      for (const m of isValidPortName(str(p.port))) errs.push(invalid(child(path, 'port'), p.port, m));
    }
  } else if (present(p.endPort)) {
    errs.push(required(child(path, 'port'), 'must be specified when `endPort` is specified'));
  }
  return errs;
}

/** ValidateNetworkPolicyPeer. */
function validateNetworkPolicyPeer(peer: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let peers = 0;
  if (present(peer.podSelector)) {
    peers++;
    errs.push(...validateLabelSelector(peer.podSelector, child(path, 'podSelector')));
  }
  if (present(peer.namespaceSelector)) {
    peers++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, child(path, 'namespaceSelector')));
  }
  if (present(peer.ipBlock)) {
    peers++;
    const block = obj(peer.ipBlock);
    const bp = child(path, 'ipBlock');
    const cidr = str(block.cidr);
    if (!cidr) errs.push(required(child(bp, 'cidr')));
    else {
      const outer = cidrOf(cidr);
      if (!outer) errs.push(invalid(child(bp, 'cidr'), cidr, `must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`));
      arr(block.except).forEach((e, i) => {
        const ep = index(child(bp, 'except'), i);
        const inner = cidrOf(str(e));
        if (!inner) errs.push(invalid(ep, e, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
        else if (outer && !strictSubset(inner, outer)) errs.push(invalid(ep, e, 'must be a strict subset of `cidr`'));
      });
    }
  }
  if (peers === 0) errs.push(required(path, 'must specify a peer'));
  else if (peers > 1 && present(peer.ipBlock)) errs.push(forbidden(path, 'may not specify both ipBlock and another peer'));
  return errs;
}

/** ValidateNetworkPolicySpec. */
function validateNetworkPolicySpec(specIn: unknown): FieldError[] {
  const spec = obj(specIn);
  const errs = validateLabelSelector(spec.podSelector ?? {}, 'spec.podSelector');
  for (const [kind, peersField] of [
    ['ingress', 'from'],
    ['egress', 'to'],
  ] as const) {
    arr(spec[kind]).forEach((r, i) => {
      const rp = index(`spec.${kind}`, i);
      const rule = obj(r);
      arr(rule.ports).forEach((p, j) => {
        errs.push(...validateNetworkPolicyPort(obj(p), index(child(rp, 'ports'), j)));
      });
      arr(rule[peersField]).forEach((p, j) => {
        errs.push(...validateNetworkPolicyPeer(obj(p), index(child(rp, peersField), j)));
      });
    });
  }
  const types = arr(spec.policyTypes).map(str);
  if (types.length > 2) errs.push(forbidden('spec.policyTypes', 'may not specify more than two policyTypes'));
  else
    types.forEach((t, i) => {
      if (!POLICY_TYPES.includes(t)) errs.push(notSupported(index('spec.policyTypes', i), t, POLICY_TYPES));
    });
  return errs;
}

export function validateNetworkPolicyCreate(np: KObject): FieldError[] {
  return [...validateObjectMeta(np, true, nameIsDNSSubdomain), ...validateNetworkPolicySpec(np.spec)];
}

export function validateNetworkPolicyUpdate(np: KObject, old: KObject): FieldError[] {
  return [...validateObjectMetaUpdate(np, old), ...validateNetworkPolicySpec(np.spec)];
}

/** SetDefaults_NetworkPolicyPort and SetDefaults_NetworkPolicy: TCP ports; policyTypes Ingress, plus Egress when egress rules exist. */
export function defaultNetworkPolicy(np: KObject): void {
  if (!isObject(np.spec)) np.spec = {};
  const spec = np.spec as Obj;
  if (!present(spec.podSelector)) spec.podSelector = {};
  for (const kind of ['ingress', 'egress']) {
    for (const r of arr(spec[kind])) for (const p of arr(obj(r).ports)) if (isObject(p) && !present(p.protocol)) p.protocol = 'TCP';
  }
  if (arr(spec.policyTypes).length === 0) {
    spec.policyTypes = arr(spec.egress).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}
