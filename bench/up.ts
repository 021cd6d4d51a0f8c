// `k8ts up` to ready (issue #13): wall time from spawning `node dist/src/cli/main.js up` to the
// command returning (it returns once the background control plane answers /readyz), on a new
// data dir and again on the same (existing) one, next to the target of 1 s. Beside it, what the
// CLI costs just to start (`--version`), run by node and through npx (npm's bin resolution).

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchTempDir, cleanup, fmtS } from './util.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TARGET_MS = 1000;

/** Runs a command to its end; its wall time in ms (throws on a non-zero exit). */
function timed(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(performance.now() - t) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${err.slice(-500)}`)),
    );
  });
}

const ratio = (ms: number): string => `${fmtS(ms)} (target ${fmtS(TARGET_MS)}; x${(ms / TARGET_MS).toFixed(2)} of it)`;

async function upTwice(label: string, extra: string[]): Promise<string[]> {
  const tmp = benchTempDir(`up-${label}`);
  const dataDir = join(tmp.dir, 'cluster');
  const args = [
    MAIN,
    'up',
    '--data-dir',
    dataDir,
    '--port',
    '0',
    '--kubeconfig',
    join(tmp.dir, 'kubeconfig'),
    '--store',
    'memory',
    ...extra,
  ];
  const down = () => timed(process.execPath, [MAIN, 'down', '--data-dir', dataDir]).then(() => undefined);
  const stop = cleanup.add(`k8ts up (${label})`, async () => {
    await down().catch(() => undefined);
    await tmp.remove();
  });
  try {
    const fresh = await timed(process.execPath, args);
    await down();
    const existing = await timed(process.execPath, args);
    return [`${label}: new data dir      ${ratio(fresh)}`, `${label}: existing data dir ${ratio(existing)}`];
  } finally {
    await stop();
  }
}

export async function benchUp(): Promise<string[]> {
  const lines = ['`k8ts up` to ready, `node dist/src/cli/main.js up --store memory` (spawn to the command returning ready):'];
  lines.push(...(await upTwice('no node (--no-node)', ['--no-node'])).map((l) => `  ${l}`));
  if (process.getuid?.() === 0) {
    // The real node: a bridge, pod CIDR and node name of the bench's own, ingress off.
    try {
      lines.push(
        ...(
          await upTwice('with the node', [
            '--bridge',
            'k8tsbup0',
            '--pod-cidr',
            '10.251.77.0/24',
            '--node-name',
            'bench-up',
            '--ingress-http-port',
            '0',
            '--ingress-https-port',
            '0',
          ])
        ).map((l) => `  ${l}`),
      );
    } catch (e) {
      lines.push(`  with the node: FAILED: ${(e as Error).message}`);
    }
  } else {
    lines.push('  with the node: skipped (not root)');
  }
  // The floor under every figure above: `up` is three Node processes started one after another
  // (the command, the supervisor, the control plane), each at least this.
  const bare = await timed(process.execPath, ['-e', '0']);
  const byNode = await timed(process.execPath, [MAIN, '--version']);
  const byNpx = await timed('npx', ['k8ts', '--version']);
  lines.push(`a bare \`node -e 0\` on this machine now: ${fmtS(bare)} (up starts three Node processes in turn)`);
  lines.push('the CLI alone (`--version`):');
  lines.push(`  node dist/src/cli/main.js --version ${fmtS(byNode)}`);
  lines.push(
    `  npx k8ts --version                 ${fmtS(byNpx)} (npm resolving the bin adds ${fmtS(byNpx - byNode)}; a global install avoids it)`,
  );
  return lines;
}
