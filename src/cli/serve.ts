// A cluster's control plane in this process until SIGTERM/SIGINT (kube-apiserver and the other
// control-plane binaries in one): `up --foreground` and `k8ts server` run serveCluster, and the
// background `serve` under `up`'s supervisor runs it on the data dir's config.yaml (started
// through daemon.ts, which does not load the command line).

import fs from 'node:fs';
import { type ClusterConfig, defaultConfig, parseField, readConfigFile } from '../cluster/config.js';
import { type ControlPlane, startControlPlane, writeClusterInfo } from '../cluster/controlplane.js';
import { acquireLock, type DirLock } from '../cluster/lock.js';
import { STOP_BUDGET_MS } from '../cluster/process.js';
import { parseRuntimeChoice } from '../cluster/runtimechoice.js';
import { resolveTarget, type Target } from './target.js';

/** The control plane in this process, until SIGTERM/SIGINT. `serve` (under the supervisor) and `up --foreground` run it. */
export async function serveCluster(
  t: Target,
  cfg: ClusterConfig,
  port: number,
  held?: DirLock,
  onReady?: () => void,
  o: { joined?: boolean; onStarted?: () => void } = {},
): Promise<number> {
  const tServe = performance.now();
  // The supervisor may die and take our stdout with it: lose the lines, not the cluster.
  for (const s of [process.stdout, process.stderr]) s.on('error', () => undefined);
  // A stop asked for while starting waits for the start to end, then stops what started.
  let stopAsked: string | undefined;
  let stopNow: ((sig: string) => void) | undefined;
  const onSignal = (sig: string) => {
    if (stopNow) stopNow(sig);
    else stopAsked ??= sig;
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  // The lock guards making the CA and token, and the store's first open.
  let lock: DirLock | undefined = held ?? (await acquireLock(t.files.lock, { waitMs: 120_000 }));
  let cp: ControlPlane;
  try {
    cp = await startControlPlane({
      dataDir: t.dataDir,
      port,
      store: cfg.store,
      etcdTLS: etcdTLSOf(cfg),
      node: cfg.node,
      podCIDR: cfg.podCIDR,
      bridgeName: cfg.bridge,
      nodeName: cfg.nodeName,
      clusterCIDR: cfg.clusterCIDR,
      nodeCIDRMaskSize: cfg.nodeCIDRMaskSize,
      allocateNodeCIDRs: cfg.allocateNodeCIDRs,
      bindAddress: cfg.bindAddress,
      advertiseAddress: cfg.advertiseAddress,
      tlsSANs: cfg.tlsSANs ? cfg.tlsSANs.split(',') : undefined,
      simulatedNodes: cfg.simulatedNodes,
      nodeGracePeriodSeconds: cfg.nodeGracePeriodSeconds,
      runtime: parseRuntimeChoice(cfg.runtime ?? process.env.K8TS_RUNTIME),
      resolvConf: cfg.resolvConf,
      fleetlock: cfg.fleetlockAddress ? { address: cfg.fleetlockAddress, slots: cfg.fleetlockSlots, tls: cfg.fleetlockTLS } : undefined,
      proxyMode: cfg.proxyMode ?? 'auto',
      ingressHttpPort: cfg.ingressHttpPort,
      ingressHttpsPort: cfg.ingressHttpsPort,
      loadBalancerPool: cfg.loadBalancerPool,
      metricResolutionSeconds: cfg.metricResolutionSeconds,
      hpaSyncPeriodSeconds: cfg.hpaSyncPeriodSeconds,
      hpaDownscaleStabilizationSeconds: cfg.hpaDownscaleStabilizationSeconds,
      // Clients may come as soon as the API server answers: the CA, token and store are made by
      // then (the lock's work is done), and `up` returns ready on this record.
      onServing: (url) => {
        lock?.release();
        lock = undefined;
        writeClusterInfo(t.dataDir, { url, port: Number(new URL(url).port), starting: true }, cfg.store);
        onReady?.();
      },
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') console.error(`k8ts: port ${port} is in use; pick another with --port N (0 picks a free one).`);
    else console.error(`k8ts: failed to start: ${err.stack ?? err.message}`);
    for (const f of [t.files.info, t.files.pid]) fs.rmSync(f, { force: true });
    // Exit now: a half-started control plane may still hold timers and sockets.
    process.exit(1);
  } finally {
    lock?.release();
  }
  if (!o.joined && String(cfg.store).startsWith('etcd://')) {
    // The cluster's own options, for servers that join it later (`k8ts server --join`).
    const [{ RestClient }, { publishClusterConfig }] = await Promise.all([import('../client/rest.js'), import('./server.js')]);
    const client = new RestClient({ server: cp.url, token: cp.token, caData: cp.caPEM });
    await publishClusterConfig(client, cfg)
      .catch((e: Error) => console.error(`k8ts: could not publish kube-system/k8ts-config: ${e.message}`))
      .finally(() => client.close());
  }
  // Ready for a user's first commands: the node registered (startControlPlane has returned) and
  // the default ServiceAccount made, without which a pod in the default namespace is refused by
  // admission (`kubectl run` right after `up` must work).
  const tStarted = performance.now();
  if (!(await defaultServiceAccountMade(cp, SERVICE_ACCOUNT_WAIT_MS)))
    console.error(
      `k8ts: the default ServiceAccount of namespace default was not made within ${SERVICE_ACCOUNT_WAIT_MS / 1000}s (see the service-account controller's lines above); pods there are refused until it is`,
    );
  // Where this process's part of `up` went (performance.now() counts from the process's start).
  // Its CPU time beside the wall time: on a shared machine the wall time is mostly the others' load.
  const cpu = process.cpuUsage();
  console.error(
    `k8ts: ready ${Math.round(performance.now())} ms after this process started (control plane started at ${Math.round(tServe)} + ${Math.round(tStarted - tServe)} ms, default ServiceAccount + ${Math.round(performance.now() - tStarted)} ms; CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms)`,
  );
  writeClusterInfo(t.dataDir, { url: cp.url, port: cp.api.port, node: cp.node, fleetlock: cp.fleetlock }, cfg.store);
  console.log(
    `${new Date().toISOString()} k8ts control plane of "${t.name}" serving at ${cp.url} (pid ${process.pid}, store ${cfg.store}, data dir ${t.dataDir})`,
  );
  if (cp.node)
    console.log(
      `node ${cp.node.name} at ${cp.node.ip}${cp.node.limitations.length ? ` (limited: ${cp.node.limitations.join('; ')})` : ''}`,
    );
  // Started, all of it: from now on the supervisor takes a death for a crash and restarts it (a
  // failure while the controllers or the node start is a failure to start, not restarted).
  process.send?.({ ready: true });
  o.onStarted?.();
  await new Promise<void>((resolve) => {
    let stopping = false;
    stopNow = (sig: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`${new Date().toISOString()} k8ts: ${sig}, stopping`);
      const hard = setTimeout(() => process.exit(1), STOP_BUDGET_MS);
      hard.unref();
      void cp.stop().finally(() => {
        for (const f of [t.files.info, t.files.pid]) {
          try {
            fs.rmSync(f);
          } catch {
            /* gone */
          }
        }
        resolve();
      });
    };
    if (stopAsked) stopNow(stopAsked);
  });
  // The IPC channel to the supervisor would keep this process alive.
  process.disconnect?.();
  return 0;
}

/** How long the start waits for the service-account controller to make default/default. */
const SERVICE_ACCOUNT_WAIT_MS = 30_000;

/**
 * Whether default/default exists within timeoutMs. Asked of the API server in this process, every
 * 10 ms: a read of its store, no request (a fresh data dir gets it from the controller manager's
 * service-account controller a moment after the controllers have synced; an existing one has it).
 */
async function defaultServiceAccountMade(cp: ControlPlane, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await cp.api.getObject('', 'serviceaccounts', 'default', 'default')) return true;
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `k8ts serve`: what the supervisor runs; the options come from the data dir's config.yaml. */
export async function serve(o: { dataDir: string; port: string; onStarted?: () => void }): Promise<number> {
  const t = resolveTarget({ dataDir: o.dataDir });
  const cfg = readConfigFile(t.files.config);
  if (!cfg) throw new Error(`${t.files.config} is missing; start clusters with k8ts up`);
  const full: ClusterConfig = { ...defaultConfig(t.name), ...cfg, name: t.name };
  return serveCluster(t, full, parseField('port', o.port, '--port'), undefined, undefined, { onStarted: o.onStarted });
}

/** The PEM files of --etcd-cafile/--etcd-certfile/--etcd-keyfile, read now (a missing one is a plain error). */
function etcdTLSOf(cfg: ClusterConfig): { ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined {
  if (!cfg.etcdCAFile && !cfg.etcdCertFile && !cfg.etcdKeyFile) return undefined;
  if (!String(cfg.store).startsWith('etcd://')) throw new Error('--etcd-cafile/--etcd-certfile/--etcd-keyfile need --store etcd://...');
  if (!cfg.etcdCertFile !== !cfg.etcdKeyFile) throw new Error('--etcd-certfile and --etcd-keyfile go together');
  const read = (f: string | undefined, flag: string): Buffer | undefined => {
    if (!f) return undefined;
    try {
      return fs.readFileSync(f);
    } catch (e) {
      throw new Error(`${flag} ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  return {
    ca: read(cfg.etcdCAFile, '--etcd-cafile'),
    cert: read(cfg.etcdCertFile, '--etcd-certfile'),
    key: read(cfg.etcdKeyFile, '--etcd-keyfile'),
  };
}
