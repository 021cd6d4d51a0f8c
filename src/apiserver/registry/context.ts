// What strategies may reach of the running API server: its clock, its allocators and
// read access to other resources (as admission plugins and registry hooks do in kube-apiserver).

import type { KObject } from '../../api/object.js';
import type { AdmissionChain } from '../admission/chain.js';
import type { ServiceAllocators } from '../allocators.js';
import type { EscalationChecker } from '../authz/rbac/escalation.js';
import type { GenericRegistry } from './generic.js';

export interface ApiServerContext {
  allocators: ServiceAllocators;
  /** Reads another object straight from the store (consistent). */
  getObject(group: string, resource: string, namespace: string | undefined, name: string): Promise<KObject | undefined>;
  /** Another resource's objects from its watch cache, as admission plugins read listers (shared: never mutate them). */
  listObjects(group: string, resource: string, namespace?: string): KObject[];
  /** Another resource's registry, for admission plugins that write (ResourceQuota charges its quota's status). */
  registry(group: string, resource: string): GenericRegistry | undefined;
  /** The admission plugins that act across resources (LimitRanger, Priority, ResourceQuota). */
  admission?: AdmissionChain;
  /** The address other components reach the API server at (for the kubernetes service's endpoints). */
  advertiseAddress: string;
  /** RBAC's escalation check for writes of roles and bindings (absent when RBAC is not the authorizer). */
  escalation?: EscalationChecker;
}
