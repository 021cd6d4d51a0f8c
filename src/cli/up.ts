// `k8ts up`: starts a cluster in the background (or the foreground) and points kubectl at it.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { mergeContext, writeKubeconfig, emptyKubeconfig, kubeconfigPath } from '../client/kubeconfig.js';
import { clusterFiles, defaultDataDir } from '../cluster/paths.js';
import { parseRuntimeChoice } from '../cluster/node.js';
import { caOf, ensureToken, readClusterInfo, readyz, runningCluster, startControlPlane, writeClusterInfo } from '../cluster/controlplane.js';

export interface UpOptions {
  dataDir?: string;
  port?: string;
  /** A file to write; false: write none (the background process, whose parent writes it). */
  kubeconfig?: string | false;
  store?: string;
  foreground?: boolean;
  /** false: no node on this machine (control plane only). */
  node?: boolean;
  podCidr?: string;
  bridge?: string;
  runtime?: string;
  nodeName?: string;
  simulatedNodes?: string;
  nodeGracePeriod?: string;
}

const CONTEXT = 'k8ts';

function writeKubeconfigFor(url: string, token: string, caPEM: string | undefined, file: string | undefined | false): string {
  if (file === false) return '(none written)';
  const caData = caPEM ? Buffer.from(caPEM).toString('base64') : undefined;
  if (file) {
    // An explicit file holds just this cluster, so it can be handed around as it is.
    const cfg = emptyKubeconfig();
    cfg.clusters.push({ name: CONTEXT, cluster: caData ? { server: url, 'certificate-authority-data': caData } : { server: url } });
    cfg.users.push({ name: CONTEXT, user: { token } });
    cfg.contexts.push({ name: CONTEXT, context: { cluster: CONTEXT, user: CONTEXT } });
    cfg['current-context'] = CONTEXT;
    writeKubeconfig(file, cfg);
    return file;
  }
  mergeContext(undefined, { clusterName: CONTEXT, userName: CONTEXT, contextName: CONTEXT, server: url, token, caData, setCurrent: true });
  return kubeconfigPath();
}

function count(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a whole number, got ${JSON.stringify(v)}`);
  return n;
}

function parsePort(p: string | undefined): number {
  if (p === undefined) return 6443;
  const n = Number(p);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be a number from 0 to 65535, got ${JSON.stringify(p)}`);
  return n;
}

function parseStore(s: string | undefined): 'sqlite' | 'memory' {
  const v = s ?? 'sqlite';
  if (v !== 'sqlite' && v !== 'memory') throw new Error(`--store must be sqlite or memory, got ${JSON.stringify(s)}`);
  return v;
}

