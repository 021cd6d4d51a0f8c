// A small Deployment-shaped schema for the patch tests, independent of the real registry.

import type { TypeDef } from '../schema/types.js';
import type { TypeLookup } from './typeinfo.js';

const T = (name: string, fields: TypeDef['fields'], gvk?: TypeDef['gvk']): TypeDef => ({ name, fields, gvk });

type FieldDef = TypeDef['fields'][number];

/** A list of type keyed by listMapKeys (+listType=map) that strategic merge patch merges on mergeKey. */
const mapList = (
  json: string,
  proto: number,
  type: string,
  mergeKey: string,
  listMapKeys: string[],
  patchStrategy: FieldDef['patchStrategy'] = 'merge',
): FieldDef => ({
  json,
  proto,
  type,
  list: true,
  mergeKey,
  patchStrategy,
  listType: 'map',
  listMapKeys,
});

export const TEST_TYPES: TypeDef[] = [
  T(
    'test.Deployment',
    [
      { json: 'apiVersion', proto: 0, type: 'string' },
      { json: 'kind', proto: 0, type: 'string' },
      { json: 'metadata', proto: 1, type: 'test.ObjectMeta' },
      { json: 'spec', proto: 2, type: 'test.DeploymentSpec' },
      { json: 'status', proto: 3, type: 'test.DeploymentStatus' },
    ],
    [{ group: 'apps', version: 'v1', kind: 'Deployment' }],
  ),
  T('test.ObjectMeta', [
    { json: 'name', proto: 1, type: 'string' },
    { json: 'namespace', proto: 3, type: 'string' },
    { json: 'uid', proto: 5, type: 'string' },
    { json: 'resourceVersion', proto: 6, type: 'string' },
    { json: 'labels', proto: 11, type: 'string', map: true },
    { json: 'annotations', proto: 12, type: 'string', map: true },
    { json: 'finalizers', proto: 14, type: 'string', list: true, patchStrategy: 'merge', listType: 'set' },
    { json: 'managedFields', proto: 17, type: 'test.ManagedFieldsEntry', list: true, listType: 'atomic' },
  ]),
  T('test.ManagedFieldsEntry', [
    { json: 'manager', proto: 1, type: 'string' },
    { json: 'fieldsV1', proto: 7, type: 'FieldsV1' },
  ]),
  T('test.DeploymentSpec', [
    { json: 'replicas', proto: 1, type: 'int32' },
    { json: 'selector', proto: 2, type: 'test.LabelSelector', mapType: 'atomic' },
    { json: 'template', proto: 3, type: 'test.PodTemplateSpec' },
    { json: 'strategy', proto: 4, type: 'test.DeploymentStrategy', patchStrategy: 'retainKeys' },
  ]),
  T('test.DeploymentStatus', [{ json: 'replicas', proto: 2, type: 'int32' }]),
  T('test.LabelSelector', [{ json: 'matchLabels', proto: 1, type: 'string', map: true }]),
  T('test.DeploymentStrategy', [
    { json: 'type', proto: 1, type: 'string' },
    { json: 'rollingUpdate', proto: 2, type: 'test.RollingUpdateDeployment' },
  ]),
  T('test.RollingUpdateDeployment', [
    { json: 'maxUnavailable', proto: 1, type: 'IntOrString' },
    { json: 'maxSurge', proto: 2, type: 'IntOrString' },
  ]),
  T('test.PodTemplateSpec', [
    { json: 'metadata', proto: 1, type: 'test.ObjectMeta' },
    { json: 'spec', proto: 2, type: 'test.PodSpec' },
  ]),
  T('test.PodSpec', [
    mapList('volumes', 1, 'test.Volume', 'name', ['name'], 'merge,retainKeys'),
    mapList('containers', 2, 'test.Container', 'name', ['name']),
    { json: 'tolerations', proto: 22, type: 'test.Toleration', list: true, listType: 'atomic' },
    { json: 'nodeSelector', proto: 7, type: 'string', map: true },
  ]),
  T('test.Volume', [
    { json: 'name', proto: 1, type: 'string' },
    { json: 'hostPath', proto: 2, type: 'test.HostPathVolumeSource' },
    { json: 'emptyDir', proto: 3, type: 'test.EmptyDirVolumeSource' },
  ]),
  T('test.HostPathVolumeSource', [{ json: 'path', proto: 1, type: 'string' }]),
  T('test.EmptyDirVolumeSource', [{ json: 'medium', proto: 1, type: 'string' }]),
  T('test.Container', [
    { json: 'name', proto: 1, type: 'string' },
    { json: 'image', proto: 2, type: 'string' },
    { json: 'args', proto: 4, type: 'string', list: true, listType: 'atomic' },
    mapList('ports', 6, 'test.ContainerPort', 'containerPort', ['containerPort', 'protocol']),
    mapList('env', 7, 'test.EnvVar', 'name', ['name']),
    { json: 'imagePullPolicy', proto: 14, type: 'string' },
  ]),
  T('test.ContainerPort', [
    { json: 'name', proto: 1, type: 'string' },
    { json: 'containerPort', proto: 3, type: 'int32' },
    { json: 'protocol', proto: 4, type: 'string' },
  ]),
  T('test.EnvVar', [
    { json: 'name', proto: 1, type: 'string' },
    { json: 'value', proto: 2, type: 'string' },
  ]),
  T('test.Toleration', [
    { json: 'key', proto: 1, type: 'string' },
    { json: 'operator', proto: 2, type: 'string' },
    { json: 'value', proto: 3, type: 'string' },
    { json: 'effect', proto: 4, type: 'string' },
  ]),
];

const byName = new Map(TEST_TYPES.map((t) => [t.name, t]));
export const testLookup: TypeLookup = (name) => byName.get(name);
