import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as defaults from './defaults.js';
import { errors, type FieldError, fieldErrorMessage } from './errors.js';
import { deepCopy, type KObject } from './object.js';
import * as v from './validation.js';

const msgs = (errs: FieldError[]): string[] => errs.map(fieldErrorMessage);
type Mutate = (o: any) => void;

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name' or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name' or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

function defaulted(defaulter: (o: KObject) => void, o: KObject): KObject {
  defaulter(o);
  return o;
}

const basePod = (): KObject =>
  defaulted(defaults.defaultPod, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80, name: 'http' }] }] },
  });

const baseDeployment = (): KObject =>
  defaulted(defaults.defaultDeployment, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x', namespace: 'default', labels: { app: 'x' } },
    spec: {
      selector: { matchLabels: { app: 'x' } },
      template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
    },
  });

const baseService = (): KObject =>
  defaulted(defaults.defaultService, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80 }], clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'] },
  });

/** What JSON.parse says of text (the message a Secret's JSON key is refused with). */
function jsonParseMessage(text: string): string {
  try {
    JSON.parse(text);
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

/** Runs each case on a fresh base object; want lists the exact messages (order-insensitive). */
function table(
  validate: (o: KObject) => FieldError[],
  kind: string,
  base: () => KObject,
  cases: [name: string, mutate: Mutate, want: string[]][],
): void {
  for (const [name, mutate, want] of cases) {
    const o = base();
    mutate(o);
    assert.deepEqual(msgs(validate(o)).sort(), [...want].sort(), `${kind}: ${name}`);
  }
}

test('the base objects are valid', () => {
  assert.deepEqual(v.validatePodCreate(basePod()), []);
  assert.deepEqual(v.validateDeploymentCreate(baseDeployment()), []);
  assert.deepEqual(v.validateServiceCreate(baseService()), []);
});

test('metadata: names, labels, annotations, finalizers, namespace', () => {
  table(v.validatePodCreate, 'Pod', basePod, [
    [
      'bad name',
      (p) => {
        p.metadata.name = 'Bad_Name';
      },
      [`metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN_MSG}`],
    ],
    [
      'missing name',
      (p) => {
        delete p.metadata.name;
      },
      ['metadata.name: Required value: name or generateName is required'],
    ],
    [
      'generateName only',
      (p) => {
        delete p.metadata.name;
        p.metadata.generateName = 'web-';
      },
      [],
    ],
    [
      'too long',
      (p) => {
        p.metadata.name = 'a'.repeat(254);
      },
      [`metadata.name: Invalid value: "${'a'.repeat(254)}": must be no more than 253 characters`],
    ],
    [
      'no namespace',
      (p) => {
        delete p.metadata.namespace;
      },
      ['metadata.namespace: Required value'],
    ],
    [
      'bad label value',
      (p) => {
        p.metadata.labels = { app: 'bad value!' };
      },
      [
        "metadata.labels: Invalid value: \"bad value!\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue' or 'my_value' or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ],
    ],
    [
      'bad label key',
      (p) => {
        p.metadata.labels = { '-x': 'y' };
      },
      [
        "metadata.labels: Invalid value: \"-x\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName' or 'my.name' or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    ],
    [
      'prefixed label key with bad prefix',
      (p) => {
        p.metadata.labels = { 'Example.com/x': 'y' };
      },
      [`metadata.labels: Invalid value: "Example.com/x": prefix part ${SUBDOMAIN_MSG}`],
    ],
    [
      'annotations too big',
      (p) => {
        p.metadata.annotations = { a: 'x'.repeat(256 * 1024) };
      },
      ['metadata.annotations: Too long: may not be more than 262144 bytes'],
    ],
    [
      'annotation key case does not matter',
      (p) => {
        p.metadata.annotations = { 'Example.COM/Key': 'v' };
      },
      [],
    ],
    [
      'finalizer without domain',
      (p) => {
        p.metadata.finalizers = ['mine'];
      },
      ['metadata.finalizers[0]: Invalid value: "mine": name is neither a standard finalizer name nor is it fully qualified'],
    ],
    [
      'finalizer with domain',
      (p) => {
        p.metadata.finalizers = ['example.com/mine', 'foregroundDeletion'];
      },
      [],
    ],
    [
      'owner reference fields',
      (p) => {
        p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: '', uid: '' }];
      },
      [
        'metadata.ownerReferences.name: Invalid value: "": must not be empty',
        'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
      ],
    ],
    [
      'two controllers',
      (p) => {
        p.metadata.ownerReferences = [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '2', controller: true },
        ];
      },
      [
        'metadata.ownerReferences: Invalid value: []v1.OwnerReference{...}: Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b',
      ],
    ],
  ]);
  // Namespaces and services use label-shaped names; cluster-scoped kinds take no namespace.
  assert.deepEqual(msgs(v.validateNamespaceCreate(defaulted(defaults.defaultNamespace, { metadata: { name: 'a.b' } }))), [
    'metadata.name: Invalid value: "a.b": must not contain dots',
  ]);
  assert.deepEqual(msgs(v.validateNamespaceCreate(defaulted(defaults.defaultNamespace, { metadata: { name: 'Team' } }))), [
    `metadata.name: Invalid value: "Team": ${LABEL_MSG}`,
  ]);
  assert.deepEqual(msgs(v.validateNamespaceCreate(defaulted(defaults.defaultNamespace, { metadata: { name: 'team', namespace: 'x' } }))), [
    'metadata.namespace: Forbidden: not allowed on this type',
  ]);
  assert.deepEqual(msgs(v.validateNamespaceCreate(defaulted(defaults.defaultNamespace, { metadata: { name: 'team' } }))), []);
  const svc = baseService();
  svc.metadata.name = '1web';
  assert.deepEqual(msgs(v.validateServiceCreate(svc)), [`metadata.name: Invalid value: "1web": ${DNS1035_MSG}`]);
});

test('pod create', () => {
  table(v.validatePodCreate, 'Pod', basePod, [
    [
      'no containers',
      (p) => {
        p.spec.containers = [];
      },
      ['spec.containers: Required value'],
    ],
    [
      'missing image',
      (p) => {
        delete p.spec.containers[0].image;
      },
      ['spec.containers[0].image: Required value'],
    ],
    [
      'image whitespace',
      (p) => {
        p.spec.containers[0].image = ' nginx';
      },
      ['spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace'],
    ],
    [
      'bad container name',
      (p) => {
        p.spec.containers[0].name = 'Web_1';
      },
      [`spec.containers[0].name: Invalid value: "Web_1": ${LABEL_MSG}`],
    ],
    [
      'duplicate container names',
      (p) => {
        p.spec.containers.push({ ...p.spec.containers[0], ports: [] });
      },
      ['spec.containers[1].name: Duplicate value: "nginx"'],
    ],
    [
      'port out of range',
      (p) => {
        p.spec.containers[0].ports[0].containerPort = 70000;
      },
      ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'],
    ],
    [
      'port missing',
      (p) => {
        delete p.spec.containers[0].ports[0].containerPort;
      },
      ['spec.containers[0].ports[0].containerPort: Required value'],
    ],
    [
      'duplicate port names',
      (p) => {
        p.spec.containers[0].ports.push({ name: 'http', containerPort: 81, protocol: 'TCP' });
      },
      ['spec.containers[0].ports[1].name: Duplicate value: "http"'],
    ],
    [
      'bad protocol',
      (p) => {
        p.spec.containers[0].ports[0].protocol = 'ICMP';
      },
      ['spec.containers[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'],
    ],
    [
      'duplicate host ports',
      (p) => {
        p.spec.containers[0].ports = [
          { containerPort: 80, hostPort: 8080, protocol: 'TCP' },
          { containerPort: 81, hostPort: 8080, protocol: 'TCP' },
        ];
      },
      ['spec.containers[0].ports[1].hostPort: Duplicate value: "TCP//8080"'],
    ],
    [
      'restartPolicy',
      (p) => {
        p.spec.restartPolicy = 'Sometimes';
      },
      ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'],
    ],
    [
      'dnsPolicy',
      (p) => {
        p.spec.dnsPolicy = 'Google';
      },
      ['spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"'],
    ],
    [
      'requests above limits',
      (p) => {
        p.spec.containers[0].resources = { limits: { cpu: '500m' }, requests: { cpu: '1' } };
      },
      ['spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m'],
    ],
    [
      'requests within limits',
      (p) => {
        p.spec.containers[0].resources = { limits: { memory: '1Gi' }, requests: { memory: '512Mi' } };
      },
      [],
    ],
    [
      'unknown resource',
      (p) => {
        p.spec.containers[0].resources = { limits: { gpu: '1' } };
      },
      ['spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers'],
    ],
    [
      'negative request',
      (p) => {
        p.spec.containers[0].resources = { requests: { cpu: '-1' } };
      },
      ['spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0'],
    ],
    [
      'duplicate volume names',
      (p) => {
        p.spec.volumes = [
          { name: 'v', emptyDir: {} },
          { name: 'v', emptyDir: {} },
        ];
      },
      ['spec.volumes[1].name: Duplicate value: "v"'],
    ],
    [
      'two volume sources',
      (p) => {
        p.spec.volumes = [{ name: 'v', emptyDir: {}, configMap: { name: 'c', defaultMode: 420 } }];
      },
      ['spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type'],
    ],
    [
      'no volume source',
      (p) => {
        p.spec.volumes = [{ name: 'v' }];
      },
      ['spec.volumes[0]: Required value: must specify a volume type'],
    ],
    [
      'mount of a missing volume',
      (p) => {
        p.spec.containers[0].volumeMounts = [{ name: 'data', mountPath: '/data' }];
      },
      ['spec.containers[0].volumeMounts[0].name: Not found: "data"'],
    ],
    [
      'mount path missing and duplicated',
      (p) => {
        p.spec.volumes = [{ name: 'v', emptyDir: {} }];
        p.spec.containers[0].volumeMounts = [
          { name: 'v', mountPath: '/a' },
          { name: 'v', mountPath: '/a' },
        ];
      },
      ['spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/a": must be unique'],
    ],
    [
      'probe with no handler',
      (p) => {
        p.spec.containers[0].livenessProbe = { periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 };
      },
      ['spec.containers[0].livenessProbe: Required value: must specify a handler type'],
    ],
    [
      'probe with two handlers',
      (p) => {
        p.spec.containers[0].readinessProbe = {
          exec: { command: ['true'] },
          tcpSocket: { port: 80 },
          periodSeconds: 10,
          timeoutSeconds: 1,
          successThreshold: 1,
          failureThreshold: 3,
        };
      },
      ['spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type'],
    ],
    [
      'liveness successThreshold',
      (p) => {
        p.spec.containers[0].livenessProbe = {
          httpGet: { path: '/', port: 80, scheme: 'HTTP' },
          periodSeconds: 10,
          timeoutSeconds: 1,
          successThreshold: 2,
          failureThreshold: 3,
        };
      },
      ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1'],
    ],
    [
      'probe named port',
      (p) => {
        p.spec.containers[0].livenessProbe = {
          tcpSocket: { port: 'HTTP' },
          periodSeconds: 10,
          timeoutSeconds: 1,
          successThreshold: 1,
          failureThreshold: 3,
        };
      },
      [
        'spec.containers[0].livenessProbe.tcpSocket.port: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        'spec.containers[0].livenessProbe.tcpSocket.port: Invalid value: "HTTP": must contain at least one letter (a-z)',
      ],
    ],
    [
      'env name empty',
      (p) => {
        p.spec.containers[0].env = [{ name: '' }];
      },
      ['spec.containers[0].env[0].name: Required value'],
    ],
    [
      'env name with =',
      (p) => {
        p.spec.containers[0].env = [{ name: 'A=B' }];
      },
      [
        'spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than \'=\'',
      ],
    ],
    [
      'env fieldRef unsupported',
      (p) => {
        p.spec.containers[0].env = [{ name: 'X', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.phase' } } }];
      },
      [
        'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "status.phase": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
      ],
    ],
    [
      'env value and valueFrom',
      (p) => {
        p.spec.containers[0].env = [{ name: 'X', value: 'v', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }];
      },
      ['spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty'],
    ],
    [
      'grace period missing',
      (p) => {
        delete p.spec.terminationGracePeriodSeconds;
      },
      ['spec.terminationGracePeriodSeconds: Required value'],
    ],
    [
      'toleration',
      (p) => {
        p.spec.tolerations = [{ key: 'k', operator: 'Exists', value: 'v' }];
      },
      ['spec.tolerations[0].operator: Invalid value: "v": value must be empty when `operator` is \'Exists\''],
    ],
    [
      'activeDeadlineSeconds',
      (p) => {
        p.spec.activeDeadlineSeconds = 0;
      },
      ['spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive'],
    ],
  ]);
});

test('pod create: volume item paths and subPaths stay inside their volume (issue #7)', () => {
  const dotdot = "must not contain '..'";
  const vol = (v: any) => (p: any) => {
    p.spec.serviceAccountName = 'default';
    p.spec.volumes = [{ name: 'v', ...v }];
  };
  table(v.validatePodCreate, 'Pod', basePod, [
    [
      'downwardAPI item climbing out',
      vol({
        downwardAPI: {
          defaultMode: 420,
          items: [{ path: '../../../../../../etc/cron.d/x', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } }],
        },
      }),
      [`spec.volumes[0].downwardAPI.path: Invalid value: "../../../../../../etc/cron.d/x": ${dotdot}`],
    ],
    [
      'downwardAPI item absolute',
      vol({ downwardAPI: { defaultMode: 420, items: [{ path: '/etc/x', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } }] } }),
      ['spec.volumes[0].downwardAPI.path: Invalid value: "/etc/x": must be a relative path'],
    ],
    [
      'downwardAPI item named ..data',
      vol({ downwardAPI: { defaultMode: 420, items: [{ path: '..data', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } }] } }),
      ['spec.volumes[0].downwardAPI.path: Invalid value: "..data": must not start with \'..\''],
    ],
    [
      'downwardAPI item without a source',
      vol({ downwardAPI: { defaultMode: 420, items: [{ path: 'x' }] } }),
      ['spec.volumes[0].downwardAPI: Required value: one of fieldRef and resourceFieldRef is required'],
    ],
    [
      'configMap item',
      vol({ configMap: { name: 'c', defaultMode: 420, items: [{ key: 'k', path: 'a/../../b' }] } }),
      [`spec.volumes[0].configMap.items[0].path: Invalid value: "a/../../b": ${dotdot}`],
    ],
    [
      'secret item',
      vol({ secret: { secretName: 's', defaultMode: 420, items: [{ key: 'k', path: '../x' }] } }),
      [`spec.volumes[0].secret.items[0].path: Invalid value: "../x": ${dotdot}`],
    ],
    [
      'projected configMap item',
      vol({ projected: { defaultMode: 420, sources: [{ configMap: { name: 'c', items: [{ key: 'k', path: '../x' }] } }] } }),
      [`spec.volumes[0].projected.sources[0].configMap.items[0].path: Invalid value: "../x": ${dotdot}`],
    ],
    [
      'projected secret item',
      vol({ projected: { defaultMode: 420, sources: [{ secret: { name: 's', items: [{ key: 'k', path: '/x' }] } }] } }),
      ['spec.volumes[0].projected.sources[0].secret.items[0].path: Invalid value: "/x": must be a relative path'],
    ],
    [
      'projected secret without a name, and a path a config map gives again',
      vol({
        projected: {
          defaultMode: 420,
          sources: [{ secret: { items: [{ key: 'k', path: 'a' }] } }, { configMap: { name: 'c', items: [{ key: 'k', path: 'a' }] } }],
        },
      }),
      [
        'spec.volumes[0].projected.sources[0].secret.name: Required value',
        'spec.volumes[0].projected: Invalid value: "c": conflicting duplicate paths',
      ],
    ],
    [
      'projected downwardAPI item',
      vol({
        projected: {
          defaultMode: 420,
          sources: [{ downwardAPI: { items: [{ path: 'a/..', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } }] } }],
        },
      }),
      [`spec.volumes[0].projected.sources[0].downwardAPI.path: Invalid value: "a/..": ${dotdot}`],
    ],
    [
      'projected token path',
      vol({ projected: { defaultMode: 420, sources: [{ serviceAccountToken: { path: '../../token', expirationSeconds: 3600 } }] } }),
      [`spec.volumes[0].projected.path: Invalid value: "../../token": ${dotdot}`],
    ],
    [
      'projected token: path and expiry',
      vol({ projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 60 } }] } }),
      [
        'spec.volumes[0].projected.path: Required value',
        'spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
      ],
    ],
    [
      'projected duplicate paths',
      vol({
        projected: {
          defaultMode: 420,
          sources: [
            { configMap: { name: 'c', items: [{ key: 'k', path: 'x' }] } },
            { secret: { name: 's', items: [{ key: 'k', path: 'x' }] } },
          ],
        },
      }),
      ['spec.volumes[0].projected: Invalid value: "s": conflicting duplicate paths'],
    ],
    [
      'subPath climbing out',
      (p) => {
        p.spec.volumes = [{ name: 'v', emptyDir: {} }];
        p.spec.containers[0].volumeMounts = [{ name: 'v', mountPath: '/a', subPath: '../../etc' }];
      },
      [`spec.containers[0].volumeMounts.subPath: Invalid value: "../../etc": ${dotdot}`],
    ],
    [
      'subPath absolute',
      (p) => {
        p.spec.volumes = [{ name: 'v', emptyDir: {} }];
        p.spec.containers[0].volumeMounts = [{ name: 'v', mountPath: '/a', subPath: '/etc' }];
      },
      ['spec.containers[0].volumeMounts.subPath: Invalid value: "/etc": must be a relative path'],
    ],
    [
      'subPath starting with .. is a name',
      (p) => {
        p.spec.volumes = [{ name: 'v', emptyDir: {} }];
        p.spec.containers[0].volumeMounts = [{ name: 'v', mountPath: '/a', subPath: '..x' }];
      },
      [],
    ],
    [
      'subPathExpr',
      (p) => {
        p.spec.volumes = [{ name: 'v', emptyDir: {} }];
        p.spec.containers[0].volumeMounts = [{ name: 'v', mountPath: '/a', subPathExpr: '$(X)/../..' }];
      },
      [`spec.containers[0].volumeMounts.subPathExpr: Invalid value: "$(X)/../..": ${dotdot}`],
    ],
    [
      'subPath and subPathExpr',
      (p) => {
        p.spec.volumes = [{ name: 'v', emptyDir: {} }];
        p.spec.containers[0].volumeMounts = [{ name: 'v', mountPath: '/a', subPath: 'a', subPathExpr: 'b' }];
      },
      ['spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: "b": subPathExpr and subPath are mutually exclusive'],
    ],
  ]);
});

