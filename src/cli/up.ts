// `k8ts up [--name NAME]`: creates or starts a cluster, as `kind create cluster` / `k3d cluster
// start` do, and points kubectl at it. The options it was created with are kept in
// DATA_DIR/config.yaml, so the next `up` brings back the same cluster. It runs in the
// background under a supervisor (cluster/supervisor.ts) unless --foreground.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { nodeCIDRMaskProblem } from '../api/net.js';
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
import { adminCredentials, caOf, DEFAULT_CLUSTER_CIDR, readClusterInfo, readyz, runningCluster } from '../cluster/controlplane.js';
import { acquireLock, type DirLock } from '../cluster/lock.js';
import { ensurePrivateDir } from '../cluster/paths.js';
import { sameProcess } from '../cluster/process.js';
import { DAEMON, takeEarlySupervisor } from './earlysupervisor.js';
import { describeWritten, parseMode, writeClusterKubeconfig } from './kubeconfigs.js';
import { SERVE_NODE_OPTIONS } from './servenode.js';
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
  // The two fields together: what kube-controller-manager's allocator refuses would otherwise only
  // show in the log of a control plane that failed to start.
  if (cfg.allocateNodeCIDRs !== false && (cfg.clusterCIDR !== undefined || cfg.nodeCIDRMaskSize !== undefined)) {
    const problem = nodeCIDRMaskProblem(cfg.clusterCIDR ?? DEFAULT_CLUSTER_CIDR, cfg.nodeCIDRMaskSize ?? 24);
    if (problem) throw new Error(problem);
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
  const args = [
    ...['--data-dir', t.dataDir, '--name', t.name, '--'],
    ...[...SERVE_NODE_OPTIONS, DAEMON, 'serve', '--data-dir', t.dataDir, '--port', String(port)],
  ];
  // The one main.ts started as `up` began is booted by now: it is given its command; without one
  // (`up` run otherwise than from main.js, or it is gone), one is started here.
  const early = takeEarlySupervisor();
  early?.stdin?.end(`${JSON.stringify({ args, env: lock.env })}\n`);
  const child =
    early ??
    spawn(process.execPath, [DAEMON, 'supervise', ...args], { detached: true, stdio: 'ignore', env: { ...process.env, ...lock.env } });
  const started = Date.now();
  process.stdout.write(`Starting k8ts cluster "${t.name}" `);
  let exited: number | null = null;
  child.on('exit', (code) => {
    exited = code ?? 1;
  });
  child.unref();
  // The API server answers before all is started (cluster.json says `starting`): a first /readyz
  // then opens the connection (TLS handshake, CA loaded) that the last one, once all is started,
  // reuses, so that one is a request, not a handshake, on the way to ready (#13).
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  let warm: Promise<boolean> | undefined;
  const answers = async (url: string): Promise<boolean> => {
    await warm;
    return readyz(url, caOf(t.dataDir), 1000, agent);
  };
  try {
    return await waitUntilReady();
  } finally {
    agent.destroy();
  }

  async function waitUntilReady(): Promise<number> {
    let polls = 0;
    for (;;) {
      if (exited !== null) {
        process.stdout.write('\n');
        console.error(`k8ts failed to start (exit ${exited}). Last lines of ${t.files.log}:\n${logTail(t.files.log, logStart)}`);
        return 1;
      }
      const info = readClusterInfo(t.dataDir);
      if (info?.starting && info.supervisorPid === child.pid && !warm) warm = readyz(info.url, caOf(t.dataDir), 1000, agent);
      // Ready is all started (info.starting cleared), not the API server's first answer: a user's first
      // commands right after `up` (kubectl get nodes, kubectl run in the default namespace, which needs
      // its default ServiceAccount) must find the node registered and the controllers running.
      if (info && info.supervisorPid === child.pid && !info.starting && (await answers(info.url))) {
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

async function runForeground(
  t: Target,
  cfg: ClusterConfig,
  port: number,
  lock: DirLock,
  kubeconfig: string | false | undefined,
  mode: number | undefined,
): Promise<number> {
  const { serveCluster } = await import('./serve.js');
  return serveCluster(t, cfg, port, lock, () => {
    if (kubeconfig === false) return;
    const info = readClusterInfo(t.dataDir)!;
    const kc = writeClusterKubeconfig(t, info.url, adminCredentials(t.dataDir), caOf(t.dataDir), { file: kubeconfig, mode });
    console.log(`kubeconfig: ${describeWritten(t, kc)}`);
  });
}

export { CONFIG_FIELDS };