export async function up(opts: UpOptions): Promise<number> {
  const dataDir = opts.dataDir ?? defaultDataDir();
  const port = parsePort(opts.port);
  const store = parseStore(opts.store);
  const files = clusterFiles(dataDir);
  const running = await runningCluster(dataDir);
  if (running) {
    const token = ensureToken(dataDir);
    const kc = writeKubeconfigFor(running.url, token, caOf(dataDir), opts.kubeconfig);
    console.log(`k8ts is already running at ${running.url} (pid ${running.pid}, data dir ${running.dataDir}).`);
    console.log(`kubeconfig: ${kc} (context ${CONTEXT})`);
    return 0;
  }
  if (opts.foreground) return runForeground(dataDir, port, store, opts.kubeconfig, opts);

  fs.mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  try { fs.rmSync(files.info); } catch { /* not there */ }
  const log = fs.openSync(files.log, 'a');
  // The background process gets the same options, in the foreground, writing no kubeconfig
  // (this process writes it once the cluster answers).
  const args = [process.argv[1], 'up', ...process.argv.slice(3), '--foreground', '--data-dir', files.dir, '--port', String(port), '--store', store, '--no-kubeconfig'];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log], env: process.env });
  fs.closeSync(log);
  const started = Date.now();
  process.stdout.write('Starting k8ts ');
  let exited: number | null = null;
  child.on('exit', (code) => { exited = code ?? 1; });
  child.unref();
  for (;;) {
    if (exited !== null) {
      process.stdout.write('\n');
      // The last lines that say something (stack frames say where, not what).
      const tail = fs.readFileSync(files.log, 'utf8').trim().split('\n').filter((l) => !/^\s+at /.test(l)).slice(-5).join('\n');
      console.error(`k8ts failed to start (exit ${exited}). Last lines of ${files.log}:\n${tail}`);
      return 1;
    }
    const info = readClusterInfo(dataDir);
    if (info && info.pid === child.pid) {
      const ok = await readyz(info.url, caOf(dataDir), 1000);
      if (ok) {
        const token = ensureToken(dataDir);
        const kc = writeKubeconfigFor(info.url, token, caOf(dataDir), opts.kubeconfig);
        process.stdout.write('\n');
        console.log(`k8ts is running at ${info.url} (pid ${info.pid}), ready in ${((Date.now() - started) / 1000).toFixed(1)}s.`);
        console.log(`  data dir:   ${files.dir} (store: ${store})`);
        console.log(`  log:        ${files.log}`);
        if (info.node) {
          console.log(`  node:       ${info.node.name} at ${info.node.ip}`);
          // Said plainly at start: what this machine's node cannot do (no root, not Linux...).
          for (const l of info.node.limitations) console.log(`  limited:    ${l}`);
        } else {
          console.log('  node:       none on this machine (--no-node)');
        }
        console.log(`  kubeconfig: ${kc} (context ${CONTEXT}${opts.kubeconfig ? '' : ', now current'})`);
        console.log('');
        console.log(`Try: kubectl${opts.kubeconfig ? ` --kubeconfig ${kc}` : ''} get nodes`);
        console.log(`     kubectl${opts.kubeconfig ? ` --kubeconfig ${kc}` : ''} create deployment kubernetes-bootcamp --image=gcr.io/google-samples/kubernetes-bootcamp:v1`);
        console.log(`Stop it with: k8ts down${opts.dataDir ? ` --data-dir ${opts.dataDir}` : ''}`);
        return 0;
      }
    }
    if (Date.now() - started > 60_000) {
      console.error(`\nk8ts did not become ready within 60s; see ${files.log}. Stop it with: k8ts down`);
      return 1;
    }
    process.stdout.write('.');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function runForeground(dataDir: string, port: number, store: 'sqlite' | 'memory', kubeconfig: string | undefined | false, opts: UpOptions): Promise<number> {
  let cp;
  try {
    cp = await startControlPlane({ dataDir, port, store, node: opts.node !== false, podCIDR: opts.podCidr, bridgeName: opts.bridge, nodeName: opts.nodeName, runtime: parseRuntimeChoice(opts.runtime ?? process.env.K8TS_RUNTIME),
      simulatedNodes: opts.simulatedNodes !== undefined ? count(opts.simulatedNodes, '--simulated-nodes') : undefined,
      nodeGracePeriodSeconds: opts.nodeGracePeriod !== undefined ? count(opts.nodeGracePeriod, '--node-grace-period') : undefined });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') console.error(`k8ts: port ${port} is in use; pick another with --port N (0 picks a free one).`);
    else console.error(`k8ts: failed to start: ${err.stack ?? err.message}`);
    // Exit now: a half-started control plane may still hold timers and sockets.
    process.exit(1);
  }
  writeClusterInfo(dataDir, cp, store);
  if (kubeconfig !== false) writeKubeconfigFor(cp.url, cp.token, cp.caPEM, kubeconfig);
  console.log(`k8ts control plane serving at ${cp.url} (pid ${process.pid}, store ${store}, data dir ${clusterFiles(dataDir).dir})`);
  if (cp.node) console.log(`node ${cp.node.name} at ${cp.node.ip}${cp.node.limitations.length ? ` (limited: ${cp.node.limitations.join('; ')})` : ''}`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (sig: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`k8ts: ${sig}, stopping`);
      const hard = setTimeout(() => process.exit(1), 15_000);
      hard.unref();
      void cp!.stop().finally(() => {
        const files = clusterFiles(dataDir);
        for (const f of [files.info, files.pid]) { try { fs.rmSync(f); } catch { /* gone */ } }
        resolve();
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
