// CustomResourceDefinitions driven by the stock kubectl against `k8ts up` (issue #17): a CRD with a
// structural schema is established and its kind served; invalid objects are refused with
// Kubernetes' messages, unknown fields pruned, defaults applied; the status and scale
// subresources and printer columns work; `kubectl explain` reads the schema; deleting the CRD
// deletes its objects; and `kubectl apply -f` of a file with an unknown kind fails for that object
// alone with kubectl's "no matches for kind".

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestCluster } from './harness.js';

const cluster = new TestCluster('crds', 'memory');

export const CRONTAB_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames: [ct]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
    additionalPrinterColumns:
    - name: Spec
      type: string
      description: The cron spec defining the interval a CronJob is run
      jsonPath: .spec.cronSpec
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    schema:
      openAPIV3Schema:
        type: object
        description: CronTab runs an image on a schedule.
        properties:
          spec:
            type: object
            description: The desired state of the CronTab.
            required: [cronSpec]
            properties:
              cronSpec:
                type: string
                description: The schedule, in cron format.
                pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'
              image:
                type: string
                description: The image the CronTab runs.
                default: busybox
              replicas:
                type: integer
                description: How many copies run at once.
                minimum: 1
                maximum: 10
                default: 1
          status:
            type: object
            properties:
              replicas:
                type: integer
