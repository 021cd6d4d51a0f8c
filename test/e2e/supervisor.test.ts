// `k8ts up`'s background process is supervised (issue #7): the control plane killed with
// SIGKILL is restarted within a second, the log says so, and the pods keep running untouched
// (same container, no restart). Also: the data dir is made private even when it existed, the
// store's files are 0600, `k8ts logs` shows the cluster log, and `down` stops the supervisor too.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SERVE_NODE_OPTIONS } from '../../src/cli/servenode.js';
import { CLI, run, TestCluster } from './harness.js';

const root = process.platform === 'linux' && process.getuid?.() === 0;
const cluster = new TestCluster('supervisor', 'sqlite');
const k8ts = (args: string[]) => run(process.execPath, [CLI, ...args], { env: cluster.env(), timeoutMs: 90_000 });

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * The supervisors of a data dir: `daemon.js supervise` processes holding its cluster log open (a
 * supervisor `up` starts early shows no data dir on its command line, and one that was given
 * no command never opens the log).
 */
function supervisorsOf(dataDir: string): number[] {
  const log = fs.realpathSync(path.join(dataDir, 'k8ts.log'));
  let pids: number[];
  try {
    pids = execFileSync('pgrep', ['-f', 'daemon.js supervise'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return pids.filter((pid) => {
    try {
      return fs.readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === log;
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('supervised control plane', () => {
  before(async () => {
    // A data dir from an older k8ts, or made by hand: readable by everyone.
    fs.mkdirSync(cluster.dataDir, { recursive: true, mode: 0o755 });
    fs.chmodSync(cluster.dataDir, 0o755);
    await cluster.up(root ? [] : ['--no-node']);
  });
  after(async () => {
    await cluster.kubectl(['delete', 'deployment', 'kept', '--ignore-not-found', '--wait=true', '--timeout=60s']).catch(() => undefined);
    await cluster.stop();
  });

  test('the data dir is tightened to 0700 and state.db and its WAL are 0600', () => {
    assert.equal(fs.statSync(cluster.dataDir).mode & 0o777, 0o700);
    const dbFiles = fs.readdirSync(cluster.dataDir).filter((f) => f.startsWith('state.db'));
    assert.ok(dbFiles.includes('state.db-wal'), dbFiles.join(','));
    for (const f of dbFiles) assert.equal(fs.statSync(path.join(cluster.dataDir, f)).mode & 0o777, 0o600, f);
    assert.equal(fs.statSync(path.join(cluster.dataDir, 'token')).mode & 0o777, 0o600);
  });

  test('SIGKILL of the control plane: restarted within a second, logged, pods untouched', async () => {
    let before: { startedAt: string; ip: string } | undefined;
    let pod = '';
    if (root) {
      await cluster.k('create', 'deployment', 'kept', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1');
      await cluster.k('rollout', 'status', 'deployment/kept', '--timeout=90s');
      pod = (await cluster.k('get', 'pods', '-l', 'app=kept', '-o', 'jsonpath={.items[0].metadata.name}')).trim();
      const p = JSON.parse(await cluster.k('get', 'pod', pod, '-o', 'json'));
      before = { startedAt: p.status.containerStatuses[0].state.running.startedAt, ip: p.status.podIP };
    }
    const info = cluster.info()!;
    assert.ok(info.supervisorPid, 'cluster.json names the supervisor');
    assert.deepEqual(childrenOf(info.supervisorPid!), [info.pid], "the control plane is the supervisor's child");
    const logFile = path.join(cluster.dataDir, 'k8ts.log');
    const logBefore = fs.readFileSync(logFile, 'utf8').length;

    // Node's options for the control plane (servenode.ts), at its first start and its restart.
    const nodeOptions = (pid: number) =>
      fs
        .readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .split('\0')
        .slice(1, 1 + SERVE_NODE_OPTIONS.length);
    assert.deepEqual(nodeOptions(info.pid), SERVE_NODE_OPTIONS);

    const killedAt = Date.now();
    process.kill(info.pid, 'SIGKILL');
    let restarted: number | undefined;
    while (!restarted && Date.now() - killedAt < 3000) {
      restarted = childrenOf(info.supervisorPid!).find((p) => p !== info.pid);
      if (!restarted) await new Promise((r) => setTimeout(r, 20));
    }
    const tookMs = Date.now() - killedAt;
    assert.ok(restarted, 'a new control plane process was started');
    assert.deepEqual(nodeOptions(restarted), SERVE_NODE_OPTIONS);
    // Within a second of the death, with room for a loaded machine's scheduling.
    assert.ok(tookMs < 1500, `restarted after ${tookMs} ms`);
    const line =
      /k8ts supervisor: the control plane \(pid (\d+)\) died \(signal SIGKILL\) after [\d.]+s; restarting it in (\d+) ms \(restart 1\); pods keep running/.exec(
        fs.readFileSync(logFile, 'utf8').slice(logBefore),
      );
    assert.ok(line, 'the log says what happened');
    assert.equal(Number(line[1]), info.pid);
    assert.ok(Number(line[2]) <= 1000);

    // `up` meanwhile waits for the restart instead of starting a second control plane.
    const again = await k8ts([
      'up',
      '--data-dir',
      cluster.dataDir,
      '--port',
      '0',
      '--kubeconfig',
      cluster.kubeconfig,
      ...(root ? [] : ['--no-node']),
    ]);
    assert.equal(again.code, 0, again.stderr + again.stdout);
    assert.match(again.stdout, /is restarting \(its supervisor, pid \d+, brings it back\); waiting for it\.|is already running/);
    assert.equal(cluster.info()?.supervisorPid, info.supervisorPid, 'still the one supervisor');
    const supervisors = supervisorsOf(cluster.dataDir);
    assert.deepEqual(supervisors, [info.supervisorPid], `supervisors: ${supervisors.join(', ')}`);

    // It serves again, on the same address, with the same credentials.
    await cluster.waitFor(
      'the new control plane to be ready',
      async () => {
        const now = cluster.info();
        return now && now.pid === restarted && (await cluster.kubectl(['get', '--raw', '/readyz'])).code === 0;
      },
      60_000,
    );
    assert.equal(cluster.info()!.url, info.url);
    // The supervisor logs it once all of the control plane has started again.
    await cluster.waitFor(
      'the supervisor to log the restart',
      () => /serving again after restart 1/.test(fs.readFileSync(logFile, 'utf8').slice(logBefore)),
      30_000,
    );

    if (root) {
      await cluster.waitFor(
        'the node to report the pod again',
        async () => /Running/.test(await cluster.k('get', 'pod', pod, '--no-headers')),
        30_000,
      );
      const p = JSON.parse(await cluster.k('get', 'pod', pod, '-o', 'json'));
      assert.equal(p.status.containerStatuses[0].restartCount, 0, 'the container was not restarted');
      assert.equal(p.status.containerStatuses[0].state.running.startedAt, before!.startedAt, 'the same container runs');
      assert.equal(p.status.podIP, before!.ip);
      // The API serves before the node agent is back (`up` is ready when the API server is): the
      // pod's log is there once the node serves its streams again.
      let logs = '';
      await cluster.waitFor(
        "the node to serve the pod's log again",
        async () => {
          const r = await cluster.kubectl(['logs', pod]);
          logs = r.stdout;
          return r.code === 0;
        },
        30_000,
      );
      assert.equal(logs.match(/Started At/g)?.length, 1, 'the app started once');
      assert.match(await cluster.k('exec', pod, '--', 'curl', '-s', 'http://localhost:8080'), /Hello Kubernetes bootcamp!/);
    }
  });

  test('k8ts logs shows the cluster log; --tail N the last lines', async () => {
    const all = await k8ts(['logs', '--data-dir', cluster.dataDir]);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /k8ts supervisor \(pid \d+\) starting the control plane/);
    assert.match(all.stdout, /serving at https:\/\/127\.0\.0\.1:\d+/);
    // The cluster keeps logging (its components start after it serves): compare --tail with the
    // file as it was around the call, taking a moment when nothing was written meanwhile.
    const logFile = path.join(cluster.dataDir, 'k8ts.log');
    let checked = false;
    for (let i = 0; i < 10 && !checked; i++) {
      const before = fs.readFileSync(logFile, 'utf8');
      const last = await k8ts(['logs', '--data-dir', cluster.dataDir, '--tail', '2']);
      assert.equal(last.stdout.trim().split('\n').length, 2);
      if (fs.readFileSync(logFile, 'utf8') !== before) continue;
      assert.ok(before.trimEnd().endsWith(last.stdout.trimEnd()), `${last.stdout} is not the end of the log`);
      checked = true;
    }
    assert.ok(checked, 'the log never stopped growing for the length of a k8ts logs');
  });

  test('down stops the supervisor and the control plane; nothing restarts them', async () => {
    const info = cluster.info()!;
    const d = await cluster.down();
    assert.equal(d.code, 0, d.stderr);
    assert.ok(!alive(info.supervisorPid!), 'the supervisor is gone');
    assert.ok(!alive(info.pid), 'the control plane is gone');
    assert.match(fs.readFileSync(path.join(cluster.dataDir, 'k8ts.log'), 'utf8'), /k8ts supervisor: stopped\n$/);
  });
});
