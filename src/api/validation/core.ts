// Service, ConfigMap, Secret, Namespace, Node, Endpoints, ServiceAccount and Event validation,
// after pkg/apis/core/validation.

import { isObject, type KObject, objectsAt as list, type Obj, obj, text as str } from '../object.js';
import { semanticEqual } from './compare.js';
import * as field from './field.js';
import { fieldImmutableErrorMsg, validateLabelName, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import {
  invalidIPMessage,
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isIP,
  isIPv4,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
} from './names.js';

const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : []);

const supportedPortProtocols = ['SCTP', 'TCP', 'UDP'];
/** core.MaxSecretSize, which also bounds ConfigMaps. */
const maxSecretSize = 1024 * 1024;

// ---- Service ---------------------------------------------------------------------------

const isHeadless = (spec: Obj): boolean => strs(spec.clusterIPs)[0] === 'None' || spec.clusterIP === 'None';
const externallyAccessible = (spec: Obj): boolean =>
  spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && strs(spec.externalIPs).length > 0);

function goServicePort(p: { protocol: string; port: unknown }): unknown {
  return field.goLiteral(
    `core.ServicePort{Name:"", Protocol:${JSON.stringify(p.protocol)}, AppProtocol:(*string)(nil), Port:${Number(p.port ?? 0)}, TargetPort:${field.goIntOrString(0)}, NodePort:0}`,
  );
}

function validateServicePort(sp: Obj, requireName: boolean, names: Set<string>, path: string): field.FieldError[] {
  const errs: field.FieldError[] = [];
  const name = str(sp.name);
  if (requireName && !name) errs.push(field.required(field.child(path, 'name')));
  else if (name) {
    errs.push(...isDNS1123Label(name).map((m) => field.invalid(field.child(path, 'name'), name, m)));
    if (names.has(name)) errs.push(field.duplicate(field.child(path, 'name'), name));
    else names.add(name);
  }
  for (const m of isValidPortNum(Number(sp.port ?? 0))) errs.push(field.invalid(field.child(path, 'port'), Number(sp.port ?? 0), m));
  if (!sp.protocol) errs.push(field.required(field.child(path, 'protocol')));
  else if (!supportedPortProtocols.includes(str(sp.protocol)))
    errs.push(field.notSupported(field.child(path, 'protocol'), sp.protocol, supportedPortProtocols));
  const tp = sp.targetPort;
  if (typeof tp === 'number') errs.push(...isValidPortNum(tp).map((m) => field.invalid(field.child(path, 'targetPort'), tp, m)));
  else errs.push(...isValidPortName(str(tp)).map((m) => field.invalid(field.child(path, 'targetPort'), str(tp), m)));
  if (sp.appProtocol !== undefined && sp.appProtocol !== null) {
    errs.push(...isQualifiedName(str(sp.appProtocol)).map((m) => field.invalid(field.child(path, 'appProtocol'), str(sp.appProtocol), m)));
  }
  return errs;
}

function validateClusterIPsRelated(spec: Obj): field.FieldError[] {
  if (spec.type === 'ExternalName') return [];
  const errs: field.FieldError[] = [];
  const ips = strs(spec.clusterIPs);
  const ipsValue = field.goLiteral(field.goStringSlice(Array.isArray(spec.clusterIPs) ? ips : null));
  if (spec.clusterIP) {
    if (ips.length === 0) errs.push(field.required('spec.clusterIPs'));
    else if (ips[0] !== spec.clusterIP) errs.push(field.invalid('spec.clusterIPs', ipsValue, 'first value must match `clusterIP`'));
  } else if (ips.length > 0) {
    errs.push(field.invalid('spec.clusterIPs', ipsValue, 'must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  strs(spec.ipFamilies).forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(field.notSupported(field.index('spec.ipFamilies', i), f, ['IPv4', 'IPv6']));
    if (seen.has(f)) errs.push(field.duplicate(field.index('spec.ipFamilies', i), f));
    seen.add(f);
  });
  if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) {
    const supported = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
    if (!supported.includes(str(spec.ipFamilyPolicy))) errs.push(field.notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, supported));
  }
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) errs.push(field.invalid('spec.clusterIPs', ipsValue, "'None' must be the first and only value"));
      return;
    }
    if (!isIP(ip)) errs.push(field.invalid(field.index('spec.clusterIPs', i), ip, invalidIPMessage));
  });
  if (ips.length > 2) errs.push(field.invalid('spec.clusterIPs', ipsValue, 'may only hold up to 2 values'));
  return errs;
}

