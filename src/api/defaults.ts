// What kube-apiserver fills in before it validates and stores an object: the versioned
// defaulters (pkg/apis/*/v1/defaults.go and the +default markers in k8s.io/api), plus the few
// values the registry or admission always add and users see in every stored object.
// Go also prints some empty structs that JSON would omit (a container's resources: {}); those
// are added here too, so that stored objects read exactly as a real cluster's.

import { isObject, type KObject } from './object.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (isObject(v) ? v : undefined);
const each = (v: unknown, f: (o: Obj) => void): void => {
  if (Array.isArray(v)) for (const x of v) if (isObject(x)) f(x);
};
const unset = (v: unknown): boolean => v === undefined || v === null;
const setIfUnset = (o: Obj, k: string, v: unknown): void => {
  if (unset(o[k]) || o[k] === '') o[k] = v;
};

/** The tag an image reference carries, as parsers.ParseImageName finds it ("latest" when none and no digest). */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const named = at >= 0 ? image.slice(0, at) : image;
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  if (colon > slash) return named.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}

function defaultHTTPGet(h: unknown): void {
  const o = obj(h);
  if (!o) return;
  setIfUnset(o, 'path', '/');
  setIfUnset(o, 'scheme', 'HTTP');
}

function defaultHandler(h: unknown): void {
  const o = obj(h);
  if (!o) return;
  defaultHTTPGet(o.httpGet);
  const grpc = obj(o.grpc);
  if (grpc && unset(grpc.service)) grpc.service = '';
}

function defaultProbe(p: unknown): void {
  const o = obj(p);
  if (!o) return;
  // Zero means unset for these int32 fields (Go cannot tell them apart).
  if (!o.timeoutSeconds) o.timeoutSeconds = 1;
  if (!o.periodSeconds) o.periodSeconds = 10;
  if (!o.successThreshold) o.successThreshold = 1;
  if (!o.failureThreshold) o.failureThreshold = 3;
  defaultHandler(o);
}

function defaultObjectFieldSelector(fs: unknown): void {
  const o = obj(fs);
  if (o) setIfUnset(o, 'apiVersion', 'v1');
}

function defaultResourceFieldSelector(rs: unknown): void {
  // divisor is a non-pointer Quantity: Go always prints it, "0" when unset.
  const o = obj(rs);
  if (o && unset(o.divisor)) o.divisor = '0';
}

function defaultContainer(c: Obj): void {
  if (unset(c.imagePullPolicy) || c.imagePullPolicy === '') {
    c.imagePullPolicy = imageTag(String(c.image ?? '')) === 'latest' ? 'Always' : 'IfNotPresent';
  }
  setIfUnset(c, 'terminationMessagePath', '/dev/termination-log');
  setIfUnset(c, 'terminationMessagePolicy', 'File');
  if (!isObject(c.resources)) c.resources = {};
  each(c.ports, (p) => setIfUnset(p, 'protocol', 'TCP'));
  each(c.env, (e) => {
    const vf = obj(e.valueFrom);
    if (!vf) return;
    defaultObjectFieldSelector(vf.fieldRef);
    defaultResourceFieldSelector(vf.resourceFieldRef);
  });
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  const lc = obj(c.lifecycle);
  if (lc) {
    defaultHandler(lc.postStart);
    defaultHandler(lc.preStop);
  }
}

/** VolumeSource members; a volume with none of them becomes an emptyDir. */
const volumeSourceKeys = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
];

function defaultVolume(v: Obj): void {
  if (!volumeSourceKeys.some((k) => !unset(v[k]))) v.emptyDir = {};
  for (const k of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const s = obj(v[k]);
    // 0644, as Kubernetes stores it: a decimal number.
    if (s && unset(s.defaultMode)) s.defaultMode = 420;
  }
  each(obj(v.downwardAPI)?.items, (i) => {
    defaultObjectFieldSelector(i.fieldRef);
    defaultResourceFieldSelector(i.resourceFieldRef);
  });
  each(obj(v.projected)?.sources, (s) => {
    const sat = obj(s.serviceAccountToken);
    if (sat && unset(sat.expirationSeconds)) sat.expirationSeconds = 3600;
    each(obj(s.downwardAPI)?.items, (i) => {
      defaultObjectFieldSelector(i.fieldRef);
      defaultResourceFieldSelector(i.resourceFieldRef);
    });
  });
  const hp = obj(v.hostPath);
  if (hp && unset(hp.type)) hp.type = '';
  const img = obj(v.image);
  if (img && unset(img.pullPolicy)) img.pullPolicy = imageTag(String(img.reference ?? '')) === 'latest' ? 'Always' : 'IfNotPresent';
  const claimSpec = obj(obj(obj(v.ephemeral)?.volumeClaimTemplate)?.spec);
  if (claimSpec && unset(claimSpec.volumeMode)) claimSpec.volumeMode = 'Filesystem';
}

