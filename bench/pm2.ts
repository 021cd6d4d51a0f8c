// The peer of "20 more replicas Ready" (issue #13): PM2, what a Node user runs copies of an app
// with, scaling the same app (the kubernetes-bootcamp server of images/, an HTTP server) from 1
// to 21 instances in cluster mode, timed from `pm2 scale` until `pm2 jlist` shows all 21 online.
// PM2 comes from the npm registry (pm2@7), installed once into ~/.cache/k8ts-bench/pm2 and run
// with a PM2_HOME of the bench's own, so its daemon is this bench's alone and killed at the end.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../src/testing/wait.js';
import { benchTempDir, cleanup } from './util.js';

const PM2_VERSION = '7';
const BOOTCAMP = fileURLToPath(new URL('../../images/kubernetes-bootcamp-v1/rootfs/server.js', import.meta.url));

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: env ?? process.env, timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr.slice(-500)}`)) : resolve(stdout),
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The pm2 bin, installed from the registry on first use. */
async function pm2Bin(): Promise<string> {
  const dir = join(os.homedir(), '.cache', 'k8ts-bench', 'pm2');
  const bin = join(dir, 'node_modules', 'pm2', 'bin', 'pm2');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    await run('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', `pm2@${PM2_VERSION}`]);
  }
  return bin;
}

/** ms for PM2 to take the app from 1 to `to` instances online. */
export async function pm2ScaleMs(to = 21): Promise<number> {
  const bin = await pm2Bin();
  const tmp = benchTempDir('pm2');
  const env = { ...process.env, PM2_HOME: join(tmp.dir, 'pm2-home') };
  // The bootcamp app on a free port instead of 8080 (cluster mode shares it among the instances).
  const app = join(tmp.dir, 'server.js');
  writeFileSync(app, readFileSync(BOOTCAMP, 'utf8').replace('server.listen(8080', `server.listen(${await freePort()}`));
  const pm2 = (...args: string[]) => run(process.execPath, [bin, ...args], env);
  const stop = cleanup.add('pm2 daemon', async () => {
    await pm2('kill').catch(() => undefined);
    await tmp.remove();
  });
  try {
    const online = async (): Promise<number> => {
      const list = JSON.parse(await pm2('jlist')) as { name: string; pm2_env?: { status?: string } }[];
      return list.filter((p) => p.name === 'bootcamp' && p.pm2_env?.status === 'online').length;
    };
    await pm2('start', app, '--name', 'bootcamp', '-i', '1');
    await waitFor('pm2: 1 instance online', async () => (await online()) === 1, { timeoutMs: 60_000, intervalMs: 50 });
    const t = performance.now();
    await pm2('scale', 'bootcamp', String(to));
    await waitFor(`pm2: ${to} instances online`, async () => (await online()) >= to, { timeoutMs: 120_000, intervalMs: 50 });
    return performance.now() - t;
  } finally {
    await stop();
  }
}
