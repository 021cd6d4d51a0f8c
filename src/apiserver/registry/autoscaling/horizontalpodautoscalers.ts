// HorizontalPodAutoscalers (autoscaling/v2), as kube-apiserver's
// pkg/registry/autoscaling/horizontalpodautoscaler: status is the horizontal pod autoscaler
// controller's, written through the status subresource. The printer is
// printHorizontalPodAutoscaler: reference, targets ("cpu: 52%/80%"), min and max pods, replicas.

import { defaultHorizontalPodAutoscaler } from '../../../api/defaults-policy.js';
import { printerColumns } from '../../../api/schema/columns.js';
import {
  validateHorizontalPodAutoscalerCreate,
  validateHorizontalPodAutoscalerStatusUpdate,
  validateHorizontalPodAutoscalerUpdate,
} from '../../../api/validation/autoscaling.js';
import { a, n, o, type Printer, s, timestampSince } from '../../tables.js';
import { defineResource, statusSubresource } from '../rest.js';
import { clearStatus, keepStatus, type Strategy, statusStrategy as statusOf } from '../strategy.js';

export const strategy: Strategy = {
  defaults: defaultHorizontalPodAutoscaler,
  prepareForCreate(hpa) {
    clearStatus(hpa);
    hpa.status = { currentReplicas: 0, desiredReplicas: 0 };
  },
  prepareForUpdate(hpa, old) {
    keepStatus(hpa, old);
  },
  validate: validateHorizontalPodAutoscalerCreate,
  validateUpdate: validateHorizontalPodAutoscalerUpdate,
};

export const statusStrategy = statusOf(validateHorizontalPodAutoscalerStatusUpdate);

/** formatHPAMetrics: "cpu: 52%/80%", "<unknown>/80%" before the first reading; more than 3 are summarised. */
export function formatTargets(spec: Record<string, unknown>, status: Record<string, unknown>): string {
  const specs = a(spec.metrics).map(o);
  if (!specs.length) return '<none>';
  const statuses = a(status.currentMetrics).map(o);
  const parts: string[] = [];
  specs.forEach((m, i) => {
    const cur = o(statuses[i]);
    const type = s(m.type);
    const field = type.charAt(0).toLowerCase() + type.slice(1);
    const src = o(m[field]);
    const target = o(src.target);
    const curv = o(o(cur[field]).current);
    const prefix = type === 'Resource' ? `${s(src.name)}: ` : type === 'ContainerResource' ? `${s(src.name)}: ` : '';
    if (target.averageUtilization !== undefined) {
      const c = statuses[i] && curv.averageUtilization !== undefined ? `${n(curv.averageUtilization)}%` : '<unknown>';
      parts.push(`${prefix}${c}/${n(target.averageUtilization)}%`);
    } else if (target.averageValue !== undefined) {
      parts.push(
        `${prefix}${statuses[i] && curv.averageValue !== undefined ? s(curv.averageValue) : '<unknown>'}/${s(target.averageValue)}`,
      );
    } else {
      parts.push(`${prefix}${statuses[i] && curv.value !== undefined ? s(curv.value) : '<unknown>'}/${s(target.value)}`);
    }
  });
  if (parts.length > 3) return `${parts.slice(0, 3).join(', ')} + ${parts.length - 3} more...`;
  return parts.join(', ');
}

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler'),
  row(hpa, now) {
    const spec = o(hpa.spec),
      status = o(hpa.status),
      ref = o(spec.scaleTargetRef);
    const min = spec.minReplicas === undefined ? '<unset>' : String(n(spec.minReplicas));
    return {
      cells: [
        s(hpa.metadata.name),
        `${s(ref.kind)}/${s(ref.name)}`,
        formatTargets(spec, status),
        min,
        String(n(spec.maxReplicas)),
        String(n(status.currentReplicas)),
        timestampSince(hpa.metadata.creationTimestamp, now),
      ],
    };
  },
};

export const resource = defineResource({
  info: {
    group: 'autoscaling',
    version: 'v2',
    resource: 'horizontalpodautoscalers',
    kind: 'HorizontalPodAutoscaler',
    namespaced: true,
    schema: 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler',
    shortNames: ['hpa'],
    categories: ['all'],
  },
  strategy,
  subresources: { status: statusSubresource('HorizontalPodAutoscaler', statusStrategy) },
  printer,
});
