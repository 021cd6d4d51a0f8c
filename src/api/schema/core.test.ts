import assert from 'node:assert/strict';
import { test } from 'node:test';
// The models alone: the package's index pulls in an HTTP stack that needs a newer Node.
import * as clientNode from '@kubernetes/client-node/dist/gen/models/all.js';
import { CORE_V1_TYPES, isInlineField } from './core.js';
import type { FieldDef, TypeDef } from './types.js';

const CORE = 'io.k8s.api.core.v1.';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const SCALARS = new Set(['string', 'int32', 'int64', 'bool', 'double', 'bytes']);
const SPECIALS = new Set(['Time', 'MicroTime', 'Quantity', 'IntOrString', 'RawExtension', 'Duration', 'FieldsV1', 'JSON']);

const byName = new Map<string, TypeDef>(CORE_V1_TYPES.map((t) => [t.name, t]));

function type(name: string): TypeDef {
  const t = byName.get(CORE + name);
  assert.ok(t, `type ${name} is defined`);
  return t;
}

function field(typeName: string, json: string): FieldDef {
  const f = type(typeName).fields.find((x) => x.json === json);
  assert.ok(f, `${typeName}.${json} is defined`);
  return f;
}

test('type names are unique and all in core/v1', () => {
  assert.equal(byName.size, CORE_V1_TYPES.length);
  for (const t of CORE_V1_TYPES) assert.ok(t.name.startsWith(CORE), t.name);
});

test('every referenced type is defined here, in apimachinery, or is a scalar or special', () => {
  for (const t of CORE_V1_TYPES) {
    for (const f of t.fields) {
      const ok = SCALARS.has(f.type) || SPECIALS.has(f.type) || f.type.startsWith('io.k8s.apimachinery.') || byName.has(f.type);
      assert.ok(ok, `${t.name}.${f.json} refers to unknown type ${f.type}`);
    }
  }
});

test('no duplicate field numbers or json names within a type', () => {
  for (const t of CORE_V1_TYPES) {
    const numbers = new Set<number>();
    const names = new Set<string>();
    for (const f of t.fields) {
      assert.ok(Number.isInteger(f.proto) && f.proto > 0, `${t.name}.${f.json} has a field number`);
      assert.ok(!numbers.has(f.proto), `${t.name}: field number ${f.proto} used twice`);
      assert.ok(!names.has(f.json), `${t.name}: json name ${f.json} used twice`);
      numbers.add(f.proto);
      names.add(f.json);
    }
  }
});

test('inline fields flatten into the parent without clashing with its own fields', () => {
  const inline: string[] = [];
  for (const t of CORE_V1_TYPES) {
    const own = new Set(t.fields.filter((f) => !isInlineField(f)).map((f) => f.json));
    for (const f of t.fields.filter(isInlineField)) {
      inline.push(`${t.name.slice(CORE.length)}.${f.json}`);
      assert.ok(!f.list && !f.map, `${t.name}.${f.json}: an inline field is a single message`);
      const embedded = byName.get(f.type);
      assert.ok(embedded, `${t.name}.${f.json}: inline type ${f.type} is defined`);
      for (const g of embedded.fields) assert.ok(!own.has(g.json), `${t.name}: inlined ${g.json} clashes`);
    }
  }
  assert.deepEqual(inline.sort(), [
    'ConfigMapEnvSource.localObjectReference',
    'ConfigMapKeySelector.localObjectReference',
    'ConfigMapProjection.localObjectReference',
    'ConfigMapVolumeSource.localObjectReference',
    'EphemeralContainer.ephemeralContainerCommon',
    'PersistentVolumeSpec.persistentVolumeSource',
    'Probe.handler',
    'SecretEnvSource.localObjectReference',
    'SecretKeySelector.localObjectReference',
    'SecretProjection.localObjectReference',
    'Volume.volumeSource',
  ]);
});

