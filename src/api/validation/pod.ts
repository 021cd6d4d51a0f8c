// Pod and pod template validation, after pkg/apis/core/validation (ValidatePodSpec,
// ValidatePodUpdate, ValidatePodStatusUpdate), with Kubernetes' paths and messages.

import { deepCopy, isObject, type KObject, objectsAt as list, type Obj, obj, text as str } from '../object.js';
import { Quantity, quantityFormatMessage } from '../quantity.js';
import { semanticEqual, specDiff } from './compare.js';
import { child, duplicate, type FieldError, forbidden, index, invalid, key, notFound, notSupported, required } from './field.js';
import {
  fieldImmutableErrorMsg,
  isNegativeErrorMsg,
  validateLabelName,
  validateLabels,
  validateNonnegative,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateTemplateMeta,
} from './meta.js';
import {
  inclusiveRangeError,
  invalidIPMessage,
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isHTTPHeaderName,
  isIP,
  isQualifiedName,
  isRelaxedEnvVarName,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  nameIsDNSSubdomain,
} from './names.js';

const supportedPortProtocols = ['SCTP', 'TCP', 'UDP'];
const supportedPullPolicies = ['Always', 'IfNotPresent', 'Never'];
const fileModeErrorMsg = 'must be a number between 0 and 0777 (octal), both inclusive';
const maxInt32 = 2147483647;

export interface PodValidationOptions {
  /** The spec belongs to a Pod, not a template inside another object. */
  resourceIsPod: boolean;
}

// ---- volumes ---------------------------------------------------------------------------

/** VolumeSource members in the order validateVolumeSource visits them, with the name its Forbidden error uses. */
const volumeSources: [json: string, errName: string][] = [
  ['emptyDir', 'emptyDir'],
  ['hostPath', 'hostPath'],
  ['gitRepo', 'gitRepo'],
  ['gcePersistentDisk', 'gcePersistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'],
  ['secret', 'secret'],
  ['nfs', 'nfs'],
  ['iscsi', 'iscsi'],
  ['glusterfs', 'glusterfs'],
  ['flocker', 'flocker'],
  ['persistentVolumeClaim', 'persistentVolumeClaim'],
  ['rbd', 'rbd'],
  ['cinder', 'cinder'],
  ['cephfs', 'cephFS'],
  ['quobyte', 'quobyte'],
  ['downwardAPI', 'downwarAPI'],
  ['fc', 'fc'],
  ['flexVolume', 'flexVolume'],
  ['configMap', 'configMap'],
  ['azureFile', 'azureFile'],
  ['vsphereVolume', 'vsphereVolume'],
  ['photonPersistentDisk', 'photonPersistentDisk'],
  ['portworxVolume', 'portworxVolume'],
  ['azureDisk', 'azureDisk'],
  ['storageos', 'storageos'],
  ['projected', 'projected'],
  ['scaleIO', 'scaleIO'],
  ['csi', 'csi'],
  ['ephemeral', 'ephemeral'],
  ['image', 'image'],
];

function validateMode(mode: unknown, path: string): FieldError[] {
  return typeof mode === 'number' && (mode > 0o777 || mode < 0) ? [invalid(path, mode, fileModeErrorMsg)] : [];
}

function validateKeyToPath(kp: Obj, p: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!kp.key) errs.push(required(child(p, 'key')));
  if (!kp.path) errs.push(required(child(p, 'path')));
  errs.push(...validateLocalNonReservedPath(str(kp.path), child(p, 'path')));
  errs.push(...validateMode(kp.mode, child(p, 'mode')));
  return errs;
}

function validateKeyToPaths(items: unknown, path: string): FieldError[] {
  return list(items).flatMap((kp, i) => validateKeyToPath(kp, index(path, i)));
}

/** validateLocalDescendingPath: relative, and no '..' element (one error for any number of them). */
function validateLocalDescendingPath(p: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.startsWith('/')) errs.push(invalid(path, p, 'must be a relative path'));
  if (p.split('/').includes('..')) errs.push(invalid(path, p, "must not contain '..'"));
  return errs;
}

/** ValidateLocalNonReservedPath: also not starting with '..' (the atomic writer's ..data and timestamped dirs). */
function validateLocalNonReservedPath(p: string, path: string): FieldError[] {
  const errs = validateLocalDescendingPath(p, path);
  if (p.startsWith('..') && !p.startsWith('../')) errs.push(invalid(path, p, "must not start with '..'"));
  return errs;
}

