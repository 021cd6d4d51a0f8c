// `k8ts up` to ready (issue #13): wall time from spawning `node dist/src/cli/main.js up` to the
// command returning (it returns once the node is registered and the default ServiceAccount made),
// on a new data dir and again on the same (existing) one, next to the target of 1 s; the median of
// ROUNDS rounds, since the machine is shared. Beside it in the same run: a bare `node -e 0` (the
// floor of each of the Node processes up starts), and `npx k8ts up` on an existing data
// dir with its bin run by node (npm's bin resolution is what npx adds). K8TS_BENCH_UP_NODE=0 leaves
// out the runs with the real node (they need root and the host to themselves).

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchTempDir, cleanup, fmtS, median } from './util.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TARGET_MS = 1000;
const ROUNDS = Number(process.env.K8TS_BENCH_UP_ROUNDS ?? 3);

/** Runs a command to its end; its wall time in ms (throws on a non-zero exit). */
function timed(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], ...(env ? { env } : {}) });
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
const spread = (xs: number[]): string => `[${xs.map((x) => (x / 1000).toFixed(2)).join(', ')}]`;

interface UpFigures {
  fresh: number[];
  existing: number[];
  /** `npx k8ts up` on the existing data dir, when asked for. */
  npx: number[];
  /** `node -e 0`, once per round, between the ups. */
  bare: number[];
}

/** ROUNDS times: up on a new data dir, down, up again on it (existing), down; npx too when asked. */
async function upRounds(label: string, extra: string[], withNpx: boolean): Promise<UpFigures> {
  const f: UpFigures = { fresh: [], existing: [], npx: [], bare: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const tmp = benchTempDir(`up-${label.replace(/\W+/g, '-')}`);
    const dataDir = join(tmp.dir, 'cluster');
    const upArgs = ['up', '--data-dir', dataDir, '--port', '0', '--kubeconfig', join(tmp.dir, 'kubeconfig'), ...extra];
    const down = () => timed(process.execPath, [MAIN, 'down', '--data-dir', dataDir]).then(() => undefined);
    const stop = cleanup.add(`k8ts up (${label})`, async () => {
      await down().catch(() => undefined);
      await tmp.remove();
    });
    try {
      f.bare.push(await timed(process.execPath, ['-e', '0']));
      f.fresh.push(await timed(process.execPath, [MAIN, ...upArgs]));
      await down();
      f.existing.push(await timed(process.execPath, [MAIN, ...upArgs]));
      await down();
      if (withNpx) {
        f.npx.push(await timed('npx', ['k8ts', ...upArgs]));
        await down();
      }
    } finally {
      await stop();
    }
  }
  return f;
}

/**
 * One `up` on a new data dir with no V8 code cache of the user's for the control plane's bundle
 * yet (the first `up` after a build or an install: K8TS_HOME, where that cache is kept, new; the
 * build's cache beside the bundle is what it has, if the build made one), then down. The other
 * rows run with the cache the runs before them made.
 */
async function coldUp(extra: string[]): Promise<number> {
  const tmp = benchTempDir('up-cold');
  const dataDir = join(tmp.dir, 'cluster');
  const env = { ...process.env, K8TS_HOME: join(tmp.dir, 'home') };
  const down = () => timed(process.execPath, [MAIN, 'down', '--data-dir', dataDir], env).then(() => undefined);
  const stop = cleanup.add('k8ts up (cold cache)', async () => {
    await down().catch(() => undefined);
    await tmp.remove();
  });
  try {
    const upArgs = ['up', '--data-dir', dataDir, '--port', '0', '--kubeconfig', join(tmp.dir, 'kubeconfig'), ...extra];
    return await timed(process.execPath, [MAIN, ...upArgs], env);
  } finally {
    await stop();
  }
}

export async function benchUp(): Promise<string[]> {
  const lines = [
    `\`k8ts up\` to ready, \`node dist/src/cli/main.js up\` (spawn to the command returning ready; median of ${ROUNDS}, each round's figures in brackets):`,
  ];
  const bare: number[] = [];
  const report = (label: string, f: UpFigures) => {
    bare.push(...f.bare);
    lines.push(`  ${label}: new data dir      ${ratio(median(f.fresh))} ${spread(f.fresh)}`);
    lines.push(`  ${label}: existing data dir ${ratio(median(f.existing))} ${spread(f.existing)}`);
    if (f.npx.length) {
      const byNpx = median(f.npx);
      const byNode = median(f.existing);
      lines.push(
        `  ${label}: \`npx k8ts up\`, existing data dir ${fmtS(byNpx)} ${spread(f.npx)}: npx adds ${fmtS(byNpx - byNode)} to the bin run by node (x${(byNpx / byNode).toFixed(2)}); a global install (npm install -g) avoids it`,
      );
    }
  };
  report('no node, memory store', await upRounds('no node memory', ['--store', 'memory', '--no-node'], true));
  report('no node, sqlite store (the default)', await upRounds('no node sqlite', ['--store', 'sqlite', '--no-node'], false));
  if (process.env.K8TS_BENCH_UP_NODE === '0') {
    lines.push('  with the node: skipped (K8TS_BENCH_UP_NODE=0)');
  } else if (process.getuid?.() === 0) {
    // The real node with the default store: the `k8ts up` a user runs; a bridge, pod CIDR and
    // node name of the bench's own, ingress off.
    const nodeArgs = [
      '--store',
      'sqlite',
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
    ];
    try {
      report('with the node, sqlite store (the default)', await upRounds('with the node', nodeArgs, false));
      // The first up a user runs (README: `npm ci && npx k8ts up`): ROUNDS of them, each with a K8TS_HOME of its own.
      const cold: number[] = [];
      for (let round = 0; round < ROUNDS; round++) cold.push(await coldUp(nodeArgs));
      lines.push(
        `  with the node: new data dir, no code cache of the user's yet, the build's if made (the first up after a build or install) ${ratio(median(cold))} ${spread(cold)}`,
      );
    } catch (e) {
      lines.push(`  with the node: FAILED: ${(e as Error).message}`);
    }
  } else {
    lines.push('  with the node: skipped (not root)');
  }
  // The floor under every figure above: `up` is three Node processes (the command, the supervisor,
  // the control plane), each at least this; the control plane's starts once the command has read
  // its config and the supervisor (started beside the command's own loading) has started.
  lines.push(
    `a bare \`node -e 0\` on this machine, median of ${bare.length} taken between the ups: ${fmtS(median(bare))} (up, the supervisor beside it, then the control plane)`,
  );
  const byNode = await timed(process.execPath, [MAIN, '--version']);
  const byNpx = await timed('npx', ['k8ts', '--version']);
  lines.push('the CLI alone (`--version`):');
  lines.push(`  node dist/src/cli/main.js --version ${fmtS(byNode)}`);
  lines.push(
    `  npx k8ts --version                 ${fmtS(byNpx)} (npm resolving the bin adds ${fmtS(byNpx - byNode)}; a global install avoids it)`,
  );
  return lines;
}
