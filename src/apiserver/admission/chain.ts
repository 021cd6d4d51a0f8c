// The admission chain kube-apiserver runs, in its recommended order (pkg/kubeapiserver/options
// plugins.go: ... LimitRanger, ServiceAccount, Priority, ... ResourceQuota last). The
// plugins that live in resource strategies (DefaultTolerationSeconds,
// DefaultStorageClass, StorageObjectInUseProtection) stay there; the ones that act across
// resources are here.

import type { ApiServerContext } from '../registry/context.js';
import { DefaultIngressClass } from './defaultingressclass.js';
import { LimitRanger } from './limitranger.js';
import { NamespaceLifecycle } from './namespacelifecycle.js';
import { NodeRestriction } from './noderestriction.js';
import { PriorityAdmission } from './priority.js';
import { ResourceQuotaAdmission } from './resourcequota.js';
import { ServiceAccountAdmission } from './serviceaccount.js';
import type { AdmissionPlugin, Attributes } from './types.js';

export class AdmissionChain {
  constructor(readonly plugins: readonly AdmissionPlugin[]) {}

  /** The mutating phase, each plugin in order. */
  async admit(a: Attributes, api: ApiServerContext): Promise<void> {
    for (const p of this.plugins) if (p.admit) await p.admit(a, api);
  }

  /** The validating phase, each plugin in order. */
  async validate(a: Attributes, api: ApiServerContext): Promise<void> {
    for (const p of this.plugins) if (p.validate) await p.validate(a, api);
  }
}

export function defaultAdmissionChain(): AdmissionChain {
  return new AdmissionChain([
    new NamespaceLifecycle(),
    new LimitRanger(),
    new ServiceAccountAdmission(),
    new NodeRestriction(),
    new PriorityAdmission(),
    new DefaultIngressClass(),
    new ResourceQuotaAdmission(),
  ]);
}
