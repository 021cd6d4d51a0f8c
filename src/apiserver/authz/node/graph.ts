// What a node may reach, as plugin/pkg/auth/authorizer/node's graph (graph.go,
// graph_populator.go): the pods bound to it, and through them their Secrets, ConfigMaps,
// PersistentVolumeClaims (and the PersistentVolumes those bind), and ServiceAccounts.
// Kubernetes keeps an indexed graph updated by informers; here the relations are read from the
// API server's watch caches when a node asks (a scan of the pods, which is what the graph
// indexes), so a pod bound a moment ago counts as soon as its cache has it.

import { isObject, type KObject, objectsAt as list, obj } from '../../../api/object.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

export interface PodReferences {
  secrets: Set<string>;
  configmaps: Set<string>;
  pvcs: Set<string>;
  serviceAccount?: string;
}

/** The Secrets, ConfigMaps and claims a pod uses (volumes, projections, env, envFrom, imagePullSecrets). */
export function podReferences(pod: KObject): PodReferences {
  const spec = obj(pod.spec);
  const refs: PodReferences = {
    secrets: new Set(),
    configmaps: new Set(),
    pvcs: new Set(),
    // No default: a pod that names none (a mirror pod) runs as no service account the node may act for.
    serviceAccount: str(spec.serviceAccountName),
  };
  const add = (set: Set<string>, v: unknown) => {
    const s = str(v);
    if (s) set.add(s);
  };
  for (const s of list(spec.imagePullSecrets)) add(refs.secrets, s.name);
  for (const v of list(spec.volumes)) {
    add(refs.secrets, obj(v.secret).secretName);
    add(refs.configmaps, obj(v.configMap).name);
    add(refs.pvcs, obj(v.persistentVolumeClaim).claimName);
    // An ephemeral volume's claim is named <pod>-<volume>.
    if (isObject(v.ephemeral)) add(refs.pvcs, `${pod.metadata.name}-${str(v.name) ?? ''}`);
    for (const src of list(obj(v.projected).sources)) {
      add(refs.secrets, obj(src.secret).name);
      add(refs.configmaps, obj(src.configMap).name);
    }
    // Volume plugins that name a secret (cephfs, rbd, iscsi, flexVolume, csi...).
    for (const plugin of Object.values(v)) {
      add(refs.secrets, obj(obj(plugin).secretRef).name);
      add(refs.secrets, obj(obj(plugin).nodePublishSecretRef).name);
    }
  }
  for (const c of [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)]) {
    for (const e of list(c.env)) {
      const from = obj(e.valueFrom);
      add(refs.secrets, obj(from.secretKeyRef).name);
      add(refs.configmaps, obj(from.configMapKeyRef).name);
    }
    for (const e of list(c.envFrom)) {
      add(refs.secrets, obj(e.secretRef).name);
      add(refs.configmaps, obj(e.configMapRef).name);
    }
  }
  return refs;
}

export interface GraphSource {
  /** Every pod (all namespaces), from the watch cache. */
  pods(): KObject[];
  pvc(namespace: string, name: string): KObject | undefined;
}

/** Whether a pod is bound to the node (and not finished: kubelet no longer needs what it used). */
function onNode(pod: KObject, node: string): boolean {
  if (obj(pod.spec).nodeName !== node) return false;
  const phase = obj(pod.status).phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

export class NodeGraph {
  constructor(private readonly src: GraphSource) {}

  podsOn(node: string): KObject[] {
    return this.src.pods().filter((p) => onNode(p, node));
  }

  /** Whether node has a pod in namespace using the object (kind: secret, configmap, pvc, serviceaccount, pod). */
  related(node: string, kind: 'secret' | 'configmap' | 'pvc' | 'serviceaccount' | 'pod', namespace: string, name: string): boolean {
    for (const p of this.podsOn(node)) {
      if (p.metadata.namespace !== namespace) continue;
      if (kind === 'pod') {
        if (p.metadata.name === name) return true;
        continue;
      }
      const r = podReferences(p);
      if (kind === 'secret' && r.secrets.has(name)) return true;
      if (kind === 'configmap' && r.configmaps.has(name)) return true;
      if (kind === 'pvc' && r.pvcs.has(name)) return true;
      if (kind === 'serviceaccount' && r.serviceAccount === name) return true;
    }
    return false;
  }

  /** Whether a PersistentVolume is bound to a claim one of the node's pods uses. */
  relatedPV(node: string, pvName: string): boolean {
    for (const p of this.podsOn(node)) {
      for (const claim of podReferences(p).pvcs) {
        const pvc = this.src.pvc(p.metadata.namespace ?? '', claim);
        if (pvc && obj(pvc.spec).volumeName === pvName) return true;
      }
    }
    return false;
  }
}