// validateSysctls (redteam, session 10): names were not checked at all.
test('pod create: sysctl names are well formed and not repeated', () => {
  const re = '^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$';
  const sysctls = (list: unknown[]) => (p: any) => {
    p.spec.securityContext = { sysctls: list };
  };
  table(v.validatePodCreate, 'Pod', basePod, [
    [
      'safe ones, both separators',
      sysctls([
        { name: 'net.ipv4.tcp_syncookies', value: '1' },
        { name: 'kernel/shm_rmid_forced', value: '1' },
      ]),
      [],
    ],
    [
      'bad, missing and repeated names',
      sysctls([{ name: 'Net.IPv4', value: '1' }, { value: '1' }, { name: 'a.b', value: '1' }, { name: 'a.b', value: '2' }]),
      [
        `spec.securityContext.sysctls[0].name: Invalid value: "Net.IPv4": must have at most 253 characters and match regex ${re}`,
        'spec.securityContext.sysctls[1].name: Required value',
        'spec.securityContext.sysctls[3].name: Duplicate value: "a.b"',
      ],
    ],
  ]);
});

test('the whole 422 message for a bad pod name, as kubectl prints it', () => {
  const p = basePod();
  p.metadata.name = 'Bad_Name';
  const err = errors.invalid('Pod', '', 'Bad_Name', v.validatePodCreate(p));
  assert.equal(err.code, 422);
  assert.equal(err.message, `Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN_MSG}`);
  assert.equal(err.toStatus().details?.causes?.[0].field, 'metadata.name');
});