/** validateDownwardAPIVolumeFile: Kubernetes reports these on the source's path, not the item's. */
function validateDownwardAPIVolumeFile(file: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!file.path) errs.push(required(child(path, 'path')));
  errs.push(...validateLocalNonReservedPath(str(file.path), child(path, 'path')));
  if (isObject(file.fieldRef)) {
    if (isObject(file.resourceFieldRef))
      errs.push(invalid(path, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
  } else if (!isObject(file.resourceFieldRef)) {
    errs.push(required(path, 'one of fieldRef and resourceFieldRef is required'));
  }
  errs.push(...validateMode(file.mode, child(path, 'mode')));
  return errs;
}

/** validateProjectionSources: item paths, token path and expiry, and no path given twice. */
function validateProjectionSources(s: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const all = new Set<string>();
  const seen = (p: string, name: string) => {
    if (!p) return;
    if (all.has(p)) errs.push(invalid(path, name, 'conflicting duplicate paths'));
    all.add(p);
  };
  list(s.sources).forEach((src, i) => {
    const sp = index(child(path, 'sources'), i);
    let n = 0;
    // A secret and a config map project the same way: a name, and keys to paths.
    for (const kind of ['secret', 'configMap']) {
      const ref = src[kind];
      if (!isObject(ref)) continue;
      n++;
      const kp = child(sp, kind);
      if (!ref.name) errs.push(required(child(kp, 'name')));
      list(ref.items).forEach((item, j) => {
        errs.push(...validateKeyToPath(item, index(child(kp, 'items'), j)));
        seen(str(item.path), str(ref.name));
      });
    }
    if (isObject(src.downwardAPI)) {
      n++;
      for (const f of list(src.downwardAPI.items)) {
        errs.push(...validateDownwardAPIVolumeFile(f, child(sp, 'downwardAPI')));
        seen(str(f.path), str(f.path));
      }
    }
    if (isObject(src.serviceAccountToken)) {
      n++;
      const t = src.serviceAccountToken;
      const tp = child(sp, 'serviceAccountToken');
      const exp = typeof t.expirationSeconds === 'number' ? t.expirationSeconds : 0;
      if (exp < 600) errs.push(invalid(child(tp, 'expirationSeconds'), exp, 'may not specify a duration less than 10 minutes'));
      if (exp > 2 ** 32) errs.push(invalid(child(tp, 'expirationSeconds'), exp, 'may not specify a duration larger than 2^32 seconds'));
      if (!t.path) errs.push(required(child(path, 'path')));
      else errs.push(...validateLocalNonReservedPath(str(t.path), child(path, 'path')));
    }
    if (n > 1) errs.push(forbidden(sp, 'may not specify more than 1 volume type'));
  });
  return errs;
}

function validateVolumeSource(vol: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  for (const [json, errName] of volumeSources) {
    const src = vol[json];
    if (src === undefined || src === null) continue;
    if (n > 0) {
      errs.push(forbidden(child(path, errName), 'may not specify more than 1 volume type'));
      continue;
    }
    n++;
    const s = obj(src);
    const sp = child(path, json);
    switch (json) {
      case 'hostPath':
        if (!s.path) errs.push(required(child(sp, 'path')));
        break;
      case 'secret':
        if (!s.secretName) errs.push(required(child(sp, 'secretName')));
        errs.push(...validateMode(s.defaultMode, child(sp, 'defaultMode')), ...validateKeyToPaths(s.items, child(sp, 'items')));
        break;
      case 'configMap':
        if (!s.name) errs.push(required(child(sp, 'name')));
        errs.push(...validateMode(s.defaultMode, child(sp, 'defaultMode')), ...validateKeyToPaths(s.items, child(sp, 'items')));
        break;
      case 'persistentVolumeClaim':
        if (!s.claimName) errs.push(required(child(sp, 'claimName')));
        break;
      case 'nfs':
        if (!s.server) errs.push(required(child(sp, 'server')));
        if (!s.path) errs.push(required(child(sp, 'path')));
        if (!str(s.path).startsWith('/')) errs.push(invalid(child(sp, 'path'), str(s.path), 'must be an absolute path'));
        break;
      case 'downwardAPI':
        errs.push(...validateMode(s.defaultMode, child(sp, 'defaultMode')));
        for (const f of list(s.items)) errs.push(...validateDownwardAPIVolumeFile(f, sp));
        break;
      case 'projected':
        errs.push(...validateMode(s.defaultMode, child(sp, 'defaultMode')), ...validateProjectionSources(s, sp));
        break;
    }
  }
  if (n === 0) errs.push(required(path, 'must specify a volume type'));
  return errs;
}

/** ValidateVolumes: returns the names of the volumes that validated, for volumeMounts to refer to. */
function validateVolumes(volumes: unknown, path: string): { names: Set<string>; errs: FieldError[] } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list(volumes).forEach((vol, i) => {
    const p = index(path, i);
    const np = child(p, 'name');
    const name = str(vol.name);
    const el = validateVolumeSource(vol, p);
    if (!name) el.push(required(np));
    else el.push(...isDNS1123Label(name).map((m) => invalid(np, name, m)));
    if (names.has(name)) el.push(duplicate(np, name));
    if (el.length === 0) names.add(name);
    else errs.push(...el);
  });
  return { names, errs };
}

// ---- containers ------------------------------------------------------------------------

function validateContainerPorts(ports: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list(ports).forEach((port, i) => {
    const p = index(path, i);
    const name = str(port.name);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length > 0) for (const m of msgs) errs.push(invalid(child(p, 'name'), name, m));
      else if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
      else names.add(name);
    }
    if (!port.containerPort) errs.push(required(child(p, 'containerPort')));
    else for (const m of isValidPortNum(Number(port.containerPort))) errs.push(invalid(child(p, 'containerPort'), port.containerPort, m));
    if (port.hostPort) for (const m of isValidPortNum(Number(port.hostPort))) errs.push(invalid(child(p, 'hostPort'), port.hostPort, m));
    if (!port.protocol) errs.push(required(child(p, 'protocol')));
    else if (!supportedPortProtocols.includes(str(port.protocol)))
      errs.push(notSupported(child(p, 'protocol'), port.protocol, supportedPortProtocols));
  });
  return errs;
}