`;

const json = async (...args: string[]) => JSON.parse(await cluster.k(...args, '-o', 'json'));

describe('CustomResourceDefinitions with the stock kubectl', () => {
  before(async () => {
    await cluster.up(['--no-node']);
    await cluster.kIn(CRONTAB_CRD, 'apply', '-f', '-');
    await cluster.k('wait', '--for=condition=established', '--timeout=60s', 'crd/crontabs.stable.example.com');
  });
  after(async () => {
    await cluster.stop();
  });

  test('the CRD is Established and NamesAccepted; its kind is in discovery with its short name', async () => {
    const crd = await json('get', 'crd', 'crontabs.stable.example.com');
    const cond = (t: string) => crd.status.conditions.find((c: { type: string }) => c.type === t);
    assert.equal(cond('Established').status, 'True');
    assert.equal(cond('NamesAccepted').reason, 'NoConflicts');
    assert.deepEqual(crd.status.storedVersions, ['v1']);
    assert.match(
      await cluster.k('api-resources', '--api-group=stable.example.com'),
      /crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab/,
    );
    assert.match(await cluster.k('get', 'crd'), /^NAME\s+CREATED AT\ncrontabs\.stable\.example\.com\s+\d{4}-\d\d-\d\dT/);
  });

  test("an invalid object is refused with Kubernetes' messages", async () => {
    const r = await cluster.kubectl(['apply', '-f', '-'], {
      input: 'apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: bad\nspec:\n  cronSpec: "* * * *"\n  replicas: 15\n',
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The CronTab "bad" is invalid: /);
    assert.match(r.stderr, /spec\.cronSpec: Invalid value: "\* \* \* \*": spec\.cronSpec in body should match '\^\(\\d\+\|\\\*\)/);
    assert.match(r.stderr, /spec\.replicas: Invalid value: 15: spec\.replicas in body should be less than or equal to 10/);
    const missing = await cluster.kubectl(['create', '-f', '-'], {
      input: 'apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: nospec\nspec:\n  image: x\n',
    });
    assert.match(missing.stderr, /The CronTab "nospec" is invalid: spec\.cronSpec: Required value/);
  });

  test('unknown fields are refused under strict validation and pruned without it; defaults are applied', async () => {
    const manifest =
      'apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: tab\nspec:\n  cronSpec: "*/5 * * * *"\n  someRandomField: 42\n';
    const strict = await cluster.kubectl(['apply', '-f', '-'], { input: manifest });
    assert.notEqual(strict.code, 0);
    assert.match(strict.stderr, /strict decoding error: unknown field "spec\.someRandomField"/);
    await cluster.kIn(manifest, 'apply', '--validate=false', '-f', '-');
    const tab = await json('get', 'crontab', 'tab');
    assert.equal(tab.spec.someRandomField, undefined, 'pruned');
    assert.equal(tab.spec.image, 'busybox', 'defaulted');
    assert.equal(tab.spec.replicas, 1, 'defaulted');
    assert.equal(tab.metadata.generation, 1);
    // Applied again with a change: kubectl sends a JSON merge patch (custom kinds take no strategic merge patch).
    assert.match(
      await cluster.kIn(manifest.replace('*/5', '*/10'), 'apply', '--validate=false', '-f', '-'),
      /crontab\.stable\.example\.com\/tab configured/,
    );
    assert.equal((await json('get', 'crontab', 'tab')).spec.cronSpec, '*/10 * * * *');
    await cluster.kIn(manifest.replace('*/10', '*/5'), 'apply', '--validate=false', '-f', '-');
  });

  test('server-side apply, describe, and the category "all"', async () => {
    const out = await cluster.kIn(
      'apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: ssa\nspec:\n  cronSpec: "0 0 * * *"\n',
      'apply',
      '--server-side',
      '-f',
      '-',
    );
    assert.match(out, /crontab\.stable\.example\.com\/ssa serverside-applied/);
    const ssa = await json('get', 'crontab', 'ssa', '--show-managed-fields');
    assert.ok(
      ssa.metadata.managedFields.some((m: { manager: string; operation: string }) => m.manager === 'kubectl' && m.operation === 'Apply'),
    );
    assert.match(await cluster.k('describe', 'crontab', 'ssa'), /Kind:\s+CronTab[\s\S]*Cron Spec:\s+0 0 \* \* \*/);
    assert.match(await cluster.k('get', 'all'), /crontab\.stable\.example\.com\/ssa/);
    await cluster.k('delete', 'crontab', 'ssa');
  });

  test('printer columns, the status and scale subresources', async () => {
    assert.match(await cluster.k('get', 'crontabs'), /^NAME\s+SPEC\s+REPLICAS\s+AGE\ntab\s+\*\/5 \* \* \* \*\s+1\s+\d+s\n$/);
    // status written through the main resource is ignored; through /status it is kept.
    await cluster.k('patch', 'crontab', 'tab', '--type=merge', '-p', '{"status":{"replicas":7}}');
    assert.equal((await json('get', 'ct', 'tab')).status, undefined);
    await cluster.k('patch', 'crontab', 'tab', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":2}}');
    assert.equal((await json('get', 'ct', 'tab')).status.replicas, 2);
    const before = (await json('get', 'crontab', 'tab')).metadata.generation;
    await cluster.k('scale', 'crontab/tab', '--replicas=3');
    const tab = await json('get', 'crontab', 'tab');
    assert.equal(tab.spec.replicas, 3);
    assert.equal(tab.metadata.generation, before + 1, 'a spec change through /scale is a new generation; /status changes were not');
    const scale = await cluster.api('GET', '/apis/stable.example.com/v1/namespaces/default/crontabs/tab/scale');
    assert.deepEqual([scale.body.kind, scale.body.spec.replicas, scale.body.status.replicas], ['Scale', 3, 2]);
  });

  test('kubectl explain shows the schema', async () => {
    const top = await cluster.k('explain', 'crontab');
    assert.match(top, /KIND:\s+CronTab/);
    assert.match(top, /GROUP:\s+stable\.example\.com\nKIND:\s+CronTab\nVERSION:\s+v1\n/);
    assert.match(top, /CronTab runs an image on a schedule\./);
    const spec = await cluster.k('explain', 'crontab.spec');
    assert.match(spec, /cronSpec\s+<string> -required-/);
    assert.match(spec, /The schedule, in cron format\./);
    assert.match(spec, /replicas\s+<integer>/);
  });

  test('kubectl apply of a file with an unknown kind fails for that object alone', async () => {
    const file = [
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: before-unknown\ndata:\n  a: "1"\n',
      'apiVersion: example.com/v1\nkind: Gizmo\nmetadata:\n  name: g\nspec: {}\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: after-unknown\ndata:\n  b: "2"\n',
    ].join('---\n');
    const r = await cluster.kubectl(['apply', '-f', '-'], { input: file });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no matches for kind "Gizmo" in version "example\.com\/v1"/);
    assert.doesNotMatch(r.stderr, /failed to list CRDs/);
    assert.match(r.stdout, /configmap\/before-unknown created/);
    assert.match(r.stdout, /configmap\/after-unknown created/);
    await cluster.k('get', 'configmap', 'before-unknown', 'after-unknown');
  });

  test('deleting the CRD deletes its objects, then the kind is no longer served', async () => {
    await cluster.kIn(
      'apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: second\nspec:\n  cronSpec: "0 * * * *"\n',
      'create',
      '-f',
      '-',
    );
    assert.equal((await json('get', 'crontabs')).items.length, 2);
    await cluster.k('delete', 'crd', 'crontabs.stable.example.com', '--timeout=60s');
    // A kubectl whose discovery cache still names the kind gets the server's 404; a fresh one no longer finds it.
    const stale = await cluster.kubectl(['get', 'crontabs']);
    assert.match(
      stale.stderr,
      /Error from server \(NotFound\): Unable to list "stable\.example\.com\/v1, Resource=crontabs": the server could not find the requested resource/,
    );
    const gone = await cluster.kubectl([`--cache-dir=${cluster.cacheDir}-fresh`, 'get', 'crontabs']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /the server doesn't have a resource type "crontabs"/);
    const raw = await cluster.api('GET', '/apis/stable.example.com/v1/namespaces/default/crontabs');
    assert.equal(raw.status, 404);
    // Made again, the kind starts empty: the objects were deleted, not hidden.
    await cluster.kIn(CRONTAB_CRD, 'apply', '-f', '-');
    await cluster.k('wait', '--for=condition=established', '--timeout=60s', 'crd/crontabs.stable.example.com');
    await cluster.waitFor('crontabs served again', async () => (await cluster.kubectl(['get', 'crontabs', '-o', 'json'])).code === 0);
    assert.equal((await json('get', 'crontabs')).items.length, 0);
  });
});
