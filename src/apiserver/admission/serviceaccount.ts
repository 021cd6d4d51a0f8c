// The ServiceAccount admission plugin, as kube-apiserver's plugin/pkg/admission/serviceaccount:
// every new pod runs as a service account ("default" unless it names one), which must exist
// (a pod naming a missing one is refused with Kubernetes' message; the "default" one is waited
// for a moment, as the plugin retries while the serviceaccounts controller makes it in a new
// namespace); unless automountServiceAccountToken is false (on the pod, else on the service
// account) every container and init container gets the kube-api-access-<5 random> projected
// volume at /var/run/secrets/kubernetes.io/serviceaccount: a bound token (3607 s), the cluster CA
// from kube-root-ca.crt and the namespace; a pod without image pull secrets gets the service
// account's; an account annotated kubernetes.io/enforce-mountable-secrets=true limits the secrets
// its pods may use to its own. Mirror pods may name neither service accounts nor secrets and are
// not changed.

import { isObject, type KObject, objects as list, type Obj, obj } from '../../api/object.js';
import type { ApiServerContext } from '../registry/context.js';
import { randomSuffix } from '../registry/generic.js';
import { WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS } from '../serviceaccount/token.js';
import { type AdmissionPlugin, type Attributes, forbidden } from './types.js';

export const DEFAULT_SERVICE_ACCOUNT_NAME = 'default';
export const DEFAULT_API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const SERVICE_ACCOUNT_VOLUME_NAME = 'kube-api-access';
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
const ENFORCE_MOUNTABLE_SECRETS = 'kubernetes.io/enforce-mountable-secrets';
/** How many times the "default" service account is looked up before the pod is refused. */
const DEFAULT_SA_ATTEMPTS = 10;

/** TokenVolumeSource: what kube-api-access volumes project (defaultMode 0644, as #104464 sets it explicitly). */
export function tokenVolumeSource(): Obj {
  return {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { expirationSeconds: WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  };
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** getServiceAccount: the cache first, then the store, several times for "default" (the controller may be about to make it). */
async function getServiceAccount(api: ApiServerContext, namespace: string, name: string): Promise<KObject | undefined> {
  const cached = api.listObjects('', 'serviceaccounts', namespace).find((sa) => sa.metadata.name === name);
  if (cached) return cached;
  const attempts = name === DEFAULT_SERVICE_ACCOUNT_NAME ? DEFAULT_SA_ATTEMPTS : 1;
  const retryMs = 100 + Math.floor(Math.random() * 100);
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await pause(retryMs);
    const sa = await api.getObject('', 'serviceaccounts', namespace, name);
    if (sa) return sa;
  }
  return undefined;
}

const nameOf = (v: unknown): string => (isObject(v) && typeof v.name === 'string' ? v.name : '');

/** Every Secret a pod spec names (podutil.VisitPodSecretNames): volumes, projections, env, envFrom, pull secrets. */
function podSecretNames(spec: Obj): string[] {
  const out: string[] = [];
  for (const p of list(spec.imagePullSecrets)) out.push(nameOf(p));
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of list(spec[key])) {
      for (const e of list(c.env))
        if (isObject(e.valueFrom) && isObject(e.valueFrom.secretKeyRef)) out.push(nameOf(e.valueFrom.secretKeyRef));
      for (const e of list(c.envFrom)) if (isObject(e.secretRef)) out.push(nameOf(e.secretRef));
    }
  }
  for (const v of list(spec.volumes)) {
    if (isObject(v.secret) && typeof v.secret.secretName === 'string') out.push(v.secret.secretName);
    if (isObject(v.projected)) for (const src of list(v.projected.sources)) if (isObject(src.secret)) out.push(nameOf(src.secret));
    for (const k of ['azureFile', 'cephfs', 'cinder', 'flexVolume', 'rbd', 'scaleIO', 'iscsi', 'storageos', 'csi']) {
      const src = v[k];
      if (isObject(src)) for (const ref of ['secretRef', 'nodePublishSecretRef']) if (isObject(src[ref])) out.push(nameOf(src[ref]));
    }
  }
  return out.filter(Boolean);
}

