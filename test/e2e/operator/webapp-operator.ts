// A small operator written as people write them with @kubernetes/client-node (the test fixture of
// issue #17): it watches WebApp objects (apps.example.com/v1) with client-node's informer and keeps
// one Deployment per WebApp, owned by it (controller ownerReference), with the WebApp's image and
// replicas; it reports what it did in the WebApp's status through the status subresource. Nothing
// here knows it talks to k8ts.

import * as k8s from '@kubernetes/client-node';

export const GROUP = 'apps.example.com';
export const VERSION = 'v1';
export const PLURAL = 'webapps';

export interface WebApp extends k8s.KubernetesObject {
  spec?: { image?: string; replicas?: number };
  status?: { deployment?: string; observedGeneration?: number };
}

export interface RunningOperator {
  /** Reconciles done, for the test's curiosity. */
  reconciles(): number;
  stop(): Promise<void>;
}

export async function startWebAppOperator(
  kc: k8s.KubeConfig,
  namespace: string,
  log: (m: string) => void = () => undefined,
): Promise<RunningOperator> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  let count = 0;
  const informer = k8s.makeInformer<WebApp>(
    kc,
    `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`,
    () =>
      custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL }) as Promise<
        k8s.KubernetesListObject<WebApp>
      >,
  );

  const deploymentFor = (app: WebApp): k8s.V1Deployment => {
    const name = app.metadata!.name!;
    const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'webapp-operator' };
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name,
        namespace,
        labels,
        ownerReferences: [
          { apiVersion: `${GROUP}/${VERSION}`, kind: 'WebApp', name, uid: app.metadata!.uid!, controller: true, blockOwnerDeletion: true },
        ],
      },
      spec: {
        replicas: app.spec?.replicas ?? 1,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: app.spec?.image ?? 'nginx' }] } },
      },
    };
  };

  const reconcile = async (app: WebApp): Promise<void> => {
    if (app.metadata?.deletionTimestamp) return;
    count++;
    const want = deploymentFor(app);
    const name = want.metadata!.name!;
    let have: k8s.V1Deployment | undefined;
    try {
      have = await apps.readNamespacedDeployment({ name, namespace });
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
    }
    if (!have) {
      await apps.createNamespacedDeployment({ namespace, body: want });
      log(`created deployment ${name}`);
    } else if (
      have.spec?.replicas !== want.spec!.replicas ||
      have.spec?.template.spec?.containers[0]?.image !== want.spec!.template.spec!.containers[0].image
    ) {
      await apps.patchNamespacedDeployment(
        {
          name,
          namespace,
          body: {
            spec: {
              replicas: want.spec!.replicas,
              template: { spec: { containers: [{ name: 'web', image: want.spec!.template.spec!.containers[0].image }] } },
            },
          },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
      );
      log(`updated deployment ${name}`);
    }
    if (app.status?.deployment !== name || app.status?.observedGeneration !== app.metadata?.generation) {
      await custom.patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          namespace,
          plural: PLURAL,
          name,
          body: { status: { deployment: name, observedGeneration: app.metadata?.generation } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    }
  };

  const handle = (app: WebApp) => {
    reconcile(app).catch((e: unknown) => log(`reconcile ${app.metadata?.name}: ${(e as Error)?.message ?? String(e)}`));
  };
  informer.on('add', handle);
  informer.on('update', handle);
  let stopped = false;
  let restart: NodeJS.Timeout | undefined;
  informer.on('error', () => {
    // client-node's informers stop on error; start again as operators do, until stopped (stopping
    // makes the watch end with an error too: restarting then would keep the process alive forever).
    if (stopped) return;
    restart = setTimeout(() => {
      if (!stopped) informer.start().catch(() => undefined);
    }, 500);
  });
  await informer.start();
  return {
    reconciles: () => count,
    async stop() {
      stopped = true;
      if (restart) clearTimeout(restart);
      await informer.stop();
    },
  };
}
