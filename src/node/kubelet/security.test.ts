import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerResources, linuxContainerConfig, podQOS, verifyRunAsNonRoot } from './security.js';
import type { PodObject } from './types.js';

function pod(spec: Record<string, unknown>, containers: Record<string, unknown>[] = [{ name: 'c', image: 'x' }]): PodObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
    spec: { containers, ...spec },
  } as unknown as PodObject;
}

test("runAsNonRoot is checked against the image user with kubelet's words", () => {
  const p = pod({ securityContext: { runAsNonRoot: true } });
  const c = p.spec!.containers[0];
  assert.equal(verifyRunAsNonRoot(p, c, ''), 'container has runAsNonRoot and image will run as root (pod: "p_ns(u1)", container: c)');
  assert.equal(verifyRunAsNonRoot(p, c, '0:0'), 'container has runAsNonRoot and image will run as root (pod: "p_ns(u1)", container: c)');
  assert.equal(
    verifyRunAsNonRoot(p, c, 'nginx'),
    'container has runAsNonRoot and image has non-numeric user (nginx), cannot verify user is non-root (pod: "p_ns(u1)", container: c)',
  );
  assert.equal(verifyRunAsNonRoot(p, c, '1000'), undefined);
  const zero = pod({ securityContext: { runAsNonRoot: true, runAsUser: 0 } });
  assert.equal(
    verifyRunAsNonRoot(zero, zero.spec!.containers[0], '1000'),
    'container\'s runAsUser breaks non-root policy (pod: "p_ns(u1)", container: c)',
  );
  // The container's own context wins over the pod's.
  const override = pod({ securityContext: { runAsNonRoot: true } }, [{ name: 'c', image: 'x', securityContext: { runAsNonRoot: false } }]);
  assert.equal(verifyRunAsNonRoot(override, override.spec!.containers[0], ''), undefined);
});

test('requests and limits become cgroup values and the OOM score follows the QoS class', () => {
  const burst = pod({}, [
    { name: 'c', image: 'x', resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '500m', memory: '2Gi' } } },
  ]);
  assert.equal(podQOS(burst), 'Burstable');
  const r = containerResources(burst, burst.spec!.containers[0], 8 * 1024 ** 3, 4096);
  assert.deepEqual(r, {
    cpuShares: 256,
    cpuQuota: 50_000,
    cpuPeriod: 100_000,
    memoryLimitInBytes: 2 * 1024 ** 3,
    oomScoreAdj: 875,
    pidsLimit: 4096,
  });
  const best = pod({});
  assert.equal(podQOS(best), 'BestEffort');
  assert.deepEqual(containerResources(best, best.spec!.containers[0], 8 * 1024 ** 3), { cpuShares: 2, oomScoreAdj: 1000 });
  const guaranteed = pod({}, [
    { name: 'c', image: 'x', resources: { limits: { cpu: '1', memory: '64Mi' }, requests: { cpu: '1', memory: '64Mi' } } },
  ]);
  assert.equal(podQOS(guaranteed), 'Guaranteed');
  assert.equal(containerResources(guaranteed, guaranteed.spec!.containers[0], 8 * 1024 ** 3).oomScoreAdj, -997);
});

test('the security context kubelet hands the runtime', () => {
  const p = pod(
    {
      shareProcessNamespace: true,
      securityContext: { runAsUser: 1000, fsGroup: 2000, supplementalGroups: [3000], seccompProfile: { type: 'RuntimeDefault' } },
    },
    [
      {
        name: 'c',
        image: 'x',
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
        },
      },
    ],
  );
  const sc = linuxContainerConfig({ pod: p, container: p.spec!.containers[0], imageUser: 'nginx', memoryCapacity: 1 << 30 })
    .securityContext!;
  assert.equal(sc.runAsUser, 1000);
  assert.equal(sc.runAsUsername, undefined);
  assert.deepEqual(sc.supplementalGroups, [2000, 3000]);
  assert.equal(sc.noNewPrivs, true);
  assert.equal(sc.readonlyRootfs, true);
  assert.deepEqual(sc.seccomp, { profileType: 'RuntimeDefault' });
  assert.deepEqual(sc.capabilities, { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['ALL'] });
  assert.equal(sc.namespaceOptions?.pid, 'POD');
  // Defaults: Unconfined, no no_new_privs, the image's user by name.
  const d = linuxContainerConfig({ pod: pod({}), container: pod({}).spec!.containers[0], imageUser: 'nginx', memoryCapacity: 1 << 30 })
    .securityContext!;
  assert.deepEqual(d.seccomp, { profileType: 'Unconfined' });
  assert.equal(d.noNewPrivs, false);
  assert.equal(d.runAsUsername, 'nginx');
  assert.equal(d.namespaceOptions?.pid, 'CONTAINER');
});
