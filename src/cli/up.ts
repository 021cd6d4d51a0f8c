// `k8ts up [--name NAME]`: creates or starts a cluster, as `kind create cluster` / `k3d cluster
// start` do, and points kubectl at it. The options it was created with are kept in
// DATA_DIR/config.yaml, so the next `up` brings back the same cluster. It runs in the
// background under a supervisor (cluster/supervisor.ts) unless --foreground.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ClusterConfig,
  CONFIG_FIELDS,
  DEFAULT_PORT,
  defaultConfig,
  listClusterDirs,
  parseField,
  readConfigFile,
  writeConfigFile,
} from '../cluster/config.js';
import {
  adminCredentials,
  type ControlPlane,
  caOf,
  readClusterInfo,
  readyz,
  runningCluster,
  startControlPlane,
  writeClusterInfo,
} from '../cluster/controlplane.js';
import { acquireLock, type DirLock } from '../cluster/lock.js';
import { ensurePrivateDir } from '../cluster/paths.js';
import { STOP_BUDGET_MS, sameProcess } from '../cluster/process.js';
import { parseRuntimeChoice } from '../cluster/runtimechoice.js';
import { describeWritten, parseMode, writeClusterKubeconfig } from './kubeconfigs.js';
import { resolveTarget, type Target } from './target.js';

export interface UpOptions {
  name?: string;
  dataDir?: string;
  config?: string;
  port?: string;
  /** A file to write; false: write none. */
  kubeconfig?: string | false;
  kubeconfigMode?: string;
  store?: string;
  foreground?: boolean;
  /** false: no node on this machine (control plane only). */
  node?: boolean;
  podCidr?: string;
  bridge?: string;
  clusterCidr?: string;
  nodeCidrMaskSize?: string;
  allocateNodeCidrs?: boolean;
  bindAddress?: string;
  advertiseAddress?: string;
  tlsSan?: string;
  runtime?: string;
  proxyMode?: string;
  resolvConf?: string;
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
  ingressHttpPort?: string;
  ingressHttpsPort?: string;
  fleetlockAddress?: string;
  fleetlockSlots?: string;
  fleetlockTls?: boolean;
  loadBalancerPool?: string;
  nodeName?: string;
  simulatedNodes?: string;
  nodeGracePeriod?: string;
  metricResolution?: string;
  horizontalPodAutoscalerSyncPeriod?: string;
  horizontalPodAutoscalerDownscaleStabilization?: string;
  /** Options the command line gave (the others keep the config file's or the default value). */
  given?: Set<string>;
}

/** Command-line options and the config field each sets. */
const FLAG_FIELDS: [keyof UpOptions, keyof ClusterConfig, string][] = [
  ['port', 'port', '--port'],
  ['store', 'store', '--store'],
  ['node', 'node', '--no-node'],
  ['podCidr', 'podCIDR', '--pod-cidr'],
  ['bridge', 'bridge', '--bridge'],
  ['clusterCidr', 'clusterCIDR', '--cluster-cidr'],
  ['nodeCidrMaskSize', 'nodeCIDRMaskSize', '--node-cidr-mask-size'],
  ['allocateNodeCidrs', 'allocateNodeCIDRs', '--no-allocate-node-cidrs'],
  ['bindAddress', 'bindAddress', '--bind-address'],
  ['advertiseAddress', 'advertiseAddress', '--advertise-address'],
  ['tlsSan', 'tlsSANs', '--tls-san'],
  ['nodeName', 'nodeName', '--node-name'],
  ['simulatedNodes', 'simulatedNodes', '--simulated-nodes'],
  ['nodeGracePeriod', 'nodeGracePeriodSeconds', '--node-grace-period'],
  ['runtime', 'runtime', '--runtime'],
  ['resolvConf', 'resolvConf', '--resolv-conf'],
  ['fleetlockAddress', 'fleetlockAddress', '--fleetlock-address'],
  ['fleetlockSlots', 'fleetlockSlots', '--fleetlock-slots'],
  ['fleetlockTls', 'fleetlockTLS', '--fleetlock-tls'],
  ['loadBalancerPool', 'loadBalancerPool', '--load-balancer-pool'],
  ['etcdCafile', 'etcdCAFile', '--etcd-cafile'],
  ['etcdCertfile', 'etcdCertFile', '--etcd-certfile'],
  ['etcdKeyfile', 'etcdKeyFile', '--etcd-keyfile'],
  ['ingressHttpPort', 'ingressHttpPort', '--ingress-http-port'],
  ['ingressHttpsPort', 'ingressHttpsPort', '--ingress-https-port'],
  ['proxyMode', 'proxyMode', '--proxy-mode'],
  ['metricResolution', 'metricResolutionSeconds', '--metric-resolution'],
  ['horizontalPodAutoscalerSyncPeriod', 'hpaSyncPeriodSeconds', '--horizontal-pod-autoscaler-sync-period'],
  [
    'horizontalPodAutoscalerDownscaleStabilization',
    'hpaDownscaleStabilizationSeconds',
    '--horizontal-pod-autoscaler-downscale-stabilization',
  ],
];

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'main.js');

