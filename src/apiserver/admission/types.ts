// The admission contract, after k8s.io/apiserver/pkg/admission (Attributes, MutationInterface,
// ValidationInterface): what a plugin sees of a request and the two phases it may act in.
// Mutating plugins run on the decoded, defaulted object before the resource's strategy; validating
// plugins run after the strategy's validation, right before the store write (ResourceQuota
// charges there, so only an object that will be written is charged).

import { errors, type StatusCause, type StatusError } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import type { UserInfo } from '../authn/user.js';
import type { ApiServerContext } from '../registry/context.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface Attributes {
  operation: Operation;
  group: string;
  version: string;
  kind: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name: string;
  object: KObject;
  oldObject?: KObject;
  dryRun: boolean;
  user: UserInfo;
}

export interface AdmissionPlugin {
  readonly name: string;
  /** MutationInterface.Admit: may change attrs.object; throws a StatusError to refuse. */
  admit?(a: Attributes, api: ApiServerContext): Promise<void> | void;
  /** ValidationInterface.Validate: may not change the object; throws a StatusError to refuse. */
  validate?(a: Attributes, api: ApiServerContext): Promise<void> | void;
}

/** admission.NewForbidden: `pods "x" is forbidden: <why>`. */
export function forbidden(a: Pick<Attributes, 'group' | 'resource' | 'name'>, why: string, causes?: StatusCause[]): StatusError {
  const qr = a.group ? `${a.resource}.${a.group}` : a.resource;
  return errors.forbidden(`${qr} "${a.name}" is forbidden: ${why}`, {
    name: a.name,
    group: a.group || undefined,
    kind: a.resource,
    ...(causes ? { causes } : {}),
  });
}