test('field numbers match generated.proto', () => {
  const expected: Array<[string, string, number, string]> = [
    ['Container', 'image', 2, 'string'],
    ['Container', 'envFrom', 19, CORE + 'EnvFromSource'],
    ['Container', 'startupProbe', 22, CORE + 'Probe'],
    ['Container', 'resizePolicy', 23, CORE + 'ContainerResizePolicy'],
    ['Container', 'restartPolicy', 24, 'string'],
    ['PodSpec', 'containers', 2, CORE + 'Container'],
    ['PodSpec', 'nodeName', 10, 'string'],
    ['PodSpec', 'initContainers', 20, CORE + 'Container'],
    ['PodSpec', 'ephemeralContainers', 34, CORE + 'EphemeralContainer'],
    ['PodSpec', 'overhead', 32, 'Quantity'],
    ['PodSpec', 'resources', 40, CORE + 'ResourceRequirements'],
    ['PodStatus', 'podIPs', 12, CORE + 'PodIP'],
    ['PodStatus', 'hostIPs', 16, CORE + 'HostIP'],
    ['ContainerStatus', 'allocatedResources', 10, 'Quantity'],
    ['ContainerStatus', 'allocatedResourcesStatus', 14, CORE + 'ResourceStatus'],
    ['ServicePort', 'nodePort', 5, 'int32'],
    ['ServicePort', 'appProtocol', 6, 'string'],
    ['ServicePort', 'targetPort', 4, 'IntOrString'],
    ['ServiceSpec', 'ipFamilies', 19, 'string'],
    ['ServiceSpec', 'trafficDistribution', 23, 'string'],
    ['ServiceStatus', 'conditions', 2, META + 'Condition'],
    ['ConfigMap', 'immutable', 4, 'bool'],
    ['ConfigMap', 'binaryData', 3, 'bytes'],
    ['Secret', 'immutable', 5, 'bool'],
    ['Secret', 'stringData', 4, 'string'],
    ['NodeSpec', 'podCIDRs', 7, 'string'],
    ['NodeStatus', 'runtimeHandlers', 12, CORE + 'NodeRuntimeHandler'],
    ['NodeStatus', 'features', 13, CORE + 'NodeFeatures'],
    ['Event', 'eventTime', 10, 'MicroTime'],
    ['Event', 'reportingComponent', 14, 'string'],
    ['EndpointAddress', 'hostname', 3, 'string'],
    ['EndpointAddress', 'targetRef', 2, CORE + 'ObjectReference'],
    ['DaemonEndpoint', 'Port', 1, 'int32'],
    ['VolumeSource', 'projected', 26, CORE + 'ProjectedVolumeSource'],
    ['VolumeSource', 'portworxVolume', 24, CORE + 'PortworxVolumeSource'],
    ['VolumeSource', 'image', 30, CORE + 'ImageVolumeSource'],
    ['ISCSIVolumeSource', 'chapAuthSession', 11, 'bool'],
    ['VolumeMount', 'recursiveReadOnly', 7, 'string'],
    ['ClusterTrustBundleProjection', 'optional', 5, 'bool'],
    ['PodSecurityContext', 'windowsOptions', 8, CORE + 'WindowsSecurityContextOptions'],
    ['SecurityContext', 'windowsOptions', 10, CORE + 'WindowsSecurityContextOptions'],
    ['PodResourceClaim', 'resourceClaimTemplateName', 4, 'string'],
    ['Binding', 'target', 2, CORE + 'ObjectReference'],
    ['ServiceAccount', 'automountServiceAccountToken', 4, 'bool'],
    ['LifecycleHandler', 'sleep', 4, CORE + 'SleepAction'],
    ['ProbeHandler', 'grpc', 4, CORE + 'GRPCAction'],
    ['Probe', 'terminationGracePeriodSeconds', 7, 'int64'],
    ['NamespaceCondition', 'lastTransitionTime', 4, 'Time'],
  ];
  for (const [t, json, proto, ty] of expected) {
    const f = field(t, json);
    assert.equal(f.proto, proto, `${t}.${json} number`);
    assert.equal(f.type, ty, `${t}.${json} type`);
  }
});

test('maps and lists are shaped as the Go types are', () => {
  assert.ok(field('ConfigMap', 'data').map && field('ConfigMap', 'data').type === 'string');
  assert.ok(field('Secret', 'data').map && field('Secret', 'data').type === 'bytes');
  assert.ok(field('NodeStatus', 'capacity').map && field('NodeStatus', 'allocatable').type === 'Quantity');
  assert.ok(field('ResourceRequirements', 'limits').map && field('ResourceRequirements', 'claims').list);
  assert.equal(field('PodSpec', 'nodeSelector').mapType, 'atomic');
  assert.ok(field('Container', 'command').list && !field('Container', 'command').map);
});