function isGiven(o: UpOptions, key: keyof UpOptions): boolean {
  return o.given ? o.given.has(key) : o[key] !== undefined;
}

/** Whether something already listens on 127.0.0.1:port. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host: '127.0.0.1' }, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Ports other clusters under ~/.k8ts are configured with: a stopped cluster keeps its port. */
function claimedPorts(self: Target): Set<number> {
  const ports = new Set<number>();
  for (const dir of listClusterDirs()) {
    if (path.resolve(dir) === self.dataDir) continue;
    try {
      const p = readConfigFile(path.join(dir, 'config.yaml'))?.port;
      if (p) ports.add(p);
    } catch {
      /* unreadable */
    }
  }
  return ports;
}

/**
 * The cluster's options: defaults, then its config.yaml, then --config FILE, then the flags
 * given on this command line.
 */
function resolveConfig(t: Target, o: UpOptions, fileCfg: Partial<ClusterConfig> | undefined): { cfg: ClusterConfig; isNew: boolean } {
  const stored = readConfigFile(t.files.config);
  const cfg: ClusterConfig = { ...defaultConfig(t.name), ...stored, ...fileCfg, name: t.name };
  for (const [opt, field, flag] of FLAG_FIELDS) {
    if (!isGiven(o, opt)) continue;
    const v = o[opt];
    (cfg as unknown as Record<string, unknown>)[field] = parseField(field, v, flag);
  }
  return { cfg, isNew: !stored };
}

/** The port to listen on now: the configured one, else (when nobody insisted on it) a free one near it. */
async function choosePort(t: Target, cfg: ClusterConfig, insisted: boolean, isNew: boolean): Promise<{ port: number; note?: string }> {
  if (cfg.port === 0) return { port: await anyFreePort() };
  const claimed = isNew && !insisted ? claimedPorts(t) : new Set<number>();
  if (!claimed.has(cfg.port) && (await portFree(cfg.port))) return { port: cfg.port };
  if (insisted) throw new Error(`port ${cfg.port} is in use; pick another with --port N (0 picks a free one)`);
  for (let p = Math.max(cfg.port, DEFAULT_PORT) + 1; p < Math.max(cfg.port, DEFAULT_PORT) + 200 && p <= 65535; p++) {
    if (claimed.has(p)) continue;
    if (await portFree(p)) return { port: p, note: `port ${cfg.port} is taken; this cluster uses ${p} (kept in ${t.files.config})` };
  }
  const p = await anyFreePort();
  return { port: p, note: `port ${cfg.port} is taken; this cluster uses ${p} (kept in ${t.files.config})` };
}

/** The supervisor's pid while the one recorded in cluster.json still runs (the control plane may be restarting). */
function supervisorAlive(t: Target): number | undefined {
  const info = readClusterInfo(t.dataDir);
  return info?.supervisorPid && info.supervisorStart && sameProcess(info.supervisorPid, info.supervisorStart)
    ? info.supervisorPid
    : undefined;
}