const validEnvFieldPaths = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const convertibleFieldLabels = new Set([
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.serviceAccountName',
  'spec.schedulerName',
  'status.phase',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
  'spec.host',
]);

function validateObjectFieldSelector(fs: Obj, expressions: string[], path: string): FieldError[] {
  if (!fs.apiVersion) return [required(child(path, 'apiVersion'))];
  if (!fs.fieldPath) return [required(child(path, 'fieldPath'))];
  const fieldPath = str(fs.fieldPath);
  if (fs.apiVersion !== 'v1')
    return [invalid(child(path, 'fieldPath'), fieldPath, `error converting fieldPath: unsupported pod version: ${str(fs.apiVersion)}`)];
  const sub = /^([^[]+)\['(.*)'\]$/.exec(fieldPath);
  if (sub) {
    if (sub[1] === 'metadata.annotations') return isQualifiedName(sub[2].toLowerCase()).map((m) => invalid(path, sub[2].toLowerCase(), m));
    if (sub[1] === 'metadata.labels') return isQualifiedName(sub[2]).map((m) => invalid(path, sub[2], m));
    return [
      invalid(child(path, 'fieldPath'), fieldPath, `error converting fieldPath: field label does not support subscript: ${fieldPath}`),
    ];
  }
  if (!convertibleFieldLabels.has(fieldPath))
    return [invalid(child(path, 'fieldPath'), fieldPath, `error converting fieldPath: field label not supported: ${fieldPath}`)];
  const internal = fieldPath === 'spec.host' ? 'spec.nodeName' : fieldPath;
  if (!expressions.includes(internal)) return [notSupported(child(path, 'fieldPath'), internal, expressions)];
  return [];
}

function validateKeySelector(s: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const m of nameIsDNSSubdomain(str(s.name), false)) errs.push(invalid(child(path, 'name'), str(s.name), m));
  if (!s.key) errs.push(required(child(path, 'key')));
  else for (const m of isConfigMapKey(str(s.key))) errs.push(invalid(child(path, 'key'), s.key, m));
  return errs;
}

