// Node selector terms against a node, as Kubernetes' component-helpers/scheduling/corev1/nodeaffinity:
// one matcher that the scheduler's NodeAffinity plugin, the volume binder's CheckNodeAffinity
// and the DaemonSet controller's "should this node run a daemon pod" all share.

import type { NodeSelectorRequirement, NodeSelectorTerm } from './types.js';

const INT_RE = /^[+-]?\d+$/;

function matchExpression(r: NodeSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return has && values.includes(v);
    case 'NotIn':
      return !has || !values.includes(v);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      // One integer value, compared with the label parsed as an integer; anything else never matches.
      if (!has || values.length !== 1 || !INT_RE.test(values[0]) || !INT_RE.test(v)) return false;
      const a = BigInt(v),
        b = BigInt(values[0]);
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

function matchField(r: NodeSelectorRequirement, nodeName: string): boolean {
  // Only metadata.name, with In or NotIn of exactly one value, is a valid field requirement.
  if (r.key !== 'metadata.name') return false;
  const values = r.values ?? [];
  if (values.length !== 1) return false;
  if (r.operator === 'In') return values[0] === nodeName;
  if (r.operator === 'NotIn') return values[0] !== nodeName;
  return false;
}

/** A term with no requirements matches nothing. */
export function matchNodeSelectorTerm(term: NodeSelectorTerm, labels: Record<string, string>, nodeName: string): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const r of exprs) if (!matchExpression(r, labels)) return false;
  for (const r of fields) if (!matchField(r, nodeName)) return false;
  return true;
}