export async function up(o: UpOptions): Promise<number> {
  const fileCfg = o.config ? readConfigFile(path.resolve(o.config)) : undefined;
  if (o.config && !fileCfg) throw new Error(`--config ${o.config}: no such file`);
  const t = resolveTarget(o, fileCfg?.name);
  const mode = parseMode(o.kubeconfigMode);
  ensurePrivateDir(t.dataDir);
  const lock = await acquireLock(t.files.lock, {
    onWait: (pid) => console.log(`Another k8ts up (pid ${pid}) is starting this cluster; waiting for it.`),
  });
  try {
    let running = await runningCluster(t.dataDir);
    const restarting = !running && supervisorAlive(t);
    if (restarting) {
      // Its supervisor is bringing the control plane back: a second one must not be started.
      // The lock is the restarting control plane's to take while it makes its CA and store.
      lock.release();
      console.log(`k8ts cluster "${t.name}" is restarting (its supervisor, pid ${restarting}, brings it back); waiting for it.`);
      const deadline = Date.now() + 90_000;
      while (!running && Date.now() < deadline && supervisorAlive(t)) {
        await new Promise((r) => setTimeout(r, 200));
        running = await runningCluster(t.dataDir);
      }
      if (!running)
        throw new Error(
          `cluster "${t.name}" did not come back within 90s; see ${t.files.log} (k8ts logs${t.flag}), or stop it with k8ts down${t.flag}`,
        );
    }
    if (running) {
      const kc =
        o.kubeconfig === false
          ? undefined
          : writeClusterKubeconfig(t, running.url, adminCredentials(t.dataDir), caOf(t.dataDir), { file: o.kubeconfig, mode });
      console.log(`k8ts cluster "${t.name}" is already running at ${running.url} (pid ${running.pid}, data dir ${running.dataDir}).`);
      const changed = FLAG_FIELDS.filter(([opt]) => isGiven(o, opt)).map(([, , flag]) => flag);
      if (changed.length || o.config)
        console.log(
          `The options given (${[...changed, ...(o.config ? ['--config'] : [])].join(', ')}) apply at the next start: k8ts down${t.flag} && k8ts up${t.flag} ...`,
        );
      if (kc) console.log(`kubeconfig: ${describeWritten(t, kc)}`);
      return 0;
    }
    const { cfg, isNew } = resolveConfig(t, o, fileCfg);
    const insisted = isGiven(o, 'port') || fileCfg?.port !== undefined;
    const { port, note } = await choosePort(t, cfg, insisted, isNew);
    if (cfg.port !== 0) cfg.port = port;
    writeConfigFile(t.files.config, cfg);
    if (note) console.log(note);
    if (o.foreground) return await runForeground(t, cfg, port, lock, o.kubeconfig, mode);
    return await startInBackground(t, cfg, port, lock, o, mode);
  } finally {
    lock.release();
  }
}

