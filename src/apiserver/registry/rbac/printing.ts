// The columns `kubectl get` shows for RBAC objects, as kube-apiserver v1.32's printRole,
// printClusterRole, printRoleBinding and printClusterRoleBinding (pkg/printers/internalversion):
// roles show when they were made, bindings their role and, with -o wide, their subjects.

import type { KObject } from '../../../api/object.js';
import { ageCol, col, nameCol, type PrinterColumn } from '../../../api/schema/columns.js';
import { a, defaultPrinter, o, type Printer, s, timestampSince } from '../../tables.js';

/** Roles and ClusterRoles show their name and when they were made (RFC 3339), as the default printer does. */
export const rolePrinter: Printer = defaultPrinter;

function bindingColumns(what: string): PrinterColumn[] {
  return [
    nameCol,
    col(
      'Role',
      'string',
      'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.',
    ),
    ageCol,
    col('Users', 'string', `Users in the ${what}`, 1),
    col('Groups', 'string', `Groups in the ${what}`, 1),
    col('ServiceAccounts', 'string', `ServiceAccounts in the ${what}`, 1),
  ];
}

function subjectsOf(b: KObject, kind: string): string {
  return a(b.subjects)
    .map(o)
    .filter((x) => x.kind === kind)
    .map((x) => (kind === 'ServiceAccount' ? `${s(x.namespace)}/${s(x.name)}` : s(x.name)))
    .join(', ');
}

function bindingPrinter(what: string): Printer {
  return {
    columns: bindingColumns(what),
    row: (b, now) => {
      const ref = o(b.roleRef);
      return {
        cells: [
          s(b.metadata.name),
          `${s(ref.kind)}/${s(ref.name)}`,
          timestampSince(b.metadata.creationTimestamp, now),
          subjectsOf(b, 'User'),
          subjectsOf(b, 'Group'),
          subjectsOf(b, 'ServiceAccount'),
        ],
      };
    },
  };
}

export const roleBindingPrinter = bindingPrinter('roleBinding');
export const clusterRoleBindingPrinter = bindingPrinter('clusterRoleBinding');