test('pod update: only image, activeDeadlineSeconds, tolerations may change', () => {
  const old = basePod();
  old.metadata.resourceVersion = '5';
  old.metadata.uid = 'u1';
  const cases: [string, Mutate, string[] | RegExp][] = [
    [
      'image change',
      (p) => {
        p.spec.containers[0].image = 'nginx:1.28';
      },
      [],
    ],
    [
      'add toleration',
      (p) => {
        p.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }];
      },
      [],
    ],
    [
      'label change',
      (p) => {
        p.metadata.labels = { app: 'other' };
      },
      [],
    ],
    [
      'set activeDeadlineSeconds',
      (p) => {
        p.spec.activeDeadlineSeconds = 30;
      },
      [],
    ],
    [
      'add container',
      (p) => {
        p.spec.containers.push({ ...p.spec.containers[0], name: 'two', ports: [] });
      },
      ['spec.containers: Forbidden: pod updates may not add or remove containers'],
    ],
    [
      'change port',
      (p) => {
        p.spec.containers[0].ports[0].containerPort = 8080;
      },
      /^spec: Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`,`spec\.initContainers\[\*\]\.image`,`spec\.activeDeadlineSeconds`,`spec\.tolerations` \(only additions to existing tolerations\),`spec\.terminationGracePeriodSeconds` \(allow it to be set to 1 if it was previously negative\)\n {2}core\.PodSpec\{\n- \tContainers: .*"containerPort":80.*\n\+ \tContainers: .*"containerPort":8080/,
    ],
    [
      'change restartPolicy',
      (p) => {
        p.spec.restartPolicy = 'Never';
      },
      /^spec: Forbidden: pod updates may not change fields other than /,
    ],
    [
      'change name',
      (p) => {
        p.metadata.name = 'other';
      },
      ['metadata.name: Invalid value: "other": field is immutable'],
    ],
    [
      'no resourceVersion',
      (p) => {
        delete p.metadata.resourceVersion;
      },
      ['metadata.resourceVersion: Invalid value: "": must be specified for an update'],
    ],
  ];
  for (const [name, mutate, want] of cases) {
    const p = deepCopy(old);
    mutate(p);
    const got = msgs(v.validatePodUpdate(p, old));
    if (want instanceof RegExp) {
      assert.equal(got.length, 1, `${name}: ${got.join(' | ')}`);
      assert.match(got[0], want, name);
    } else {
      assert.deepEqual(got, want, name);
    }
  }
  // Tolerations may only be added to, and activeDeadlineSeconds only lowered.
  const withTol = deepCopy(old);
  withTol.spec = {
    ...(withTol.spec as object),
    tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }],
    activeDeadlineSeconds: 30,
  };
  const p = deepCopy(withTol);
  (p.spec as any).tolerations[0].tolerationSeconds = 10;
  assert.deepEqual(v.validatePodUpdate(p, withTol), []);
  (p.spec as any).tolerations = [];
  (p.spec as any).activeDeadlineSeconds = 60;
  assert.deepEqual(msgs(v.validatePodUpdate(p, withTol)), [
    'spec.activeDeadlineSeconds: Invalid value: 60: must be less than or equal to previous value',
  ]);
  (p.spec as any).activeDeadlineSeconds = 30;
  assert.deepEqual(msgs(v.validatePodUpdate(p, withTol)), [
    'spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds',
  ]);
});

test('pod status update', () => {
  const old = basePod();
  old.metadata.resourceVersion = '5';
  const p = deepCopy(old);
  p.status = { phase: 'Running', podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }], conditions: [{ type: 'Ready', status: 'True' }] };
  assert.deepEqual(v.validatePodStatusUpdate(p, old), []);
  (p.status as any).podIPs = [{ ip: 'nope' }];
  (p.spec as any).nodeName = 'n1';
  assert.deepEqual(msgs(v.validatePodStatusUpdate(p, old)).sort(), [
    'status.nodeName: Forbidden: may not be changed directly',
    'status.podIPs[0]: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
  ]);
});

test('deployment create', () => {
  table(v.validateDeploymentCreate, 'Deployment', baseDeployment, [
    [
      'selector does not match template labels',
      (d) => {
        d.spec.template.metadata.labels = { app: 'y', tier: 'web' };
      },
      [
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"y", "tier":"web"}: `selector` does not match template `labels`',
      ],
    ],
    [
      'missing selector',
      (d) => {
        delete d.spec.selector;
      },
      [
        'spec.selector: Required value',
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`',
      ],
    ],
    [
      'empty selector',
      (d) => {
        d.spec.selector = {};
      },
      [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
      ],
    ],
    [
      'matchExpressions selector',
      (d) => {
        d.spec.selector = { matchExpressions: [{ key: 'app', operator: 'In', values: ['x', 'z'] }] };
      },
      [],
    ],
    [
      'bad selector operator',
      (d) => {
        d.spec.selector = { matchExpressions: [{ key: 'app', operator: 'Near', values: ['x'] }] };
      },
      [
        'spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator',
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"Near", Values:[]string{"x"}}}}: invalid label selector',
      ],
    ],
    [
      'negative replicas',
      (d) => {
        d.spec.replicas = -1;
      },
      ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
    ],
    [
      'template restartPolicy',
      (d) => {
        d.spec.template.spec.restartPolicy = 'Never';
      },
      ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ],
    [
      'template activeDeadlineSeconds',
      (d) => {
        d.spec.template.spec.activeDeadlineSeconds = 10;
      },
      ['spec.template.spec.activeDeadlineSeconds: Invalid value: 10: activeDeadlineSeconds in ReplicaSet is not Supported'],
    ],
    [
      'template missing image',
      (d) => {
        delete d.spec.template.spec.containers[0].image;
      },
      ['spec.template.spec.containers[0].image: Required value'],
    ],
    [
      'template bad label',
      (d) => {
        d.spec.template.metadata.labels['bad key!'] = 'v';
      },
      [
        "spec.template.metadata.labels: Invalid value: \"bad key!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName' or 'my.name' or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    ],
    [
      'strategy type',
      (d) => {
        d.spec.strategy = { type: 'BlueGreen' };
      },
      [
        'spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"',
      ],
    ],
    [
      'Recreate with rollingUpdate',
      (d) => {
        d.spec.strategy.type = 'Recreate';
      },
      ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
    ],
    [
      'maxSurge and maxUnavailable both 0',
      (d) => {
        d.spec.strategy.rollingUpdate = { maxSurge: 0, maxUnavailable: '0%' };
      },
      [
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0',
      ],
    ],
    [
      'bad percent',
      (d) => {
        d.spec.strategy.rollingUpdate.maxSurge = 'lots';
      },
      [
        "spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"lots\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%' or '93%', regex used for validation is '[0-9]+%')",
      ],
    ],
    [
      'maxUnavailable over 100%',
      (d) => {
        d.spec.strategy.rollingUpdate.maxUnavailable = '150%';
      },
      [
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%',
      ],
    ],
    [
      'negative revisionHistoryLimit',
      (d) => {
        d.spec.revisionHistoryLimit = -1;
      },
      ['spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0'],
    ],
    [
      'negative minReadySeconds',
      (d) => {
        d.spec.minReadySeconds = -5;
      },
      ['spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0'],
    ],
    [
      'progressDeadlineSeconds not above minReadySeconds',
      (d) => {
        d.spec.minReadySeconds = 600;
      },
      ['spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds'],
    ],
  ]);
});

