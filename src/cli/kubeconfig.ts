// `k8ts kubeconfig [--name NAME]`: prints a kubeconfig for the cluster alone, as
// `kind get kubeconfig` does, e.g. for `k8ts kubeconfig > dev.yaml; kubectl --kubeconfig dev.yaml ...`.

import fs from 'node:fs';
import YAML from 'yaml';
import { readConfigFile } from '../cluster/config.js';
import { adminCredentials, caOf, readClusterInfo, runningCluster } from '../cluster/controlplane.js';
import { standaloneKubeconfig } from './kubeconfigs.js';
import { resolveTarget } from './target.js';

export async function printKubeconfig(o: { name?: string; dataDir?: string }): Promise<number> {
  const t = resolveTarget(o);
  if (!fs.existsSync(t.files.token) || !caOf(t.dataDir)) {
    console.error(`k8ts: cluster "${t.name}" has not been created (no ${t.files.token}); create it with k8ts up${t.flag}`);
    return 1;
  }
  // A stopped cluster comes back on its configured port, so its kubeconfig is known without it.
  const info = (await runningCluster(t.dataDir)) ?? readClusterInfo(t.dataDir);
  const port = info?.port ?? readConfigFile(t.files.config)?.port;
  if (!port) {
    console.error(`k8ts: cluster "${t.name}" has no fixed port and is not running; start it with k8ts up${t.flag}`);
    return 1;
  }
  const url = info?.url ?? `https://127.0.0.1:${port}`;
  process.stdout.write(YAML.stringify(standaloneKubeconfig(t, url, adminCredentials(t.dataDir), caOf(t.dataDir)), { indentSeq: false }));
  return 0;
}
