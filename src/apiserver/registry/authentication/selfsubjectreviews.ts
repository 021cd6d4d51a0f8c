// SelfSubjectReview, as kube-apiserver's pkg/registry/authentication/selfsubjectreview: who the
// API server takes the requester to be (after impersonation): name, uid, groups, extra.
// `kubectl auth whoami` asks it; never stored.

import { errors } from '../../../api/errors.js';
import { isObject } from '../../../api/object.js';
import { defaultPrinter } from '../../tables.js';
import { type CreateHandler, defineResource } from '../rest.js';

const create: CreateHandler = async (_env, _ns, _name, body, ctx) => {
  if (!isObject(body)) throw errors.badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
  if (body.kind !== undefined && body.kind !== 'SelfSubjectReview')
    throw errors.badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (SelfSubjectReview)`);
  const u = ctx.user;
  const userInfo: Record<string, unknown> = { username: u.name };
  if (u.uid) userInfo.uid = u.uid;
  if (u.groups.length) userInfo.groups = u.groups;
  if (u.extra && Object.keys(u.extra).length) userInfo.extra = u.extra;
  return {
    code: 201,
    body: {
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      status: { userInfo },
    },
  };
};

export const resource = defineResource({
  info: {
    group: 'authentication.k8s.io',
    version: 'v1',
    resource: 'selfsubjectreviews',
    kind: 'SelfSubjectReview',
    namespaced: false,
    schema: 'io.k8s.api.authentication.v1.SelfSubjectReview',
    verbs: ['create'],
  },
  create,
  printer: defaultPrinter,
});