async function startInBackground(
  t: Target,
  cfg: ClusterConfig,
  port: number,
  lock: DirLock,
  o: UpOptions,
  mode: number | undefined,
): Promise<number> {
  try {
    fs.rmSync(t.files.info);
  } catch {
    /* not there */
  }
  const logStart = (() => {
    try {
      return fs.statSync(t.files.log).size;
    } catch {
      return 0;
    }
  })();
  // The supervisor writes the log; it is detached, so it outlives this command and its terminal.
  const args = [MAIN, 'supervise', '--data-dir', t.dataDir, '--', MAIN, 'serve', '--data-dir', t.dataDir, '--port', String(port)];
  const child = spawn(process.execPath, args, { detached: true, stdio: 'ignore', env: { ...process.env, ...lock.env } });
  const started = Date.now();
  process.stdout.write(`Starting k8ts cluster "${t.name}" `);
  let exited: number | null = null;
  child.on('exit', (code) => {
    exited = code ?? 1;
  });
  child.unref();
  let polls = 0;
  for (;;) {
    if (exited !== null) {
      process.stdout.write('\n');
      console.error(`k8ts failed to start (exit ${exited}). Last lines of ${t.files.log}:\n${logTail(t.files.log, logStart)}`);
      return 1;
    }
    const info = readClusterInfo(t.dataDir);
    // Ready is all started (info.starting cleared), not the API server's first answer: a user's first
    // commands right after `up` (kubectl get nodes, kubectl run in the default namespace, which needs
    // its default ServiceAccount) must find the node registered and the controllers running.
    if (info && info.supervisorPid === child.pid && !info.starting && (await readyz(info.url, caOf(t.dataDir), 1000))) {
      const kc =
        o.kubeconfig === false
          ? undefined
          : writeClusterKubeconfig(t, info.url, adminCredentials(t.dataDir), caOf(t.dataDir), { file: o.kubeconfig, mode });
      const kubectl = kc && !kc.merged ? `kubectl --kubeconfig ${kc.file}` : kc ? 'kubectl' : `k8ts kubectl${t.flag}`;
      process.stdout.write('\n');
      console.log(
        `k8ts cluster "${t.name}" is running at ${info.url} (pid ${info.pid}), ready in ${((Date.now() - started) / 1000).toFixed(1)}s.`,
      );
      console.log(`  data dir:   ${t.dataDir} (store: ${cfg.store}; options in ${path.basename(t.files.config)})`);
      console.log(`  log:        ${t.files.log} (k8ts logs${t.flag})`);
      if (info.node) {
        console.log(`  node:       ${info.node.name} at ${info.node.ip}`);
        if (info.node.proxy) console.log(`  services:   proxied by the ${info.node.proxy} service proxy`);
        // Said plainly at start: what this machine's node cannot do (no root, not Linux...).
        for (const l of info.node.limitations) console.log(`  limited:    ${l}`);
      } else {
        console.log('  node:       none on this machine (--no-node)');
      }
      if (info.fleetlockURL) console.log(`  fleetlock:  ${info.fleetlockURL} (reboot coordination; k8ts fleetlock ls${t.flag})`);
      if (kc) console.log(`  kubeconfig: ${describeWritten(t, kc)}`);
      console.log('');
      console.log(`Try: ${kubectl} get nodes`);
      console.log(`     ${kubectl} create deployment kubernetes-bootcamp --image=gcr.io/google-samples/kubernetes-bootcamp:v1`);
      console.log(`     k8ts tutorial${t.flag}      (a guided tour, for someone new to Kubernetes)`);
      console.log(`Stop it with: k8ts down${t.flag}`);
      return 0;
    }
    if (Date.now() - started > 90_000) {
      console.error(`\nk8ts did not become ready within 90s; see ${t.files.log}. Stop it with: k8ts down${t.flag}`);
      return 1;
    }
    // Dots every 100 ms; cluster.json looked at every 20 ms (a poll is a small file read).
    if (++polls % 5 === 0) process.stdout.write('.');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The log written since `from`, without stack frames (they say where, not what). */
function logTail(file: string, from: number): string {
  try {
    const text = fs.readFileSync(file).subarray(from).toString('utf8');
    return text
      .trim()
      .split('\n')
      .filter((l) => !/^\s+at /.test(l))
      .slice(-8)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

/** The control plane in this process, until SIGTERM/SIGINT. `serve` (under the supervisor) and `up --foreground` run it. */
export async function serveCluster(
  t: Target,
  cfg: ClusterConfig,
  port: number,
  held?: DirLock,
  onReady?: () => void,
  o: { joined?: boolean } = {},
): Promise<number> {
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

async function runForeground(
  t: Target,
  cfg: ClusterConfig,
  port: number,
  lock: DirLock,
  kubeconfig: string | false | undefined,
  mode: number | undefined,
): Promise<number> {
  return serveCluster(t, cfg, port, lock, () => {
    if (kubeconfig === false) return;
    const info = readClusterInfo(t.dataDir)!;
    const kc = writeClusterKubeconfig(t, info.url, adminCredentials(t.dataDir), caOf(t.dataDir), { file: kubeconfig, mode });
    console.log(`kubeconfig: ${describeWritten(t, kc)}`);
  });
}

/** `k8ts serve`: what the supervisor runs; the options come from the data dir's config.yaml. */
export async function serve(o: { dataDir: string; port: string }): Promise<number> {
  const t = resolveTarget({ dataDir: o.dataDir });
  const cfg = readConfigFile(t.files.config);
  if (!cfg) throw new Error(`${t.files.config} is missing; start clusters with k8ts up`);
  const full: ClusterConfig = { ...defaultConfig(t.name), ...cfg, name: t.name };
  return serveCluster(t, full, parseField('port', o.port, '--port'));
}

export { CONFIG_FIELDS };

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
