// Types and names shared by the node agent's parts.

import type { KObject } from '../../api/object.js';
import type { ConfigMap, Container, Pod, Secret, Service } from '../../api/types.js';
import type { TokenRequestSpec } from './token.js';

// The agent's names for the API types (src/api/types.ts).
export type PodObject = Pod;
export type ServiceObject = Service;
export type ConfigMapObject = ConfigMap;
export type SecretObject = Secret;
export type { Container };

/** Labels and annotations the agent puts on sandboxes and containers, as the kubelet's (kuberuntime/labels.go). */
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
export const ANNOTATION_RESTART_COUNT = 'io.kubernetes.container.restartCount';
export const ANNOTATION_CONTAINER_HASH = 'io.kubernetes.container.hash';
export const ANNOTATION_TERMINATION_GRACE = 'io.kubernetes.pod.terminationGracePeriod';
export const ANNOTATION_INIT_CONTAINER = 'k8ts.io/init-container';
export const ANNOTATION_EPHEMERAL_CONTAINER = 'k8ts.io/ephemeral-container';
export const ANNOTATION_TERMINATION_MESSAGE_PATH = 'io.kubernetes.container.terminationMessagePath';
export const ANNOTATION_TERMINATION_MESSAGE_POLICY = 'io.kubernetes.container.terminationMessagePolicy';
/** Where on the node the file mounted at terminationMessagePath is (kubelet finds it among the CRI status's mounts). */
export const ANNOTATION_TERMINATION_MESSAGE_HOST_PATH = 'k8ts.io/termination-message-host-path';

/** A NotFound for a pod's dependency, worded as the kubelet's object managers word it. */
export class DependencyNotFound extends Error {
  constructor(
    public kind: 'configmap' | 'secret',
    public objName: string,
  ) {
    super(`${kind} "${objName}" not found`);
  }
}

/** Where the agent reads a pod's configmaps, secrets and services (the informers' caches, with a GET behind a cache miss). */
export interface ObjectSource {
  configMap(namespace: string, name: string): Promise<ConfigMapObject>;
  secret(namespace: string, name: string): Promise<SecretObject>;
  services(namespace: string): ServiceObject[];
  /** A claim and a volume, read from the API server (as kubelet's volume manager GETs them); undefined when missing. */
  persistentVolumeClaim?(namespace: string, name: string): Promise<KObject | undefined>;
  persistentVolume?(name: string): Promise<KObject | undefined>;
  /** A token for a projected serviceAccountToken source, bound to the pod (the kubelet's token manager). */
  serviceAccountToken?(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<{ token: string }>;
  /** The pod is gone: forget the tokens bound to it. */
  forgetServiceAccountTokens?(podUid: string): void;
}

/** "name_namespace(uid)", as the kubelet's format.Pod names a pod in messages. */
export function formatPod(pod: PodObject): string {
  return `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
}

export function allContainers(pod: PodObject): { container: Container; init: boolean; ephemeral?: boolean }[] {
  return [
    ...(pod.spec?.initContainers ?? []).map((container) => ({ container, init: true })),
    ...(pod.spec?.containers ?? []).map((container) => ({ container, init: false })),
    ...(pod.spec?.ephemeralContainers ?? []).map((container) => ({ container: container as Container, init: false, ephemeral: true })),
  ];
}

export function fieldPathOf(pod: PodObject, name: string): string {
  if ((pod.spec?.initContainers ?? []).some((c) => c.name === name)) return `spec.initContainers{${name}}`;
  if ((pod.spec?.ephemeralContainers ?? []).some((c) => c.name === name)) return `spec.ephemeralContainers{${name}}`;
  return `spec.containers{${name}}`;
}