test('deployment and replicaset update: selector is immutable', () => {
  for (const [validateUpdate, kind, base] of [
    [v.validateDeploymentUpdate, 'Deployment', baseDeployment],
    [
      v.validateReplicaSetUpdate,
      'ReplicaSet',
      () =>
        defaulted(defaults.defaultReplicaSet, {
          metadata: { name: 'x-1', namespace: 'default' },
          spec: deepCopy(baseDeployment().spec as any),
        }),
    ],
  ] as const) {
    const old = base();
    old.metadata.resourceVersion = '7';
    const d = deepCopy(old);
    (d.spec as any).replicas = 3;
    (d.spec as any).template.spec.containers[0].image = 'nginx:1.28';
    assert.deepEqual(validateUpdate(d, old), [], `${kind}: scale and new image`);
    (d.spec as any).selector = { matchLabels: { app: 'x', tier: 'web' } };
    (d.spec as any).template.metadata.labels.tier = 'web';
    assert.deepEqual(
      msgs(validateUpdate(d, old)),
      [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"x", "tier":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
      ],
      kind,
    );
  }
});

test('deployment status update', () => {
  const old = baseDeployment();
  old.metadata.resourceVersion = '7';
  const d = deepCopy(old);
  d.status = { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 };
  assert.deepEqual(v.validateDeploymentStatusUpdate(d, old), []);
  d.status = { replicas: 1, readyReplicas: 2, availableReplicas: 2 };
  assert.deepEqual(msgs(v.validateDeploymentStatusUpdate(d, old)).sort(), [
    'status.availableReplicas: Invalid value: 2: cannot be greater than status.replicas',
    'status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas',
  ]);
});