function validateService(svc: KObject): field.FieldError[] {
  const spec = obj(svc.spec);
  const errs = validateObjectMeta(svc, true, nameIsDNS1035Label);
  const ports = list(spec.ports);
  const type = str(spec.type);
  if (ports.length === 0 && !isHeadless(spec) && type !== 'ExternalName') errs.push(field.required('spec.ports'));
  const ips = strs(spec.clusterIPs);
  if ((type === 'LoadBalancer' || type === 'NodePort') && isHeadless(spec)) {
    errs.push(field.invalid('spec.clusterIPs[0]', ips[0] ?? 'None', `may not be set to 'None' for ${type} services`));
  }
  if (type === 'ExternalName') {
    if (ips.length > 0) errs.push(field.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (strs(spec.ipFamilies).length > 0) errs.push(field.forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null)
      errs.push(field.forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    const cname = str(spec.externalName).replace(/\.$/, '');
    if (cname) errs.push(...isDNS1123Subdomain(cname).map((m) => field.invalid('spec.externalName', cname, m)));
    else errs.push(field.required('spec.externalName'));
  }
  const names = new Set<string>();
  ports.forEach((p, i) => {
    errs.push(...validateServicePort(p, ports.length > 1, names, field.index('spec.ports', i)));
  });
  if (isObject(spec.selector)) errs.push(...validateLabels(spec.selector, 'spec.selector'));

  const sa = str(spec.sessionAffinity);
  if (!sa) errs.push(field.required('spec.sessionAffinity'));
  else if (sa !== 'ClientIP' && sa !== 'None') errs.push(field.notSupported('spec.sessionAffinity', sa, ['ClientIP', 'None']));
  if (sa === 'ClientIP') {
    const cfg = spec.sessionAffinityConfig;
    const p = 'spec.sessionAffinityConfig';
    if (!isObject(cfg)) errs.push(field.required(p, 'when session affinity type is ClientIP'));
    else if (!isObject(cfg.clientIP)) errs.push(field.required(field.child(p, 'clientIP'), 'when session affinity type is ClientIP'));
    else if (typeof cfg.clientIP.timeoutSeconds !== 'number')
      errs.push(field.required(field.child(p, 'clientIP', 'timeoutSeconds'), 'when session affinity type is ClientIP'));
    else if (cfg.clientIP.timeoutSeconds <= 0 || cfg.clientIP.timeoutSeconds > 86400) {
      errs.push(
        field.invalid(
          field.child(p, 'clientIP', 'timeoutSeconds'),
          cfg.clientIP.timeoutSeconds,
          'must be greater than 0 and less than 86400',
        ),
      );
    }
  } else if (sa === 'None' && isObject(spec.sessionAffinityConfig)) {
    errs.push(field.forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
  errs.push(...validateClusterIPsRelated(spec));
  strs(spec.externalIPs).forEach((ip, i) => {
    if (!isIP(ip)) errs.push(field.invalid(field.index('spec.externalIPs', i), ip, invalidIPMessage));
    else errs.push(...nonSpecialIP(ip, field.index('spec.externalIPs', i)));
  });
  const supportedTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
  if (!type) errs.push(field.required('spec.type'));
  else if (!supportedTypes.includes(type)) errs.push(field.notSupported('spec.type', type, supportedTypes));
  if (type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (p.nodePort) errs.push(field.forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!p.nodePort) return;
    const k = `${str(p.protocol)}/${p.nodePort}`;
    if (nodePorts.has(k)) errs.push(field.duplicate(`spec.ports[${i}].nodePort`, p.nodePort));
    nodePorts.add(k);
  });
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    const k = `${str(p.protocol)}/${Number(p.port ?? 0)}`;
    if (portKeys.has(k)) errs.push(field.duplicate(`spec.ports[${i}]`, goServicePort({ protocol: str(p.protocol), port: p.port })));
    portKeys.add(k);
  });
  if (strs(spec.loadBalancerSourceRanges).length > 0 && type !== 'LoadBalancer') {
    errs.push(field.forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts !== null && type !== 'LoadBalancer') {
    errs.push(field.forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (type === 'LoadBalancer' && (spec.allocateLoadBalancerNodePorts === undefined || spec.allocateLoadBalancerNodePorts === null)) {
    // Kubernetes reports this one without the spec. prefix.
    errs.push(field.required('allocateLoadBalancerNodePorts'));
  }
  const etp = str(spec.externalTrafficPolicy);
  if (!externallyAccessible(spec)) {
    if (etp) errs.push(field.invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (!etp) errs.push(field.required('spec.externalTrafficPolicy'));
  else if (etp !== 'Cluster' && etp !== 'Local') errs.push(field.notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  const needsHealthCheck = type === 'LoadBalancer' && etp === 'Local';
  const hc = Number(spec.healthCheckNodePort ?? 0);
  if (!needsHealthCheck && hc !== 0)
    errs.push(
      field.invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"),
    );
  if (needsHealthCheck && hc !== 0) errs.push(...isValidPortNum(hc).map((m) => field.invalid('spec.healthCheckNodePort', hc, m)));
  const itp = spec.internalTrafficPolicy;
  if (itp === undefined || itp === null) {
    if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') errs.push(field.required('spec.internalTrafficPolicy'));
  } else if (itp !== 'Cluster' && itp !== 'Local') errs.push(field.notSupported('spec.internalTrafficPolicy', itp, ['Cluster', 'Local']));
  if (spec.trafficDistribution !== undefined && spec.trafficDistribution !== null && spec.trafficDistribution !== 'PreferClose') {
    errs.push(field.notSupported('spec.trafficDistribution', spec.trafficDistribution, ['PreferClose']));
  }
  return errs;
}

export const validateServiceCreate = validateService;

export function validateServiceUpdate(svc: KObject, old: KObject): field.FieldError[] {
  const errs = validateObjectMetaUpdate(svc, old);
  const spec = obj(svc.spec);
  const oldSpec = obj(old.spec);
  // clusterIP(s) may only change to or from ExternalName, or when adding/removing a secondary IP.
  if (spec.type !== 'ExternalName' && oldSpec.type !== 'ExternalName' && !(isHeadless(spec) && isHeadless(oldSpec))) {
    const n = strs(spec.clusterIPs);
    const o = strs(oldSpec.clusterIPs);
    const value = field.goLiteral(field.goStringSlice(Array.isArray(spec.clusterIPs) ? n : null));
    if (n.length === o.length) {
      o.forEach((ip, i) => {
        if (ip !== n[i]) errs.push(field.invalid(`spec.clusterIPs[${i}]`, value, 'may not change once set'));
      });
    } else if (o.length > n.length) {
      if (n.length === 0) errs.push(field.invalid('spec.clusterIPs[0]', value, 'primary clusterIP can not be unset'));
      if (o.length > 0 && n.length > 0 && n[0] !== o[0]) errs.push(field.invalid('spec.clusterIPs[0]', value, 'may not change once set'));
      if (n.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
        errs.push(
          field.invalid(
            'spec.clusterIPs[0]',
            value,
            "`ipFamilyPolicy` must be set to 'SingleStack' when releasing the secondary clusterIP",
          ),
        );
      }
    } else if (o.length > 0 && n[0] !== o[0]) {
      errs.push(field.invalid('spec.clusterIPs[0]', value, 'may not change once set'));
    }
    const nf = strs(spec.ipFamilies);
    const of = strs(oldSpec.ipFamilies);
    if (nf.length === of.length && nf.length > 0 && of.some((f, i) => f !== nf[i])) {
      errs.push(
        field.invalid(
          'spec.ipFamilies[0]',
          field.goLiteral(`[]core.IPFamily{${nf.map((f) => JSON.stringify(f)).join(', ')}}`),
          'may not change once set',
        ),
      );
    }
  }
  if (
    oldSpec.type === 'LoadBalancer' &&
    oldSpec.externalTrafficPolicy === 'Local' &&
    spec.type === 'LoadBalancer' &&
    spec.externalTrafficPolicy === 'Local' &&
    Number(spec.healthCheckNodePort ?? 0) !== Number(oldSpec.healthCheckNodePort ?? 0)
  ) {
    errs.push(field.forbidden('spec.healthCheckNodePort', fieldImmutableErrorMsg));
  }
  return errs.concat(validateService(svc));
}

export function validateServiceStatusUpdate(svc: KObject, old: KObject): field.FieldError[] {
  const errs = validateObjectMetaUpdate(svc, old);
  const ingress = list(obj(obj(svc.status).loadBalancer).ingress);
  if (obj(svc.spec).type !== 'LoadBalancer' && ingress.length > 0) {
    errs.push(field.forbidden('status.loadBalancer.ingress', "may only be used when `spec.type` is 'LoadBalancer'"));
    return errs;
  }
  ingress.forEach((ing, i) => {
    const p = `status.loadBalancer.ingress[${i}]`;
    if (ing.ip && !isIP(str(ing.ip))) errs.push(field.invalid(`${p}.ip`, str(ing.ip), invalidIPMessage));
    if (ing.ip && !ing.ipMode) errs.push(field.required(`${p}.ipMode`, 'must be specified when `ip` is set'));
    else if (ing.ipMode && !ing.ip) errs.push(field.forbidden(`${p}.ipMode`, 'may not be specified when `ip` is not set'));
    else if (ing.ipMode && ing.ipMode !== 'VIP' && ing.ipMode !== 'Proxy')
      errs.push(field.notSupported(`${p}.ipMode`, ing.ipMode, ['Proxy', 'VIP']));
    if (ing.hostname) {
      errs.push(...isDNS1123Subdomain(str(ing.hostname)).map((m) => field.invalid(`${p}.hostname`, str(ing.hostname), m)));
      if (isIP(str(ing.hostname))) errs.push(field.invalid(`${p}.hostname`, str(ing.hostname), 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

// ---- ConfigMap and Secret --------------------------------------------------------------

/** Decoded size of a base64 value, as the Go []byte it becomes. */
const base64Size = (v: unknown): number => Buffer.from(str(v), 'base64').length;

function validateConfigMap(cm: KObject): field.FieldError[] {
  const errs = validateObjectMeta(cm, true, nameIsDNSSubdomain);
  const data = obj(cm.data);
  const binary = obj(cm.binaryData);
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const m of isConfigMapKey(k)) errs.push(field.invalid(field.key('data', k), k, m));
    if (k in binary) errs.push(field.invalid(field.key('data', k), k, 'duplicate of key present in binaryData'));
    total += Buffer.byteLength(str(v));
  }
  for (const [k, v] of Object.entries(binary)) {
    for (const m of isConfigMapKey(k)) errs.push(field.invalid(field.key('binaryData', k), k, m));
    total += base64Size(v);
  }
  // An empty path: the error is about the whole object.
  if (total > maxSecretSize) errs.push(field.tooLong('', maxSecretSize));
  return errs;
}

export const validateConfigMapCreate = validateConfigMap;

function immutableData(next: KObject, old: KObject, fields: string[]): field.FieldError[] {
  const errs: field.FieldError[] = [];
  if (old.immutable !== true) return errs;
  if (next.immutable !== true) errs.push(field.forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) if (!semanticEqual(next[f], old[f])) errs.push(field.forbidden(f, 'field is immutable when `immutable` is set'));
  return errs;
}

export function validateConfigMapUpdate(cm: KObject, old: KObject): field.FieldError[] {
  return [...validateObjectMetaUpdate(cm, old), ...immutableData(cm, old, ['data', 'binaryData']), ...validateConfigMap(cm)];
}

function validateSecret(s: KObject): field.FieldError[] {
  const errs = validateObjectMeta(s, true, nameIsDNSSubdomain);
  const data = obj(s.data);
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const m of isConfigMapKey(k)) errs.push(field.invalid(field.key('data', k), k, m));
    total += base64Size(v);
  }
  if (total > maxSecretSize) errs.push(field.tooLong('data', maxSecretSize));
  const has = (k: string) => Object.hasOwn(data, k);
  const decoded = (k: string) => Buffer.from(str(data[k]), 'base64').toString('utf8');
  // The docker config types: the key is required and holds a JSON object (json.Unmarshal into a map).
  const requireJSONObject = (k: string): void => {
    if (!has(k)) {
      errs.push(field.required(field.key('data', k)));
      return;
    }
    let problem: string | undefined;
    try {
      if (!isObject(JSON.parse(decoded(k)))) problem = 'json: cannot unmarshal into Go value of type map[string]interface {}';
    } catch (e) {
      problem = (e as Error).message;
    }
    if (problem) errs.push(field.invalid(field.key('data', k), '<secret contents redacted>', problem));
  };
  switch (str(s.type)) {
    case 'kubernetes.io/service-account-token':
      if (!obj(s.metadata.annotations)['kubernetes.io/service-account.name'])
        errs.push(field.required(field.key('metadata.annotations', 'kubernetes.io/service-account.name')));
      break;
    case 'kubernetes.io/dockercfg':
      requireJSONObject('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      requireJSONObject('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password'))
        errs.push(field.required(field.key('data', 'username')), field.required(field.key('data', 'password')));
      break;
    case 'kubernetes.io/ssh-auth':
      if (!str(data['ssh-privatekey'])) errs.push(field.required(field.key('data', 'ssh-privatekey')));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(field.required(field.key('data', 'tls.crt')));
      if (!has('tls.key')) errs.push(field.required(field.key('data', 'tls.key')));
      break;
  }
  return errs;
}

export const validateSecretCreate = validateSecret;

export function validateSecretUpdate(s: KObject, old: KObject): field.FieldError[] {
  const errs = validateObjectMetaUpdate(s, old);
  if (str(s.type) !== str(old.type)) errs.push(field.invalid('type', str(s.type), fieldImmutableErrorMsg));
  errs.push(...immutableData(s, old, ['data']));
  return errs.concat(validateSecret(s));
}

// ---- Namespace ---------------------------------------------------------------------------

const standardFinalizers = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

function validateNamespaceFinalizer(f: string, path: string): field.FieldError[] {
  const errs = isQualifiedName(f).map((m) => field.invalid(path, f, m));
  if (!f.includes('/') && !standardFinalizers.has(f))
    errs.push(field.invalid(path, f, 'name is neither a standard finalizer name nor is it fully qualified'));
  return errs;
}

export function validateNamespaceCreate(ns: KObject): field.FieldError[] {
  const errs = validateObjectMeta(ns, false, nameIsDNSLabel);
  for (const f of strs(obj(ns.spec).finalizers)) errs.push(...validateNamespaceFinalizer(f, 'spec.finalizers'));
  return errs;
}

export const validateNamespaceUpdate = (ns: KObject, old: KObject): field.FieldError[] => validateObjectMetaUpdate(ns, old);

export function validateNamespaceStatusUpdate(ns: KObject, old: KObject): field.FieldError[] {
  const errs = validateObjectMetaUpdate(ns, old);
  const phase = str(obj(ns.status).phase);
  if (!ns.metadata.deletionTimestamp) {
    if (phase !== 'Active') errs.push(field.invalid('status.Phase', phase, "may only be 'Active' if `deletionTimestamp` is empty"));
  } else if (phase !== 'Terminating') {
    errs.push(field.invalid('status.Phase', phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
  }
  return errs;
}

/** The namespace/finalize subresource: only spec.finalizers change, and each must be a valid name. */
export function validateNamespaceFinalizeUpdate(ns: KObject, old: KObject): field.FieldError[] {
  const errs = validateObjectMetaUpdate(ns, old);
  strs(obj(ns.spec).finalizers).forEach((f, i) => {
    errs.push(...validateNamespaceFinalizer(f, `spec.finalizers[${i}]`));
  });
  return errs;
}

// ---- Node --------------------------------------------------------------------------------

function validateNodeTaints(taints: unknown, path: string): field.FieldError[] {
  const errs: field.FieldError[] = [];
  const seen = new Map<string, Set<string>>();
  list(taints).forEach((t, i) => {
    const p = field.index(path, i);
    const k = str(t.key);
    const effect = str(t.effect);
    errs.push(...validateLabelName(k, field.child(p, 'key')));
    const vm = isValidLabelValue(str(t.value));
    if (vm.length > 0) errs.push(field.invalid(field.child(p, 'value'), str(t.value), vm.join(';')));
    if (!effect) errs.push(field.required(field.child(p, 'effect')));
    else if (!['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect))
      errs.push(field.notSupported(field.child(p, 'effect'), effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
    const keys = seen.get(effect) ?? new Set<string>();
    if (keys.has(k)) {
      const d = field.duplicate(
        p,
        field.goLiteral(
          `core.Taint{Key:${JSON.stringify(k)}, Value:${JSON.stringify(str(t.value))}, Effect:${JSON.stringify(effect)}, TimeAdded:<nil>}`,
        ),
      );
      d.detail = 'taints must be unique by key and effect pair';
      errs.push(d);
      return;
    }
    keys.add(k);
    seen.set(effect, keys);
  });
  return errs;
}

function validateNodeSpec(node: KObject): field.FieldError[] {
  const spec = obj(node.spec);
  const errs = validateNodeTaints(spec.taints, 'spec.taints');
  const cidrs = strs(spec.podCIDRs);
  if (spec.podCIDR && cidrs.length === 0) errs.push(field.required('spec.podCIDRs'));
  if (cidrs.length > 2)
    errs.push(
      field.invalid('spec.podCIDRs', field.goLiteral(field.goStringSlice(cidrs)), 'may specify no more than one CIDR for each IP family'),
    );
  return errs;
}

export function validateNodeCreate(node: KObject): field.FieldError[] {
  return [...validateObjectMeta(node, false, nameIsDNSSubdomain), ...validateNodeSpec(node)];
}

/** ValidateNodeUpdate, which also serves the status subresource. */
export function validateNodeUpdate(node: KObject, old: KObject): field.FieldError[] {
  const errs = validateObjectMetaUpdate(node, old);
  const spec = obj(node.spec);
  const oldSpec = obj(old.spec);
  const addrs = new Set<string>();
  list(obj(node.status).addresses).forEach((a, i) => {
    const k = `${str(a.type)}/${str(a.address)}`;
    if (addrs.has(k))
      errs.push(
        field.duplicate(
          `status.addresses[${i}]`,
          field.goLiteral(`core.NodeAddress{Type:${JSON.stringify(str(a.type))}, Address:${JSON.stringify(str(a.address))}}`),
        ),
      );
    addrs.add(k);
  });
  const oldCidrs = strs(oldSpec.podCIDRs);
  if (oldCidrs.length > 0) {
    const n = strs(spec.podCIDRs);
    if (n.length !== oldCidrs.length || n.some((c, i) => c !== oldCidrs[i])) {
      errs.push(field.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
    }
  }
  if (oldSpec.providerID && spec.providerID !== oldSpec.providerID) {
    errs.push(field.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  return errs.concat(validateNodeSpec(node));
}

// ---- Endpoints ---------------------------------------------------------------------------

export function nonSpecialIP(ip: string, path: string): field.FieldError[] {
  const errs: field.FieldError[] = [];
  if (!isIP(ip)) return [field.invalid(path, ip, 'must be a valid IP address')];
  const v4 = isIPv4(ip) ? ip.split('.').map(Number) : undefined;
  const low = ip.toLowerCase();
  if (v4 ? v4.every((o) => o === 0) : /^[0:]+$/.test(low)) errs.push(field.invalid(path, ip, `may not be unspecified (${ip})`));
  if (v4 ? v4[0] === 127 : low === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(low))
    errs.push(field.invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (v4 ? v4[0] === 169 && v4[1] === 254 : /^fe[89ab]/.test(low))
    errs.push(field.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (v4 ? v4[0] === 224 && v4[1] === 0 && v4[2] === 0 : /^ff02:/.test(low))
    errs.push(field.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}

function validateEndpointsObj(ep: KObject): field.FieldError[] {
  const errs = validateObjectMeta(ep, true, nameIsDNSSubdomain);
  list(ep.subsets).forEach((ss, i) => {
    const p = field.index('subsets', i);
    const addrs = list(ss.addresses);
    const notReady = list(ss.notReadyAddresses);
    if (addrs.length === 0 && notReady.length === 0) errs.push(field.required(p, 'must specify `addresses` or `notReadyAddresses`'));
    for (const [addressesField, as] of [
      ['addresses', addrs],
      ['notReadyAddresses', notReady],
    ] as const) {
      as.forEach((a, j) => {
        const ap = field.index(field.child(p, addressesField), j);
        const ip = str(a.ip);
        if (!isIP(ip)) errs.push(field.invalid(field.child(ap, 'ip'), ip, invalidIPMessage));
        if (a.hostname)
          errs.push(...isDNS1123Label(str(a.hostname)).map((m) => field.invalid(field.child(ap, 'hostname'), str(a.hostname), m)));
        if (a.nodeName !== undefined && a.nodeName !== null)
          errs.push(
            ...nameIsDNSSubdomain(str(a.nodeName), false).map((m) => field.invalid(field.child(ap, 'nodeName'), str(a.nodeName), m)),
          );
        errs.push(...nonSpecialIP(ip, field.child(ap, 'ip')));
      });
    }
    const ports = list(ss.ports);
    ports.forEach((port, j) => {
      const pp = field.index(field.child(p, 'ports'), j);
      const name = str(port.name);
      if (ports.length > 1 && !name) errs.push(field.required(field.child(pp, 'name')));
      else if (name) errs.push(...isDNS1123Label(name).map((m) => field.invalid(field.child(pp, 'name'), name, m)));
      for (const m of isValidPortNum(Number(port.port ?? 0))) errs.push(field.invalid(field.child(pp, 'port'), Number(port.port ?? 0), m));
      if (!port.protocol) errs.push(field.required(field.child(pp, 'protocol')));
      else if (!supportedPortProtocols.includes(str(port.protocol)))
        errs.push(field.notSupported(field.child(pp, 'protocol'), port.protocol, supportedPortProtocols));
      if (port.appProtocol !== undefined && port.appProtocol !== null)
        errs.push(
          ...isQualifiedName(str(port.appProtocol)).map((m) => field.invalid(field.child(pp, 'appProtocol'), str(port.appProtocol), m)),
        );
    });
  });
  return errs;
}

export const validateEndpointsCreate = validateEndpointsObj;
export const validateEndpointsUpdate = (ep: KObject, old: KObject): field.FieldError[] => [
  ...validateObjectMetaUpdate(ep, old),
  ...validateEndpointsObj(ep),
];

// ---- ServiceAccount ----------------------------------------------------------------------

export const validateServiceAccountCreate = (sa: KObject): field.FieldError[] => validateObjectMeta(sa, true, nameIsDNSSubdomain);
export const validateServiceAccountUpdate = (sa: KObject, old: KObject): field.FieldError[] => [
  ...validateObjectMetaUpdate(sa, old),
  ...validateObjectMeta(sa, true, nameIsDNSSubdomain),
];

// ---- Event (core/v1) ---------------------------------------------------------------------

function validateEventObj(ev: KObject): field.FieldError[] {
  const errs: field.FieldError[] = [];
  const ns = str(ev.metadata.namespace);
  const involvedNs = str(obj(ev.involvedObject).namespace);
  const eventTime = ev.eventTime;
  if (eventTime === undefined || eventTime === null || eventTime === '') {
    if (!involvedNs) {
      if (ns !== '' && ns !== 'default') errs.push(field.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    } else if (ns !== involvedNs) {
      errs.push(field.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    }
  } else {
    if (!involvedNs && ns !== 'default' && ns !== 'kube-system')
      errs.push(field.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    const rc = str(ev.reportingComponent);
    if (!rc) errs.push(field.required('reportingComponent'));
    errs.push(...isQualifiedName(rc).map((m) => field.invalid('reportingComponent', rc, m)));
    const ri = str(ev.reportingInstance);
    if (!ri) errs.push(field.required('reportingInstance'));
    if (ri.length > 128) errs.push(field.invalid('reportingInstance', '', 'can have at most 128 characters'));
    const action = str(ev.action);
    if (!action) errs.push(field.required('action'));
    if (action.length > 128) errs.push(field.invalid('action', '', 'can have at most 128 characters'));
    const reason = str(ev.reason);
    if (!reason) errs.push(field.required('reason'));
    if (reason.length > 128) errs.push(field.invalid('reason', '', 'can have at most 128 characters'));
    if (str(ev.message).length > 1024) errs.push(field.invalid('message', '', 'can have at most 1024 characters'));
  }
  for (const m of isDNS1123Subdomain(ns)) errs.push(field.invalid('namespace', ns, m));
  return errs;
}

export const validateEventCreate = (ev: KObject): field.FieldError[] => [
  ...validateObjectMeta(ev, true, nameIsDNSSubdomain),
  ...validateEventObj(ev),
];
export const validateEventUpdate = (ev: KObject, old: KObject): field.FieldError[] => [
  ...validateObjectMetaUpdate(ev, old),
  ...validateEventObj(ev),
];
