// `k8ts version`: k8ts' own version (package.json) and the Kubernetes version it serves, as
// `kind version` / `k3s --version` print theirs.

import { createRequire } from 'node:module';

/** package.json sits three folders up from dist/src/cli (and from src/cli when run from source, two). */
export function k8tsVersion(): string {
  const require = createRequire(import.meta.url);
  for (const p of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = require(p) as { name?: string; version?: string };
      if (pkg.name === 'k8ts' && pkg.version) return pkg.version;
    } catch {
      /* try the next */
    }
  }
  return 'unknown';
}

export async function version(o: { name?: string; dataDir?: string }): Promise<number> {
  // Loaded here, not at the top: main.ts imports k8tsVersion for every command (--version
  // included), and controlplane.js pulls in the whole cluster (#13: the CLI's start-up time).
  const [{ GIT_VERSION }, { runningCluster }, { sqliteDriver }, { resolveTarget }] = await Promise.all([
    import('../apiserver/discovery.js'),
    import('../cluster/controlplane.js'),
    import('../store/sqlite-driver.js'),
    import('./target.js'),
  ]);
  console.log(`k8ts version ${k8tsVersion()}`);
  console.log(`Kubernetes version served: ${GIT_VERSION.replace(/-k8ts$/, '')} (reports itself as ${GIT_VERSION})`);
  let driver: string;
  try {
    driver = sqliteDriver();
  } catch (e) {
    driver = `none (${(e as Error).message})`;
  }
  console.log(`Node.js ${process.version} on ${process.platform}/${process.arch}; SQLite driver: ${driver}`);
  try {
    const t = resolveTarget(o);
    const info = await runningCluster(t.dataDir);
    if (info) console.log(`Cluster "${t.name}": running at ${info.url}`);
  } catch {
    /* the versions are what was asked */
  }
  return 0;
}