test('service create', () => {
  table(v.validateServiceCreate, 'Service', baseService, [
    [
      'no ports',
      (s) => {
        s.spec.ports = [];
      },
      ['spec.ports: Required value'],
    ],
    [
      'headless without ports',
      (s) => {
        s.spec.ports = [];
        s.spec.clusterIP = 'None';
        s.spec.clusterIPs = ['None'];
      },
      [],
    ],
    [
      'port out of range',
      (s) => {
        s.spec.ports[0].port = 0;
        s.spec.ports[0].targetPort = 80;
      },
      ['spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive'],
    ],
    [
      'names required with two ports',
      (s) => {
        s.spec.ports.push({ port: 443, protocol: 'TCP', targetPort: 443 });
      },
      ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value'],
    ],
    [
      'duplicate port names',
      (s) => {
        s.spec.ports = [
          { name: 'web', port: 80, protocol: 'TCP', targetPort: 80 },
          { name: 'web', port: 81, protocol: 'TCP', targetPort: 81 },
        ];
      },
      ['spec.ports[1].name: Duplicate value: "web"'],
    ],
    [
      'duplicate port and protocol',
      (s) => {
        s.spec.ports = [
          { name: 'a', port: 80, protocol: 'TCP', targetPort: 80 },
          { name: 'b', port: 80, protocol: 'TCP', targetPort: 8080 },
        ];
      },
      [
        'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
      ],
    ],
    [
      'same port, other protocol',
      (s) => {
        s.spec.ports = [
          { name: 'a', port: 53, protocol: 'TCP', targetPort: 53 },
          { name: 'b', port: 53, protocol: 'UDP', targetPort: 53 },
        ];
      },
      [],
    ],
    [
      'bad type',
      (s) => {
        s.spec.type = 'Internal';
      },
      ['spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'],
    ],
    [
      'nodePort on ClusterIP',
      (s) => {
        s.spec.ports[0].nodePort = 30080;
      },
      ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    ],
    [
      'bad selector',
      (s) => {
        s.spec.selector = { app: 'a b' };
      },
      [
        "spec.selector: Invalid value: \"a b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue' or 'my_value' or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ],
    ],
    [
      'clusterIPs out of sync',
      (s) => {
        s.spec.clusterIPs = ['10.96.0.11'];
      },
      ['spec.clusterIPs: Invalid value: []string{"10.96.0.11"}: first value must match `clusterIP`'],
    ],
    [
      'bad targetPort name',
      (s) => {
        s.spec.ports[0].targetPort = 'Web';
      },
      ['spec.ports[0].targetPort: Invalid value: "Web": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'],
    ],
  ]);
  const en = defaulted(defaults.defaultService, {
    metadata: { name: 'ext', namespace: 'default' },
    spec: { type: 'ExternalName', externalName: 'example.com.' },
  });
  assert.deepEqual(v.validateServiceCreate(en), []);
  const np = defaulted(defaults.defaultService, {
    metadata: { name: 'np', namespace: 'default' },
    spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }], clusterIP: '10.96.0.12', clusterIPs: ['10.96.0.12'] },
  });
  assert.deepEqual(v.validateServiceCreate(np), []);
});

