// The DefaultIngressClass admission plugin, as kube-apiserver's
// plugin/pkg/admission/network/defaultingressclass: a new Ingress that names no class (neither
// spec.ingressClassName nor the old kubernetes.io/ingress.class annotation) gets the class
// marked ingressclass.kubernetes.io/is-default-class=true; with several, the newest one.

import { isObject } from '../../api/object.js';
import type { ApiServerContext } from '../registry/context.js';
import type { AdmissionPlugin, Attributes } from './types.js';

export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

export class DefaultIngressClass implements AdmissionPlugin {
  readonly name = 'DefaultIngressClass';

  async admit(a: Attributes, api: ApiServerContext): Promise<void> {
    if (a.group !== 'networking.k8s.io' || a.resource !== 'ingresses' || a.subresource || a.operation !== 'CREATE') return;
    const spec = isObject(a.object.spec) ? a.object.spec : {};
    if (typeof spec.ingressClassName === 'string') return;
    if (a.object.metadata.annotations?.[LEGACY_CLASS_ANNOTATION] !== undefined) return;
    const defaults = api
      .listObjects('networking.k8s.io', 'ingressclasses')
      .filter((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true')
      .sort(
        (x, y) =>
          String(y.metadata.creationTimestamp ?? '').localeCompare(String(x.metadata.creationTimestamp ?? '')) ||
          String(x.metadata.name).localeCompare(String(y.metadata.name)),
      );
    if (defaults.length === 0) return;
    spec.ingressClassName = defaults[0].metadata.name;
    a.object.spec = spec;
  }
}