test('strategic merge patch keys and server-side apply list types', () => {
  const patch: Array<[string, string, string | undefined, string | undefined]> = [
    ['PodSpec', 'containers', 'name', 'merge'],
    ['PodSpec', 'initContainers', 'name', 'merge'],
    ['PodSpec', 'volumes', 'name', 'merge,retainKeys'],
    ['PodSpec', 'resourceClaims', 'name', 'merge,retainKeys'],
    ['PodSpec', 'hostAliases', 'ip', 'merge'],
    ['PodSpec', 'tolerations', undefined, undefined],
    ['Container', 'ports', 'containerPort', 'merge'],
    ['Container', 'env', 'name', 'merge'],
    ['Container', 'volumeMounts', 'mountPath', 'merge'],
    ['ServiceSpec', 'ports', 'port', 'merge'],
    ['PodStatus', 'conditions', 'type', 'merge'],
    ['NodeStatus', 'addresses', 'type', 'merge'],
    ['NodeSpec', 'podCIDRs', undefined, 'merge'],
    ['ServiceAccount', 'secrets', 'name', 'merge'],
  ];
  for (const [t, json, mergeKey, strategy] of patch) {
    const f = field(t, json);
    assert.equal(f.mergeKey, mergeKey, `${t}.${json} merge key`);
    assert.equal(f.patchStrategy, strategy, `${t}.${json} patch strategy`);
  }
  assert.deepEqual(field('Container', 'ports').listMapKeys, ['containerPort', 'protocol']);
  assert.deepEqual(field('ServiceSpec', 'ports').listMapKeys, ['port', 'protocol']);
  assert.deepEqual(field('PodSpec', 'topologySpreadConstraints').listMapKeys, ['topologyKey', 'whenUnsatisfiable']);
  assert.equal(field('NodeSpec', 'podCIDRs').listType, 'set');
  assert.equal(field('PodStatus', 'containerStatuses').listType, 'atomic');
});

test('merge keys and list map keys name fields of the element type', () => {
  for (const t of CORE_V1_TYPES) {
    for (const f of t.fields) {
      if (!f.mergeKey && !f.listMapKeys) continue;
      assert.ok(f.list, `${t.name}.${f.json} is a list`);
      if (SCALARS.has(f.type)) continue;
      const element = byName.get(f.type);
      const known = new Set<string>();
      for (const g of element?.fields ?? []) {
        known.add(g.json);
        // keys may live in an inlined struct
        if (isInlineField(g)) for (const h of byName.get(g.type)?.fields ?? []) known.add(h.json);
      }
      if (!element) continue; // apimachinery types: checked by their own tables
      if (f.mergeKey) assert.ok(known.has(f.mergeKey), `${t.name}.${f.json}: merge key ${f.mergeKey}`);
      for (const k of f.listMapKeys ?? []) assert.ok(known.has(k), `${t.name}.${f.json}: list map key ${k}`);
      if (f.listType === 'map') assert.ok(f.listMapKeys?.length, `${t.name}.${f.json}: a map list has keys`);
    }
  }
});

test('keepZero follows pointers and fields without omitempty', () => {
  for (const [t, json] of [
    ['ContainerStatus', 'ready'], ['ContainerStatus', 'restartCount'], ['ContainerStateTerminated', 'exitCode'],
    ['PodSpec', 'terminationGracePeriodSeconds'], ['PodSpec', 'automountServiceAccountToken'], ['PodSpec', 'enableServiceLinks'],
    ['SecurityContext', 'runAsUser'], ['SecurityContext', 'privileged'], ['ConfigMap', 'immutable'], ['ServicePort', 'port'],
    ['KeyToPath', 'mode'], ['ConfigMapVolumeSource', 'defaultMode'], ['Toleration', 'tolerationSeconds'],
  ] as const) {
    assert.equal(field(t, json).keepZero, true, `${t}.${json}`);
  }
  for (const [t, json] of [['PodSpec', 'hostNetwork'], ['Container', 'stdin'], ['Probe', 'initialDelaySeconds'], ['ServicePort', 'nodePort']] as const) {
    assert.equal(field(t, json).keepZero, undefined, `${t}.${json}`);
  }
});