test('service update: clusterIP is immutable except to and from ExternalName', () => {
  const old = baseService();
  old.metadata.resourceVersion = '3';
  const s = deepCopy(old);
  (s.spec as any).ports[0].port = 8080;
  assert.deepEqual(v.validateServiceUpdate(s, old), []);
  (s.spec as any).clusterIP = '10.96.0.99';
  (s.spec as any).clusterIPs = ['10.96.0.99'];
  assert.deepEqual(msgs(v.validateServiceUpdate(s, old)), [
    'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.99"}: may not change once set',
  ]);
  const en = deepCopy(old);
  Object.assign(en.spec as object, {
    type: 'ExternalName',
    externalName: 'example.com',
    clusterIP: undefined,
    clusterIPs: undefined,
    ipFamilies: undefined,
    ipFamilyPolicy: undefined,
    internalTrafficPolicy: undefined,
  });
  assert.deepEqual(v.validateServiceUpdate(en, old), []);
});

test('configmap and secret', () => {
  const cm = (): KObject => ({ metadata: { name: 'c', namespace: 'default' }, data: { 'app.conf': 'x' } });
  table(v.validateConfigMapCreate, 'ConfigMap', cm, [
    [
      'bad key',
      (c) => {
        c.data = { 'a b': 'x' };
      },
      [
        "data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name' or 'KEY_NAME' or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      ],
    ],
    [
      'dot-dot key',
      (c) => {
        c.data = { '..x': 'x' };
      },
      ['data[..x]: Invalid value: "..x": must not start with \'..\''],
    ],
    [
      'key in both',
      (c) => {
        c.binaryData = { 'app.conf': 'eA==' };
      },
      ['data[app.conf]: Invalid value: "app.conf": duplicate of key present in binaryData'],
    ],
    [
      'too large',
      (c) => {
        c.data = { a: 'x'.repeat(1024 * 1024 + 1) };
      },
      [': Too long: may not be more than 1048576 bytes'],
    ],
  ]);
  const old = cm();
  old.metadata.resourceVersion = '1';
  old.immutable = true;
  const next = deepCopy(old);
  (next.data as any)['app.conf'] = 'y';
  delete next.immutable;
  assert.deepEqual(msgs(v.validateConfigMapUpdate(next, old)).sort(), [
    'data: Forbidden: field is immutable when `immutable` is set',
    'immutable: Forbidden: field is immutable when `immutable` is set',
  ]);

  const secret = (): KObject =>
    defaulted(defaults.defaultSecret, { metadata: { name: 's', namespace: 'default' }, data: { password: 'cGFzcw==' } });
  table(v.validateSecretCreate, 'Secret', secret, [
    [
      'tls without keys',
      (s) => {
        s.type = 'kubernetes.io/tls';
      },
      ['data[tls.crt]: Required value', 'data[tls.key]: Required value'],
    ],
    [
      'service account token without annotation',
      (s) => {
        s.type = 'kubernetes.io/service-account-token';
      },
      ['metadata.annotations[kubernetes.io/service-account.name]: Required value'],
    ],
    [
      'too large',
      (s) => {
        s.data = { a: Buffer.alloc(1024 * 1024 + 1).toString('base64') };
      },
      ['data: Too long: may not be more than 1048576 bytes'],
    ],
  ]);
  // The docker config types: the key required, holding a JSON object.
  for (const [type, key] of [
    ['kubernetes.io/dockercfg', '.dockercfg'],
    ['kubernetes.io/dockerconfigjson', '.dockerconfigjson'],
  ]) {
    const holding = (text?: string) => (s: KObject) => {
      s.type = type;
      s.data = text === undefined ? {} : { [key]: Buffer.from(text).toString('base64') };
    };
    const redacted = `data[${key}]: Invalid value: "<secret contents redacted>"`;
    table(v.validateSecretCreate, type, secret, [
      ['without its key', holding(), [`data[${key}]: Required value`]],
      ['holding a JSON object', holding('{"https://registry.example":{"auth":"eDp5"}}'), []],
      ['holding a JSON array', holding('[]'), [`${redacted}: json: cannot unmarshal into Go value of type map[string]interface {}`]],
      ['not JSON', holding('{'), [`${redacted}: ${jsonParseMessage('{')}`]],
    ]);
  }
  const olds = secret();
  olds.metadata.resourceVersion = '1';
  const s2 = deepCopy(olds);
  s2.type = 'kubernetes.io/basic-auth';
  (s2.data as any).username = 'dQ==';
  assert.deepEqual(msgs(v.validateSecretUpdate(s2, olds)), ['type: Invalid value: "kubernetes.io/basic-auth": field is immutable']);
});

test('namespace, node, lease, endpoints, endpointslice, event', () => {
  const ns = defaulted(defaults.defaultNamespace, { metadata: { name: 'team' } });
  ns.metadata.resourceVersion = '1';
  const done = deepCopy(ns);
  (done.status as any).phase = 'Terminating';
  assert.deepEqual(msgs(v.validateNamespaceStatusUpdate(done, ns)), [
    'status.Phase: Invalid value: "Terminating": may only be \'Active\' if `deletionTimestamp` is empty',
  ]);

  table(v.validateNodeCreate, 'Node', () => ({ metadata: { name: 'node-1' }, spec: {} }), [
    ['ok', () => {}, []],
    [
      'taint without effect',
      (n) => {
        n.spec.taints = [{ key: 'k', value: 'v' }];
      },
      ['spec.taints[0].effect: Required value'],
    ],
    [
      'duplicate taints',
      (n) => {
        n.spec.taints = [
          { key: 'k', effect: 'NoSchedule' },
          { key: 'k', value: 'x', effect: 'NoSchedule' },
        ];
      },
      [
        'spec.taints[1]: Duplicate value: core.Taint{Key:"k", Value:"x", Effect:"NoSchedule", TimeAdded:<nil>}: taints must be unique by key and effect pair',
      ],
    ],
  ]);
  const node: KObject = {
    metadata: { name: 'node-1', resourceVersion: '1' },
    spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
  };
  const moved = deepCopy(node);
  (moved.spec as any).podCIDRs = ['10.244.1.0/24'];
  (moved.spec as any).podCIDR = '10.244.1.0/24';
  assert.deepEqual(msgs(v.validateNodeUpdate(moved, node)), [
    'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
  ]);

  table(
    v.validateLeaseCreate,
    'Lease',
    () => ({ metadata: { name: 'kube-scheduler', namespace: 'kube-system' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } }),
    [
      ['ok', () => {}, []],
      [
        'zero duration',
        (l) => {
          l.spec.leaseDurationSeconds = 0;
        },
        ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0'],
      ],
      [
        'negative transitions',
        (l) => {
          l.spec.leaseTransitions = -1;
        },
        ['spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0'],
      ],
    ],
  );

  table(
    v.validateEndpointsCreate,
    'Endpoints',
    () =>
      defaulted(defaults.defaultEndpoints, {
        metadata: { name: 'web', namespace: 'default' },
        subsets: [{ addresses: [{ ip: '10.244.0.5' }], ports: [{ port: 80 }] }],
      }),
    [
      ['ok', () => {}, []],
      [
        'loopback',
        (e) => {
          e.subsets[0].addresses[0].ip = '127.0.0.1';
        },
        ['subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)'],
      ],
      [
        'no addresses',
        (e) => {
          e.subsets[0].addresses = [];
        },
        ['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`'],
      ],
    ],
  );

  table(
    v.validateEndpointSliceCreate,
    'EndpointSlice',
    () =>
      defaulted(defaults.defaultEndpointSlice, {
        metadata: { name: 'web-abc', namespace: 'default' },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.244.0.5'] }],
        ports: [{ name: 'http', port: 80 }],
      }),
    [
      ['ok', () => {}, []],
      [
        'bad address type',
        (e) => {
          e.addressType = 'IPX';
        },
        ['addressType: Unsupported value: "IPX": supported values: "FQDN", "IPv4", "IPv6"'],
      ],
      [
        'IPv6 address in IPv4 slice',
        (e) => {
          e.endpoints[0].addresses = ['fd00::1'];
        },
        ['endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address'],
      ],
      [
        'no addresses',
        (e) => {
          e.endpoints[0].addresses = [];
        },
        ['endpoints[0].addresses: Required value: must contain at least 1 address'],
      ],
      [
        'duplicate port names',
        (e) => {
          e.ports.push({ name: 'http', port: 81, protocol: 'TCP' });
        },
        ['ports[1].name: Duplicate value: "http"'],
      ],
    ],
  );

  table(
    v.validateEventCreate,
    'Event',
    () => ({
      metadata: { name: 'web.17a', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
      reason: 'Started',
      message: 'm',
      type: 'Normal',
    }),
    [
      ['ok', () => {}, []],
      [
        'namespace mismatch',
        (e) => {
          e.involvedObject.namespace = 'other';
        },
        ['involvedObject.namespace: Invalid value: "other": does not match event.namespace'],
      ],
    ],
  );
});
