// The Priority admission plugin, as kube-apiserver's plugin/pkg/admission/priority: a new pod's
// spec.priorityClassName is resolved to spec.priority and spec.preemptionPolicy (a pod without
// a class gets the globalDefault class, or priority 0); a pod may not name an unknown class nor
// carry a priority other than its class's. On PriorityClasses it keeps globalDefault unique.

import { type KObject, obj } from '../../api/object.js';
import type { ApiServerContext } from '../registry/context.js';
import { type AdmissionPlugin, type Attributes, forbidden } from './types.js';

/** scheduling.DefaultPriorityWhenNoDefaultClassExists */
export const DEFAULT_PRIORITY = 0;

/** The globalDefault class: the one with the lowest value when several claim it (getDefaultPriorityClass). */
export function defaultPriorityClass(classes: KObject[]): KObject | undefined {
  let best: KObject | undefined;
  for (const pc of classes) {
    if (pc.globalDefault !== true) continue;
    if (!best || Number(pc.value) < Number(best.value)) best = pc;
  }
  return best;
}

export class PriorityAdmission implements AdmissionPlugin {
  readonly name = 'Priority';

  async admit(a: Attributes, api: ApiServerContext): Promise<void> {
    if (a.group !== '' || a.resource !== 'pods' || a.subresource || a.operation !== 'CREATE') return;
    const spec = obj(a.object.spec);
    let name = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : '';
    let priority = DEFAULT_PRIORITY;
    let policy: string | undefined = 'PreemptLowerPriority';
    if (!name) {
      const def = defaultPriorityClass(api.listObjects('scheduling.k8s.io', 'priorityclasses'));
      if (def) {
        name = def.metadata.name ?? '';
        priority = Number(def.value);
        policy = typeof def.preemptionPolicy === 'string' ? def.preemptionPolicy : undefined;
      }
    } else {
      const pc = await api.getObject('scheduling.k8s.io', 'priorityclasses', undefined, name);
      if (!pc) throw forbidden(a, `no PriorityClass with name ${name} was found`);
      priority = Number(pc.value);
      policy = typeof pc.preemptionPolicy === 'string' ? pc.preemptionPolicy : undefined;
    }
    if (typeof spec.priority === 'number' && spec.priority !== priority) {
      throw forbidden(
        a,
        `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
      );
    }
    if (name) spec.priorityClassName = name;
    spec.priority = priority;
    if (policy !== undefined) {
      if (typeof spec.preemptionPolicy === 'string' && spec.preemptionPolicy !== policy) {
        throw forbidden(
          a,
          `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`,
        );
      }
      spec.preemptionPolicy = policy;
    }
    a.object.spec = spec;
  }

  validate(a: Attributes, api: ApiServerContext): void {
    if (a.group !== 'scheduling.k8s.io' || a.resource !== 'priorityclasses' || a.subresource) return;
    if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return;
    if (a.object.globalDefault !== true) return;
    const other = api
      .listObjects('scheduling.k8s.io', 'priorityclasses')
      .find((pc) => pc.globalDefault === true && pc.metadata.name !== a.name);
    if (other) throw forbidden(a, `PriorityClass ${other.metadata.name} is already marked as default. Only one default can exist`);
  }
}