test('served kinds carry their group/version/kind, and their lists hold ListMeta and items', () => {
  const kinds = ['Pod', 'Service', 'Endpoints', 'Node', 'Event', 'ConfigMap', 'Secret', 'ServiceAccount', 'Namespace'];
  for (const kind of kinds) {
    assert.deepEqual(type(kind).gvk, [{ group: '', version: 'v1', kind }]);
    assert.equal(field(kind, 'metadata').type, META + 'ObjectMeta');
    const list = type(`${kind}List`);
    assert.deepEqual(list.gvk, [{ group: '', version: 'v1', kind: `${kind}List` }]);
    assert.deepEqual(
      list.fields.map((f) => [f.json, f.proto, f.type, f.list ?? false]),
      [['metadata', 1, META + 'ListMeta', false], ['items', 2, CORE + kind, true]],
    );
  }
  assert.deepEqual(type('Binding').gvk, [{ group: '', version: 'v1', kind: 'Binding' }]);
  // the subresources' option kinds, decoded from query parameters or bodies
  for (const kind of ['PodExecOptions', 'PodAttachOptions', 'PodLogOptions', 'PodPortForwardOptions', 'PodProxyOptions', 'NodeProxyOptions', 'ServiceProxyOptions']) {
    assert.deepEqual(type(kind).gvk, [{ group: '', version: 'v1', kind }]);
  }
  assert.equal(field('PodExecOptions', 'command').proto, 6);
  assert.equal(field('PodLogOptions', 'tailLines').type, 'int64');
  for (const t of CORE_V1_TYPES) if (t.gvk && !t.name.endsWith('Options')) assert.ok(t.fields.some((f) => f.json === 'metadata'), `${t.name} has metadata`);
});

test('every type and field is described, in one sentence', () => {
  for (const t of CORE_V1_TYPES) {
    assert.ok(t.description, `${t.name} has a description`);
    for (const f of t.fields) {
      if (isInlineField(f)) continue;
      assert.ok(f.description && !f.description.includes('\n'), `${t.name}.${f.json} has a one-line description`);
    }
  }
});

test('fields added after v1.32 are not served', () => {
  assert.equal(type('Container').fields.some((f) => f.json === 'restartPolicyRules'), false);
  assert.equal(type('PodSpec').fields.some((f) => f.json === 'hostnameOverride' || f.json === 'workloadRef'), false);
  assert.equal(type('PodStatus').fields.some((f) => f.json === 'observedGeneration'), false);
  assert.equal(type('Lifecycle').fields.some((f) => f.json === 'stopSignal'), false);
  assert.equal(type('NodeSystemInfo').fields.some((f) => f.json === 'swap'), false);
});

// @kubernetes/client-node's models are generated from a newer Kubernetes OpenAPI document:
// every field here must exist there under the same JSON name, with the same integer width.
test('json names and integer widths agree with the client-node models', () => {
  const models = clientNode as unknown as Record<string, { attributeTypeMap?: Array<{ baseName: string; format: string }> } | undefined>;
  let compared = 0;
  for (const t of CORE_V1_TYPES) {
    const short = t.name.slice(CORE.length);
    const model = models[`V1${short}`]?.attributeTypeMap ?? models[`CoreV1${short}`]?.attributeTypeMap;
    if (!model) continue; // types only Go has (VolumeSource, ProbeHandler, EphemeralContainerCommon)
    const attrs = new Map(model.map((a) => [a.baseName, a.format]));
    const flat = t.fields.flatMap((f) => (isInlineField(f) ? (byName.get(f.type)?.fields ?? []) : [f]));
    for (const f of flat) {
      assert.ok(attrs.has(f.json), `${short}.${f.json} exists in client-node's V1${short}`);
      const format = attrs.get(f.json);
      if ((f.type === 'int32' || f.type === 'int64') && !f.map) assert.equal(format, f.type, `${short}.${f.json} width`);
      if (format === 'int32' || format === 'int64') assert.equal(f.type, format, `${short}.${f.json} width`);
    }
    compared++;
  }
  assert.ok(compared > 150, `compared ${compared} types`);
});