/** SetDefaults_PodSpec and everything nested in a pod spec; used for pods and pod templates alike. */
export function defaultPodSpec(spec: Obj): void {
  setIfUnset(spec, 'dnsPolicy', 'ClusterFirst');
  setIfUnset(spec, 'restartPolicy', 'Always');
  if (unset(spec.securityContext)) spec.securityContext = {};
  if (unset(spec.terminationGracePeriodSeconds)) spec.terminationGracePeriodSeconds = 30;
  setIfUnset(spec, 'schedulerName', 'default-scheduler');
  each(spec.containers, defaultContainer);
  each(spec.initContainers, defaultContainer);
  each(spec.ephemeralContainers, defaultContainer);
  each(spec.volumes, defaultVolume);
}

export function defaultPodTemplate(template: unknown): void {
  const t = obj(template);
  if (!t) return;
  const spec = obj(t.spec);
  if (spec) defaultPodSpec(spec);
}

export function defaultPod(pod: KObject): void {
  if (!isObject(pod.spec)) pod.spec = {};
  const spec = pod.spec as Obj;
  defaultPodSpec(spec);
  // SetDefaults_Pod: requests default to limits, per resource.
  const requestsFromLimits = (c: Obj) => {
    const res = obj(c.resources);
    const limits = obj(res?.limits);
    if (!res || !limits) return;
    const requests = obj(res.requests) ?? {};
    for (const [k, v] of Object.entries(limits)) if (!(k in requests)) requests[k] = v;
    res.requests = requests;
  };
  each(spec.containers, requestsFromLimits);
  each(spec.initContainers, requestsFromLimits);
  if (unset(spec.enableServiceLinks)) spec.enableServiceLinks = true;
  if (spec.hostNetwork === true) {
    const hostPorts = (c: Obj) =>
      each(c.ports, (p) => {
        if (!p.hostPort) p.hostPort = p.containerPort;
      });
    each(spec.containers, hostPorts);
    each(spec.initContainers, hostPorts);
  }
  // spec.priority and spec.preemptionPolicy come from the Priority admission plugin (src/apiserver/admission/priority.ts).
}

/**
 * The DefaultTolerationSeconds admission plugin: pods tolerate a not-ready or unreachable
 * node for 300 seconds unless they already say otherwise about those taints.
 */
export function defaultTolerations(pod: KObject, seconds = 300): void {
  if (!isObject(pod.spec)) pod.spec = {};
  const spec = pod.spec as Obj;
  const tolerations: Obj[] = Array.isArray(spec.tolerations) ? (spec.tolerations as Obj[]) : [];
  // An empty key tolerates every taint with that effect, as the plugin reads it.
  const tolerates = (key: string) => tolerations.some((t) => (t.effect === 'NoExecute' || !t.effect) && (t.key === key || !t.key));
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    if (!tolerates(key)) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  spec.tolerations = tolerations;
}