/** limitSecretReferences, its messages: secret volumes, env secrets and pull secrets must be the account's. */
function limitSecretReferences(sa: KObject, spec: Obj): string | undefined {
  const mountable = new Set(list(sa.secrets).map(nameOf));
  for (const v of list(spec.volumes)) {
    if (!isObject(v.secret)) continue;
    const secretName = String(v.secret.secretName ?? '');
    if (!mountable.has(secretName))
      return `volume with secret.secretName="${secretName}" is not allowed because service account ${sa.metadata.name} does not reference that secret`;
  }
  for (const [key, what] of [
    ['initContainers', 'init container'],
    ['containers', 'container'],
  ]) {
    for (const c of list(spec[key])) {
      for (const e of list(c.env)) {
        if (!isObject(e.valueFrom) || !isObject(e.valueFrom.secretKeyRef)) continue;
        const ref = nameOf(e.valueFrom.secretKeyRef);
        if (!mountable.has(ref))
          return `${what} ${String(c.name)} with envVar ${String(e.name)} referencing secret.secretName="${ref}" is not allowed because service account ${sa.metadata.name} does not reference that secret`;
      }
    }
  }
  const pullable = new Set(list(sa.imagePullSecrets).map(nameOf));
  for (const [i, p] of list(spec.imagePullSecrets).entries()) {
    if (!pullable.has(nameOf(p)))
      return `imagePullSecrets[${i}].name="${nameOf(p)}" is not allowed because service account ${sa.metadata.name} does not reference that imagePullSecret`;
  }
  return undefined;
}

/** shouldAutomount: the pod's choice wins, then the service account's; true by default. */
function shouldAutomount(sa: KObject, spec: Obj): boolean {
  if (typeof spec.automountServiceAccountToken === 'boolean') return spec.automountServiceAccountToken;
  if (typeof sa.automountServiceAccountToken === 'boolean') return sa.automountServiceAccountToken;
  return true;
}

/** mountServiceAccountToken: one kube-api-access volume, mounted read-only in every (init) container that has nothing at the path. */
export function mountServiceAccountToken(spec: Obj): void {
  const volumes = list(spec.volumes);
  const existing = volumes.find((v) => typeof v.name === 'string' && v.name.startsWith(`${SERVICE_ACCOUNT_VOLUME_NAME}-`));
  const volumeName = typeof existing?.name === 'string' ? existing.name : `${SERVICE_ACCOUNT_VOLUME_NAME}-${randomSuffix()}`;
  let needed = false;
  for (const key of ['initContainers', 'containers']) {
    for (const c of list(spec[key])) {
      const mounts = list(c.volumeMounts);
      // A mount of its own at the path keeps the token out of that container.
      if (mounts.some((m) => m.mountPath === DEFAULT_API_TOKEN_MOUNT_PATH)) continue;
      c.volumeMounts = [...mounts, { name: volumeName, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }];
      needed = true;
    }
  }
  if (needed && !existing) spec.volumes = [...volumes, { name: volumeName, projected: tokenVolumeSource() }];
}

export class ServiceAccountAdmission implements AdmissionPlugin {
  readonly name = 'ServiceAccount';

  async admit(a: Attributes, api: ApiServerContext): Promise<void> {
    if (a.group !== '' || a.resource !== 'pods' || a.subresource || a.operation !== 'CREATE') return;
    const pod = a.object;
    const spec = obj(pod.spec);
    if (!isObject(pod.spec)) pod.spec = spec;
    // Mirror pods (static pods' API copies) are the kubelet's: never changed, never given credentials.
    if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) {
      if (spec.serviceAccountName) throw forbidden(a, 'a mirror pod may not reference service accounts');
      if (podSecretNames(spec).length) throw forbidden(a, 'a mirror pod may not reference secrets');
      for (const v of list(spec.volumes)) {
        if (isObject(v.projected) && list(v.projected.sources).some((src) => src.serviceAccountToken))
          throw forbidden(a, 'a mirror pod may not use ServiceAccountToken volume projections');
      }
      return;
    }
    if (!spec.serviceAccountName)
      spec.serviceAccountName =
        typeof spec.serviceAccount === 'string' && spec.serviceAccount ? spec.serviceAccount : DEFAULT_SERVICE_ACCOUNT_NAME;
    spec.serviceAccount = spec.serviceAccountName;
    const saName = spec.serviceAccountName as string;
    const ns = a.namespace ?? '';
    const sa = await getServiceAccount(api, ns, saName);
    if (!sa) throw forbidden(a, `error looking up service account ${ns}/${saName}: serviceaccount "${saName}" not found`);
    if (shouldAutomount(sa, spec)) mountServiceAccountToken(spec);
    const pullSecrets = list(spec.imagePullSecrets);
    if (pullSecrets.length === 0) {
      const fromSA = list(sa.imagePullSecrets).filter((s) => typeof s.name === 'string' && s.name);
      if (fromSA.length) spec.imagePullSecrets = fromSA.map((s) => ({ name: s.name }));
    }
    // An account annotated kubernetes.io/enforce-mountable-secrets=true limits what its pods may reference.
    if (/^(1|t|T|true|TRUE|True)$/.test(sa.metadata.annotations?.[ENFORCE_MOUNTABLE_SECRETS] ?? '')) {
      const why = limitSecretReferences(sa, spec);
      if (why) throw forbidden(a, why);
    }
  }
}