function validateEnv(env: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  list(env).forEach((ev, i) => {
    const p = index(path, i);
    const name = str(ev.name);
    if (!name) errs.push(required(child(p, 'name')));
    else for (const m of isRelaxedEnvVarName(name)) errs.push(invalid(child(p, 'name'), name, m));
    if (!isObject(ev.valueFrom)) return;
    const vf = ev.valueFrom;
    const vp = child(p, 'valueFrom');
    let n = 0;
    if (isObject(vf.fieldRef)) {
      n++;
      errs.push(...validateObjectFieldSelector(vf.fieldRef, validEnvFieldPaths, child(vp, 'fieldRef')));
    }
    if (isObject(vf.resourceFieldRef)) {
      n++;
      const r = str(vf.resourceFieldRef.resource);
      const ok = [
        'limits.cpu',
        'limits.memory',
        'limits.ephemeral-storage',
        'requests.cpu',
        'requests.memory',
        'requests.ephemeral-storage',
      ];
      if (!r) errs.push(required(child(vp, 'resourceFieldRef', 'resource')));
      else if (!ok.includes(r) && !r.startsWith('requests.hugepages-') && !r.startsWith('limits.hugepages-'))
        errs.push(notSupported(child(vp, 'resourceFieldRef', 'resource'), r, ok));
    }
    if (isObject(vf.configMapKeyRef)) {
      n++;
      errs.push(...validateKeySelector(vf.configMapKeyRef, child(vp, 'configMapKeyRef')));
    }
    if (isObject(vf.secretKeyRef)) {
      n++;
      errs.push(...validateKeySelector(vf.secretKeyRef, child(vp, 'secretKeyRef')));
    }
    if (n === 0) errs.push(invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (str(ev.value)) errs.push(invalid(vp, '', 'may not be specified when `value` is not empty'));
    else if (n > 1) errs.push(invalid(vp, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateEnvFrom(envFrom: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  list(envFrom).forEach((ev, i) => {
    const p = index(path, i);
    if (ev.prefix) for (const m of isRelaxedEnvVarName(str(ev.prefix))) errs.push(invalid(child(p, 'prefix'), ev.prefix, m));
    let n = 0;
    for (const ref of ['configMapRef', 'secretRef']) {
      if (!isObject(ev[ref])) continue;
      n++;
      const name = str(ev[ref].name);
      if (!name) errs.push(required(child(p, ref, 'name')));
      else for (const m of nameIsDNSSubdomain(name, true)) errs.push(invalid(child(p, ref, 'name'), name, m));
    }
    // Kubernetes reports these two on the list's path, not the entry's.
    if (n === 0) errs.push(invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateVolumeMounts(mounts: unknown, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  list(mounts).forEach((m, i) => {
    const p = index(path, i);
    const name = str(m.name);
    const mountPath = str(m.mountPath);
    if (!name) errs.push(required(child(p, 'name')));
    if (!volumes.has(name)) errs.push(notFound(child(p, 'name'), name));
    if (!mountPath) errs.push(required(child(p, 'mountPath')));
    if (mountPoints.has(mountPath)) errs.push(invalid(child(p, 'mountPath'), mountPath, 'must be unique'));
    mountPoints.add(mountPath);
    if (m.subPath) errs.push(...validateLocalDescendingPath(str(m.subPath), child(path, 'subPath')));
    if (m.subPathExpr) {
      if (m.subPath) errs.push(invalid(child(p, 'subPathExpr'), str(m.subPathExpr), 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...validateLocalDescendingPath(str(m.subPathExpr), child(path, 'subPathExpr')));
    }
  });
  return errs;
}

const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);
const isHugePages = (r: string): boolean => r.startsWith('hugepages-');
/** helper.IsOvercommitAllowed: native resources other than hugepages. */
const overcommitAllowed = (r: string): boolean => (!r.includes('/') || r.startsWith('kubernetes.io/')) && !isHugePages(r);

function validateResourceName(r: string, path: string): FieldError[] {
  const errs = isQualifiedName(r).map((m) => invalid(path, r, m));
  if (errs.length > 0) return errs;
  if (!r.includes('/') && !standardContainerResources.has(r) && !isHugePages(r)) {
    return [invalid(path, r, 'must be a standard resource for containers')];
  }
  return [];
}

function validateQuantity(q: unknown, path: string): FieldError[] {
  const v = Quantity.tryParse(q);
  if (v === undefined) return [invalid(path, str(q), quantityFormatMessage)];
  if (v.sign() < 0) return [invalid(path, str(q), isNegativeErrorMsg)];
  return [];
}

function validateResources(res: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const r = obj(res);
  const limits = obj(r.limits);
  const requests = obj(r.requests);
  const limPath = child(path, 'limits');
  const reqPath = child(path, 'requests');
  for (const [name, q] of Object.entries(limits)) {
    errs.push(...validateResourceName(name, key(limPath, name)), ...validateQuantity(q, key(limPath, name)));
  }
  for (const [name, q] of Object.entries(requests)) {
    errs.push(...validateResourceName(name, key(reqPath, name)), ...validateQuantity(q, key(reqPath, name)));
    if (name in limits) {
      const req = Quantity.tryParse(q);
      const lim = Quantity.tryParse(limits[name]);
      if (req === undefined || lim === undefined) continue;
      if (req.cmp(lim) !== 0 && !overcommitAllowed(name))
        errs.push(invalid(reqPath, str(q), `must be equal to ${name} limit of ${str(limits[name])}`));
      else if (req.cmp(lim) > 0) errs.push(invalid(reqPath, str(q), `must be less than or equal to ${name} limit of ${str(limits[name])}`));
    } else if (!overcommitAllowed(name)) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
  }
  return errs;
}

function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => invalid(path, port, m));
  return isValidPortName(str(port)).map((m) => invalid(path, str(port), m));
}

/** validateHandler for probes (exec, httpGet, tcpSocket, grpc) and lifecycle hooks (exec, httpGet, tcpSocket, sleep). */
function validateHandler(h: Obj, kinds: string[], path: string, gracePeriod: unknown): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  for (const k of kinds) {
    if (!isObject(h[k])) continue;
    if (n > 0) {
      errs.push(forbidden(child(path, k), 'may not specify more than 1 handler type'));
      continue;
    }
    n++;
    const a = h[k] as Obj;
    const p = child(path, k);
    switch (k) {
      case 'exec':
        if (!Array.isArray(a.command) || a.command.length === 0) errs.push(required(child(p, 'command')));
        break;
      case 'httpGet':
        if (!a.path) errs.push(required(child(p, 'path')));
        errs.push(...validatePortNumOrName(a.port, child(p, 'port')));
        if (!['HTTP', 'HTTPS'].includes(str(a.scheme))) errs.push(notSupported(child(p, 'scheme'), str(a.scheme), ['HTTP', 'HTTPS']));
        for (const hd of list(a.httpHeaders))
          for (const m of isHTTPHeaderName(str(hd.name))) errs.push(invalid(child(p, 'httpHeaders'), str(hd.name), m));
        break;
      case 'tcpSocket':
        errs.push(...validatePortNumOrName(a.port, child(p, 'port')));
        break;
      case 'grpc':
        errs.push(...validatePortNumOrName(Number(a.port ?? 0), child(p, 'port')));
        break;
      case 'sleep': {
        const s = Number(a.seconds ?? 0);
        if (typeof gracePeriod === 'number' && (s <= 0 || s > gracePeriod)) {
          errs.push(
            invalid(
              p,
              s,
              `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod}). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.`,
            ),
          );
        }
        break;
      }
    }
  }
  if (n === 0) errs.push(required(path, 'must specify a handler type'));
  return errs;
}

function validateProbe(probe: unknown, path: string, kind: 'liveness' | 'readiness' | 'startup', gracePeriod: unknown): FieldError[] {
  if (!isObject(probe)) return [];
  const errs = validateHandler(probe, ['exec', 'httpGet', 'tcpSocket', 'grpc'], path, gracePeriod);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    errs.push(...validateNonnegative(probe[f], child(path, f)));
  }
  const tgp = probe.terminationGracePeriodSeconds;
  if (typeof tgp === 'number' && tgp <= 0) errs.push(invalid(child(path, 'terminationGracePeriodSeconds'), tgp, 'must be greater than 0'));
  if (kind !== 'readiness' && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    errs.push(invalid(child(path, 'successThreshold'), probe.successThreshold, 'must be 1'));
  }
  if (kind === 'readiness' && tgp !== undefined && tgp !== null) {
    errs.push(invalid(child(path, 'terminationGracePeriodSeconds'), tgp, 'must not be set for readinessProbes'));
  }
  return errs;
}

function validateLifecycle(lc: unknown, path: string, gracePeriod: unknown): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(lc)) return errs;
  for (const hook of ['postStart', 'preStop']) {
    if (isObject(lc[hook]))
      errs.push(...validateHandler(lc[hook], ['exec', 'httpGet', 'tcpSocket', 'sleep'], child(path, hook), gracePeriod));
  }
  return errs;
}

function validateSecurityContext(sc: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(sc)) return errs;
  for (const f of ['runAsUser', 'runAsGroup']) {
    const v = sc[f];
    if (typeof v === 'number' && (v < 0 || v > 0xffffffff)) errs.push(invalid(child(path, f), v, inclusiveRangeError(0, 0xffffffff)));
  }
  if (sc.allowPrivilegeEscalation === false && sc.privileged === true) {
    errs.push(invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
  }
  return errs;
}

/** SysctlContainSlashFmt: sysctl names with dots or slashes as separators. */
const SYSCTL_RE = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;
const SYSCTL_RE_TEXT = '^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$';
const SYSCTL_MAX_LENGTH = 253;

/**
 * validateSysctls: each name present, well formed, not given twice. (Kubernetes also refuses
 * network and IPC sysctls with hostNetwork/hostIPC on create; here the node refuses those pods,
 * SysctlForbidden, so objects stored before keep validating on update.)
 */
function validateSysctls(v: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  list(v).forEach((s, i) => {
    const name = str(s.name);
    const at = child(index(path, i), 'name');
    if (!name) errs.push(required(at));
    else if (name.length > SYSCTL_MAX_LENGTH || !SYSCTL_RE.test(name))
      errs.push(invalid(at, name, `must have at most ${SYSCTL_MAX_LENGTH} characters and match regex ${SYSCTL_RE_TEXT}`));
    else if (seen.has(name)) errs.push(duplicate(at, name));
    if (name) seen.add(name);
  });
  return errs;
}

function validateContainerCommon(c: Obj, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(c.name);
  if (!name) errs.push(required(child(path, 'name')));
  else for (const m of isDNS1123Label(name)) errs.push(invalid(child(path, 'name'), name, m));
  if (!str(c.image)) errs.push(required(child(path, 'image')));
  const tmp = str(c.terminationMessagePolicy);
  if (!tmp) errs.push(required(child(path, 'terminationMessagePolicy')));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError')
    errs.push(notSupported(child(path, 'terminationMessagePolicy'), tmp, ['File', 'FallbackToLogsOnError']));
  errs.push(...validateContainerPorts(c.ports, child(path, 'ports')));
  errs.push(...validateEnv(c.env, child(path, 'env')));
  errs.push(...validateEnvFrom(c.envFrom, child(path, 'envFrom')));
  errs.push(...validateVolumeMounts(c.volumeMounts, volumes, child(path, 'volumeMounts')));
  const ipp = str(c.imagePullPolicy);
  if (!ipp) errs.push(required(child(path, 'imagePullPolicy')));
  else if (!supportedPullPolicies.includes(ipp)) errs.push(notSupported(child(path, 'imagePullPolicy'), ipp, supportedPullPolicies));
  errs.push(...validateResources(c.resources, child(path, 'resources')));
  errs.push(...validateSecurityContext(c.securityContext, child(path, 'securityContext')));
  return errs;
}

function checkHostPortConflicts(containers: Obj[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    list(c.ports).forEach((p, pi) => {
      if (!p.hostPort) return;
      const s = `${str(p.protocol)}/${str(p.hostIP)}/${p.hostPort}`;
      if (seen.has(s)) errs.push(duplicate(child(index(child(index(path, ci), 'ports'), pi), 'hostPort'), s));
      else seen.add(s);
    });
  });
  return errs;
}

function validateContainers(containers: unknown, volumes: Set<string>, path: string, gracePeriod: unknown): FieldError[] {
  const cs = list(containers);
  if (cs.length === 0) return [required(path)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  cs.forEach((c, i) => {
    const p = index(path, i);
    errs.push(...validateContainerCommon(c, volumes, p));
    const name = str(c.name);
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else names.add(name);
    errs.push(...validateLifecycle(c.lifecycle, child(p, 'lifecycle'), gracePeriod));
    errs.push(...validateProbe(c.livenessProbe, child(p, 'livenessProbe'), 'liveness', gracePeriod));
    errs.push(...validateProbe(c.readinessProbe, child(p, 'readinessProbe'), 'readiness', gracePeriod));
    errs.push(...validateProbe(c.startupProbe, child(p, 'startupProbe'), 'startup', gracePeriod));
    if (c.restartPolicy !== undefined && c.restartPolicy !== null)
      errs.push(forbidden(child(p, 'restartPolicy'), 'may not be set for non-init containers'));
  });
  return errs.concat(checkHostPortConflicts(cs, path));
}

function validateInitContainers(
  inits: unknown,
  containers: unknown,
  volumes: Set<string>,
  path: string,
  gracePeriod: unknown,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(list(containers).map((c) => str(c.name)));
  list(inits).forEach((c, i) => {
    const p = index(path, i);
    errs.push(...validateContainerCommon(c, volumes, p));
    let restartAlways = false;
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) {
      if (c.restartPolicy !== 'Always') errs.push(notSupported(child(p, 'restartPolicy'), c.restartPolicy, ['Always']));
      restartAlways = c.restartPolicy === 'Always';
    }
    const name = str(c.name);
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else if (name) names.add(name);
    errs.push(...checkHostPortConflicts([c], path));
    if (restartAlways) {
      errs.push(...validateLifecycle(c.lifecycle, child(p, 'lifecycle'), gracePeriod));
      errs.push(...validateProbe(c.livenessProbe, child(p, 'livenessProbe'), 'liveness', gracePeriod));
      errs.push(...validateProbe(c.readinessProbe, child(p, 'readinessProbe'), 'readiness', gracePeriod));
      errs.push(...validateProbe(c.startupProbe, child(p, 'startupProbe'), 'startup', gracePeriod));
    } else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (isObject(c[f])) errs.push(forbidden(child(p, f), 'may not be set for init containers without restartPolicy=Always'));
      }
    }
  });
  return errs;
}

// ---- the pod spec ----------------------------------------------------------------------

export function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  list(tolerations).forEach((t, i) => {
    const p = index(path, i);
    const k = str(t.key);
    const op = str(t.operator);
    const effect = str(t.effect);
    if (k) errs.push(...validateLabelName(k, child(p, 'key')));
    if (!k && op !== 'Exists')
      errs.push(
        invalid(child(p, 'operator'), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'),
      );
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && effect !== 'NoExecute') {
      errs.push(invalid(child(p, 'effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (op) {
      case 'Equal':
      case '': {
        const msgs = isValidLabelValue(str(t.value));
        if (msgs.length > 0) errs.push(invalid(child(p, 'operator'), str(t.value), msgs.join(';')));
        break;
      }
      case 'Exists':
        if (str(t.value)) errs.push(invalid(child(p, 'operator'), str(t.value), "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(notSupported(child(p, 'operator'), op, ['Equal', 'Exists']));
    }
    if (effect && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect)) {
      errs.push(notSupported(child(p, 'effect'), effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
    }
  });
  return errs;
}

export function validatePodSpec(specIn: unknown, path: string, opts: PodValidationOptions): FieldError[] {
  const spec = obj(specIn);
  const errs: FieldError[] = [];
  const gracePeriod = spec.terminationGracePeriodSeconds;
  if (gracePeriod === undefined || gracePeriod === null) errs.push(required(child(path, 'terminationGracePeriodSeconds')));
  const vols = validateVolumes(spec.volumes, child(path, 'volumes'));
  errs.push(...vols.errs);
  errs.push(...validateContainers(spec.containers, vols.names, child(path, 'containers'), gracePeriod));
  errs.push(...validateInitContainers(spec.initContainers, spec.containers, vols.names, child(path, 'initContainers'), gracePeriod));

  if (spec.hostNetwork === true) {
    list(spec.containers).forEach((c, ci) => {
      list(c.ports).forEach((port, pi) => {
        const hp = Number(port.hostPort ?? 0);
        if ((opts.resourceIsPod || hp !== 0) && hp !== Number(port.containerPort ?? 0)) {
          errs.push(
            invalid(
              child(index(child(index(child(path, 'containers'), ci), 'ports'), pi), 'hostPort'),
              hp,
              'must match `containerPort` when `hostNetwork` is true',
            ),
          );
        }
      });
    });
  }

  const rp = str(spec.restartPolicy);
  if (!rp) errs.push(required(child(path, 'restartPolicy')));
  else if (!['Always', 'OnFailure', 'Never'].includes(rp))
    errs.push(notSupported(child(path, 'restartPolicy'), rp, ['Always', 'OnFailure', 'Never']));
  const dp = str(spec.dnsPolicy);
  if (!dp) errs.push(required(child(path, 'dnsPolicy')));
  else if (!['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'].includes(dp)) {
    errs.push(notSupported(child(path, 'dnsPolicy'), dp, ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']));
  }
  errs.push(...validateLabels(spec.nodeSelector, child(path, 'nodeSelector')));
  errs.push(...validateSecurityContext(spec.securityContext, child(path, 'securityContext')));
  errs.push(...validateSysctls(obj(spec.securityContext).sysctls, child(child(path, 'securityContext'), 'sysctls')));
  list(spec.imagePullSecrets).forEach((s, i) => {
    if (Object.keys(s).some((k) => k !== 'name')) errs.push(invalid(index(child(path, 'imagePullSecrets'), i), s, 'only name may be set'));
  });
  if (dp === 'None') {
    if (!isObject(spec.dnsConfig)) errs.push(required(child(path, 'dnsConfig'), 'must provide `dnsConfig` when `dnsPolicy` is None'));
    else if (!Array.isArray(spec.dnsConfig.nameservers) || spec.dnsConfig.nameservers.length === 0) {
      errs.push(required(child(path, 'dnsConfig', 'nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
    }
  }
  if (isObject(spec.dnsConfig)) {
    (Array.isArray(spec.dnsConfig.nameservers) ? spec.dnsConfig.nameservers : []).forEach((ns: unknown, i: number) => {
      if (!isIP(str(ns))) errs.push(invalid(index(child(path, 'dnsConfig', 'nameservers'), i), str(ns), invalidIPMessage));
    });
  }
  list(spec.readinessGates).forEach((g, i) => {
    for (const m of isQualifiedName(str(g.conditionType)))
      errs.push(invalid(child(index(child(path, 'readinessGates'), i), 'conditionType'), str(g.conditionType), m));
  });
  const gates = new Set<string>();
  list(spec.schedulingGates).forEach((g, i) => {
    const n = str(g.name);
    const gp = index(child(path, 'schedulingGates'), i);
    for (const m of isQualifiedName(n)) errs.push(invalid(gp, n, m));
    if (gates.has(n)) errs.push(duplicate(gp, n));
    gates.add(n);
  });
  if (spec.serviceAccountName)
    for (const m of nameIsDNSSubdomain(str(spec.serviceAccountName), false))
      errs.push(invalid(child(path, 'serviceAccountName'), spec.serviceAccountName, m));
  if (spec.nodeName)
    for (const m of nameIsDNSSubdomain(str(spec.nodeName), false)) errs.push(invalid(child(path, 'nodeName'), spec.nodeName, m));
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    const v = Number(spec.activeDeadlineSeconds);
    if (v < 1 || v > maxInt32) errs.push(invalid(child(path, 'activeDeadlineSeconds'), v, inclusiveRangeError(1, maxInt32)));
  }
  if (spec.hostname) for (const m of isDNS1123Label(str(spec.hostname))) errs.push(invalid(child(path, 'hostname'), spec.hostname, m));
  if (spec.subdomain) for (const m of isDNS1123Label(str(spec.subdomain))) errs.push(invalid(child(path, 'subdomain'), spec.subdomain, m));
  errs.push(...validateTolerations(spec.tolerations, child(path, 'tolerations')));
  list(spec.hostAliases).forEach((ha, i) => {
    const hp = index(child(path, 'hostAliases'), i);
    if (!isIP(str(ha.ip))) errs.push(invalid(child(hp, 'ip'), str(ha.ip), invalidIPMessage));
    (Array.isArray(ha.hostnames) ? ha.hostnames : []).forEach((h: unknown, j: number) => {
      for (const m of isDNS1123Subdomain(str(h))) errs.push(invalid(index(child(hp, 'hostnames'), j), str(h), m));
    });
  });
  if (spec.priorityClassName)
    for (const m of nameIsDNSSubdomain(str(spec.priorityClassName), false))
      errs.push(invalid(child(path, 'priorityClassName'), spec.priorityClassName, m));
  if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null) {
    const pp = str(spec.preemptionPolicy);
    if (!pp) errs.push(required(child(path, 'preemptionPolicy')));
    else if (pp !== 'PreemptLowerPriority' && pp !== 'Never')
      errs.push(notSupported(child(path, 'preemptionPolicy'), pp, ['PreemptLowerPriority', 'Never']));
  }
  if (isObject(spec.os)) {
    if (!spec.os.name) errs.push(required(child(path, 'os', 'name'), 'cannot be empty'));
    else if (!['linux', 'windows'].includes(str(spec.os.name)))
      errs.push(notSupported(child(path, 'os'), spec.os.name, ['linux', 'windows']));
  }
  return errs;
}

/** ValidatePodTemplateSpec: template metadata plus the spec. */
export function validatePodTemplateSpec(template: unknown, path: string): FieldError[] {
  const t = obj(template);
  return [
    ...validateTemplateMeta(t.metadata, child(path, 'metadata')),
    ...validatePodSpec(t.spec, child(path, 'spec'), { resourceIsPod: false }),
  ];
}

function validateContainersOnlyForPod(containers: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  list(containers).forEach((c, i) => {
    const image = str(c.image);
    if (image.length !== image.trim().length)
      errs.push(invalid(child(index(path, i), 'image'), image, 'must not have leading or trailing whitespace'));
  });
  return errs;
}

function validatePodMetadataAndSpec(pod: KObject): FieldError[] {
  const spec = obj(pod.spec);
  const errs = validateObjectMeta(pod, true, nameIsDNSSubdomain);
  errs.push(...validatePodSpec(spec, 'spec', { resourceIsPod: true }));
  if (!spec.serviceAccountName) {
    list(spec.volumes).forEach((v, vi) => {
      if (!isObject(v.projected)) return;
      list(v.projected.sources).forEach((s, si) => {
        if (isObject(s.serviceAccountToken)) {
          errs.push(
            forbidden(
              `spec.volumes[${vi}].projected.sources[${si}].serviceAccountToken`,
              'must not be specified when serviceAccountName is not set',
            ),
          );
        }
      });
    });
  }
  errs.push(...validateContainersOnlyForPod(spec.containers, 'spec.containers'));
  errs.push(...validateContainersOnlyForPod(spec.initContainers, 'spec.initContainers'));
  return errs;
}

export const validatePodCreate = validatePodMetadataAndSpec;

const updatablePodSpecFields = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

function validateContainerUpdates(next: unknown, prev: unknown, path: string): { errs: FieldError[]; stop: boolean } {
  const n = list(next);
  if (n.length !== list(prev).length) return { errs: [forbidden(path, 'pod updates may not add or remove containers')], stop: true };
  const errs: FieldError[] = [];
  n.forEach((c, i) => {
    const image = str(c.image);
    if (!image) errs.push(required(child(index(path, i), 'image')));
    if (image.trim().length !== image.length)
      errs.push(invalid(child(index(path, i), 'image'), image, 'must not have leading or trailing whitespace'));
  });
  return { errs, stop: false };
}

function validateOnlyAddedTolerations(next: unknown, prev: unknown, path: string): FieldError[] {
  const n = list(next);
  for (const o of list(prev)) {
    // tolerationSeconds may change; everything else about an existing toleration may not.
    const found = n.some((t) => semanticEqual({ ...o, tolerationSeconds: undefined }, { ...t, tolerationSeconds: undefined }));
    if (!found) return [forbidden(path, 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(next, path);
}

export function validatePodUpdate(pod: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(pod, old);
  errs.push(...validatePodMetadataAndSpec(pod));
  const spec = obj(pod.spec);
  const oldSpec = obj(old.spec);
  for (const f of ['containers', 'initContainers']) {
    const r = validateContainerUpdates(spec[f], oldSpec[f], `spec.${f}`);
    errs.push(...r.errs);
    if (r.stop) return errs;
  }
  const ads = spec.activeDeadlineSeconds;
  const oldAds = oldSpec.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null) {
    const v = Number(ads);
    if (v < 0 || v > maxInt32) return errs.concat(invalid('spec.activeDeadlineSeconds', v, inclusiveRangeError(0, maxInt32)));
    if (oldAds !== undefined && oldAds !== null && Number(oldAds) < v)
      return errs.concat(invalid('spec.activeDeadlineSeconds', v, 'must be less than or equal to previous value'));
  } else if (oldAds !== undefined && oldAds !== null) {
    errs.push(invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  errs.push(...validateOnlyAddedTolerations(spec.tolerations, oldSpec.tolerations, 'spec.tolerations'));
  const gates = new Set(list(oldSpec.schedulingGates).map((g) => str(g.name)));
  list(spec.schedulingGates).forEach((g, i) => {
    if (!gates.has(str(g.name)))
      errs.push(forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${str(g.name)}'`));
  });
  if (semanticEqual(spec, oldSpec)) return errs;

  // Put the old values back in the fields that may change; whatever still differs may not.
  const munged = deepCopy(spec);
  for (const f of ['containers', 'initContainers']) {
    const olds = list(oldSpec[f]);
    if (Array.isArray(munged[f])) munged[f] = list(munged[f]).map((c, i) => ({ ...c, image: olds[i]?.image }));
  }
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  munged.schedulingGates = oldSpec.schedulingGates;
  munged.tolerations = oldSpec.tolerations;
  if (
    typeof oldSpec.terminationGracePeriodSeconds === 'number' &&
    oldSpec.terminationGracePeriodSeconds < 0 &&
    munged.terminationGracePeriodSeconds === 1
  ) {
    munged.terminationGracePeriodSeconds = oldSpec.terminationGracePeriodSeconds;
  }
  if (!semanticEqual(munged, oldSpec)) {
    errs.push(
      forbidden(
        'spec',
        `pod updates may not change fields other than ${updatablePodSpecFields.join(',')}\n${specDiff('core.PodSpec', oldSpec, munged)}`,
      ),
    );
  }
  return errs;
}

export function validatePodStatusUpdate(pod: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(pod, old);
  const status = obj(pod.status);
  list(status.conditions).forEach((c, i) => {
    const t = str(c.type);
    if (['PodScheduled', 'Ready', 'Initialized'].includes(t)) return;
    for (const m of isQualifiedName(t)) errs.push(invalid(`metadata.conditions[${i}].Type`, t, m));
  });
  if (str(obj(pod.spec).nodeName) !== str(obj(old.spec).nodeName)) errs.push(forbidden('status.nodeName', 'may not be changed directly'));
  if (status.nominatedNodeName && status.nominatedNodeName !== obj(old.status).nominatedNodeName) {
    for (const m of nameIsDNSSubdomain(str(status.nominatedNodeName), false))
      errs.push(invalid('status.nominatedNodeName', status.nominatedNodeName, m));
  }
  const oldQos = obj(old.status).qosClass;
  if (oldQos !== undefined && str(status.qosClass) !== str(oldQos))
    errs.push(invalid('status.qosClass', str(status.qosClass), fieldImmutableErrorMsg));
  const restartPolicy = str(obj(old.spec).restartPolicy);
  if (restartPolicy !== 'Always') {
    const next = list(status.containerStatuses);
    list(obj(old.status).containerStatuses).forEach((o, i) => {
      const term = obj(obj(o.state).terminated);
      if (!isObject(obj(o.state).terminated)) return;
      if (Number(term.exitCode ?? 0) !== 0 && restartPolicy === 'OnFailure') return;
      for (const n of next) {
        if (n.name === o.name && !isObject(obj(n.state).terminated)) {
          errs.push(forbidden(`status.containerStatuses[${i}].state`, 'may not be transitioned to non-terminated state'));
        }
      }
    });
  }
  list(status.podIPs).forEach((ip, i) => {
    if (!isIP(str(ip.ip))) errs.push(invalid(`status.podIPs[${i}]`, str(ip.ip), invalidIPMessage));
  });
  list(status.hostIPs).forEach((ip, i) => {
    if (!isIP(str(ip.ip))) errs.push(invalid(`status.hostIPs[${i}]`, str(ip.ip), invalidIPMessage));
  });
  return errs;
}
