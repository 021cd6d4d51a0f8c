// A kubeconfig for tests that run the stock kubectl against a test API server: one cluster,
// user and context named "t", namespace default.

import { writeFileSync } from 'node:fs';
import YAML from 'yaml';

export function writeTestKubeconfig(file: string, o: { server: string; caData?: string; token?: string }): void {
  const cluster = { server: o.server, ...(o.caData ? { 'certificate-authority-data': Buffer.from(o.caData).toString('base64') } : {}) };
  writeFileSync(
    file,
    YAML.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 't',
      clusters: [{ name: 't', cluster }],
      contexts: [{ name: 't', context: { cluster: 't', user: 't', namespace: 'default' } }],
      users: [{ name: 't', user: o.token ? { token: o.token } : {} }],
    }),
  );
}