export function defaultDeployment(d: KObject): void {
  if (!isObject(d.spec)) d.spec = {};
  const spec = d.spec as Obj;
  if (unset(spec.replicas)) spec.replicas = 1;
  if (!isObject(spec.strategy)) spec.strategy = {};
  const strategy = spec.strategy as Obj;
  setIfUnset(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    if (!isObject(strategy.rollingUpdate)) strategy.rollingUpdate = {};
    const ru = strategy.rollingUpdate as Obj;
    if (unset(ru.maxUnavailable)) ru.maxUnavailable = '25%';
    if (unset(ru.maxSurge)) ru.maxSurge = '25%';
  }
  if (unset(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10;
  if (unset(spec.progressDeadlineSeconds)) spec.progressDeadlineSeconds = 600;
  defaultPodTemplate(spec.template);
}

export function defaultReplicaSet(rs: KObject): void {
  if (!isObject(rs.spec)) rs.spec = {};
  const spec = rs.spec as Obj;
  if (unset(spec.replicas)) spec.replicas = 1;
  defaultPodTemplate(spec.template);
}

export function defaultService(svc: KObject): void {
  if (!isObject(svc.spec)) svc.spec = {};
  const spec = svc.spec as Obj;
  setIfUnset(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const timeout = obj(obj(spec.sessionAffinityConfig)?.clientIP)?.timeoutSeconds;
    if (unset(timeout)) spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  setIfUnset(spec, 'type', 'ClusterIP');
  each(spec.ports, (p) => {
    setIfUnset(p, 'protocol', 'TCP');
    if (unset(p.targetPort) || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  });
  const type = spec.type;
  const externalIPs = Array.isArray(spec.externalIPs) ? spec.externalIPs : [];
  const externallyAccessible = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && externalIPs.length > 0);
  if (externallyAccessible) setIfUnset(spec, 'externalTrafficPolicy', 'Cluster');
  if (unset(spec.internalTrafficPolicy) && (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP'))
    spec.internalTrafficPolicy = 'Cluster';
  if (type === 'LoadBalancer' && unset(spec.allocateLoadBalancerNodePorts)) spec.allocateLoadBalancerNodePorts = true;
  // The service registry's IP-family defaulting on a single-stack IPv4 cluster: headless
  // services without a selector ask for both families, and get the cluster's one.
  if (type !== 'ExternalName') {
    const headless = spec.clusterIP === 'None' || (Array.isArray(spec.clusterIPs) && spec.clusterIPs[0] === 'None');
    const selectorless = !isObject(spec.selector) || Object.keys(spec.selector).length === 0;
    if (unset(spec.ipFamilyPolicy)) spec.ipFamilyPolicy = headless && selectorless ? 'RequireDualStack' : 'SingleStack';
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4'];
  }
  if (!isObject(svc.status)) svc.status = {};
  const status = svc.status as Obj;
  if (!isObject(status.loadBalancer)) status.loadBalancer = {};
  if (type === 'LoadBalancer')
    each(obj(status.loadBalancer)?.ingress, (ing) => {
      if (ing.ip && unset(ing.ipMode)) ing.ipMode = 'VIP';
    });
}

export function defaultNamespace(ns: KObject): void {
  // Not for a nameless namespace (generateName): the registry labels it once named.
  if (ns.metadata.name) ns.metadata.labels = { ...(ns.metadata.labels ?? {}), 'kubernetes.io/metadata.name': ns.metadata.name };
  if (!isObject(ns.spec)) ns.spec = {};
  const spec = ns.spec as Obj;
  // The namespace strategy's PrepareForCreate; its PrepareForUpdate keeps the old list.
  if (!Array.isArray(spec.finalizers)) spec.finalizers = ['kubernetes'];
  if (!isObject(ns.status)) ns.status = {};
  setIfUnset(ns.status as Obj, 'phase', 'Active');
}

export function defaultSecret(s: KObject): void {
  setIfUnset(s as Obj, 'type', 'Opaque');
  // stringData is write-only: conversion merges it into data (base64), winning over data.
  if (isObject(s.stringData)) {
    const data = obj(s.data) ?? {};
    for (const [k, v] of Object.entries(s.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    s.data = data;
  }
  delete s.stringData;
}

export function defaultNode(n: KObject): void {
  const status = obj(n.status);
  if (status && isObject(status.capacity) && unset(status.allocatable)) status.allocatable = { ...status.capacity };
}

export function defaultEndpoints(e: KObject): void {
  each(e.subsets, (ss) => each(ss.ports, (p) => setIfUnset(p, 'protocol', 'TCP')));
}

export function defaultEndpointSlice(es: KObject): void {
  each(es.ports, (p) => {
    if (unset(p.name)) p.name = '';
    if (unset(p.protocol)) p.protocol = 'TCP';
  });
}
