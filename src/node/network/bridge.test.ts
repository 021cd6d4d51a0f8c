import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostVethName, NodeNetwork, parseCIDR } from './bridge.js';

test('podCIDR parsing and the gateway', () => {
  assert.deepEqual(parseCIDR('10.244.0.0/24'), { network: ((10 << 24) | (244 << 16)) >>> 0, prefix: 24, size: 256 });
  assert.throws(() => parseCIDR('10.244.0.0'), /invalid IPv4 CIDR/);
  const n = new NodeNetwork({ podCIDR: '10.244.3.0/24' });
  assert.equal(n.gateway, '10.244.3.1');
  assert.equal(n.bridgeName, 'k8ts0');
  assert.throws(() => new NodeNetwork({ bridgeName: 'a-very-long-bridge-name' }), /longer than 15/);
  assert.ok(hostVethName('0123456789abcdef0123').length <= 15);
});

test('pod addresses are allocated next-fit, released and reserved', () => {
  const n = new NodeNetwork({ podCIDR: '10.250.0.0/29' }); // .2 - .6 usable
  const ips = ['a', 'b', 'c', 'd', 'e'].map((o) => n.allocate(o));
  assert.deepEqual(ips, ['10.250.0.2', '10.250.0.3', '10.250.0.4', '10.250.0.5', '10.250.0.6']);
  assert.throws(() => n.allocate('f'), /no free address/);
  n.release('10.250.0.3');
  assert.equal(n.allocate('g'), '10.250.0.3');
  const m = new NodeNetwork({ podCIDR: '10.250.0.0/29' });
  m.reserve('10.250.0.2', 'x');
  assert.equal(m.allocate('y'), '10.250.0.3');
});

const asRoot = process.platform === 'linux' && process.getuid?.() === 0;

test('two instances never share a bridge: the second is refused while the first lives, even after it was killed -9', {
  skip: !asRoot && 'needs root',
}, async () => {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const bridge = `k8lk${process.pid % 100000}`;
  const lockModule = fileURLToPath(new URL('./lock.js', import.meta.url));
  // Another k8ts instance: a separate process holding the lock for its life.
  const other = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { lockBridge } = await import(${JSON.stringify(lockModule)}); await lockBridge(${JSON.stringify(bridge)}, 'data dir /other'); console.log('held'); setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const mine = new NodeNetwork({ bridgeName: bridge, podCIDR: '10.251.7.0/24', masquerade: false });
  let again: NodeNetwork | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      other.stdout!.once('data', () => resolve());
      other.once('exit', (c) => reject(new Error(`holder exited ${c}`)));
    });
    await assert.rejects(mine.ensureBridge(), /bridge k8lk\d+ is in use by another k8ts instance \(pid \d+, data dir \/other\)/);
    const { execFileSync } = await import('node:child_process');
    assert.throws(() => execFileSync('ip', ['link', 'show', bridge], { stdio: 'ignore' }), 'the refused instance made no bridge');
    const gone = new Promise((r) => other.once('exit', r));
    other.kill('SIGKILL');
    await gone;
    // The kernel dropped the dead holder's lock: no stale lock file or pid is trusted.
    const { waitFor } = await import('../../testing/wait.js');
    await waitFor(
      'the bridge to be ours',
      async () => {
        await mine.ensureBridge();
        return true;
      },
      { timeoutMs: 10_000 },
    );
    execFileSync('ip', ['link', 'show', bridge], { stdio: 'ignore' });
    // In-process instances of one agent share the lock.
    again = new NodeNetwork({ bridgeName: bridge, podCIDR: '10.251.7.0/24', masquerade: false });
    await again.ensureBridge();
  } finally {
    other.kill('SIGKILL');
    await mine.teardown();
    // The last of the lock's holders in this process: its files go with it.
    await again?.teardown();
  }
});

test('abandon removes the bridge and table an instance added, and leaves a bridge it found in place', {
  skip: !asRoot && 'needs root',
}, async () => {
  const { execFileSync } = await import('node:child_process');
  const bridge = `k8ab${process.pid % 100000}`;
  const table = `k8ts_${bridge}`;
  const has = (args: string[]) => {
    try {
      execFileSync(args[0], args.slice(1), { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  const fresh = new NodeNetwork({ bridgeName: bridge, podCIDR: '10.251.8.0/24' });
  const found = new NodeNetwork({ bridgeName: bridge, podCIDR: '10.251.8.0/24' });
  try {
    // Abandoned while its set-up is still running: it waits for it, then undoes it.
    void fresh.ensureBridge();
    await fresh.abandon();
    assert.equal(has(['ip', 'link', 'show', bridge]), false, 'the bridge it added is gone');
    assert.equal(has(['nft', 'list', 'table', 'ip', table]), false, 'its table is gone');
    // A bridge already there (a crashed instance's, its pods still on it) stays.
    execFileSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
    // (the lock's holder process of the first instance ends a moment after it lets go)
    const { waitFor } = await import('../../testing/wait.js');
    await waitFor(
      'the bridge lock to be free',
      async () => {
        await found.ensureBridge();
        return true;
      },
      { timeoutMs: 10_000 },
    );
    await found.abandon();
    assert.equal(has(['ip', 'link', 'show', bridge]), true, 'the bridge it found stays');
    // ...and the lock is let go: another k8ts instance (a process of its own) may take the bridge.
    const { fileURLToPath } = await import('node:url');
    const lockModule = fileURLToPath(new URL('./lock.js', import.meta.url));
    const out = await waitFor(
      'another instance to take the bridge lock',
      () =>
        execFileSync(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `const { lockBridge } = await import(${JSON.stringify(lockModule)}); (await lockBridge(${JSON.stringify(bridge)}, 'data dir /next'))(); console.log('held');`,
          ],
          { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore'] },
        ),
      { timeoutMs: 10_000 },
    );
    assert.match(out, /held/);
  } finally {
    await fresh.teardown();
    await found.teardown();
    // The lock's files (lock.ts keeps them; the kernel lock is what counts): this test's name is its own.
    const { rmSync } = await import('node:fs');
    for (const f of [`/run/k8ts/bridge-${bridge}.lock`, `/run/k8ts/bridge-${bridge}.lock.owner`]) rmSync(f, { force: true });
  }
});

test("the bridge's set-up asks sysfs, not an ip process, whether the link is there (#13)", {
  skip: !asRoot && 'needs root',
}, async () => {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, readFileSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const bridge = `k8sy${process.pid % 100000}`;
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-ipbin-'));
  // An `ip` first on PATH that writes down each run and runs the real one.
  const realIp = execFileSync('sh', ['-c', 'command -v ip'], { encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'ip'), `#!/bin/sh\necho "$*" >> ${join(dir, 'ip.log')}\nexec ${realIp} "$@"\n`, { mode: 0o755 });
  const bridgeModule = fileURLToPath(new URL('./bridge.js', import.meta.url));
  // In a process of its own, whose node commands (and their helper) find that ip.
  const script = `const { NodeNetwork } = await import(${JSON.stringify(bridgeModule)});
    const n = new NodeNetwork({ bridgeName: ${JSON.stringify(bridge)}, podCIDR: '10.251.9.0/24' });
    try { await n.ensureBridge(); console.log('up'); } finally { await n.teardown(); }`;
  try {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
      timeout: 30_000,
    });
    assert.match(out, /up/);
    const runs = readFileSync(join(dir, 'ip.log'), 'utf8').trim().split('\n');
    assert.ok(runs.includes('-batch -'), runs.join(' | '));
    assert.ok(!runs.some((r) => r.startsWith('link show')), runs.join(' | '));
  } finally {
    execFileSync('sh', ['-c', `ip link del ${bridge} 2>/dev/null; nft delete table ip k8ts_${bridge} 2>/dev/null; true`]);
    rmSync(dir, { recursive: true, force: true });
    for (const f of [`/run/k8ts/bridge-${bridge}.lock`, `/run/k8ts/bridge-${bridge}.lock.owner`]) rmSync(f, { force: true });
  }
});

test("linkExists answers for the process's own network namespace, also where sysfs is the host's (nsenter --net)", {
  skip: !asRoot && 'needs root',
}, async () => {
  const { execFileSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const tag = process.pid % 100000;
  const netns = `k8ts-le${tag}`;
  const inner = `k8li${tag}`; // only in the namespace (a bridge: the dummy module may be missing)
  const outer = `k8lo${tag}`; // only on the host
  const bridgeModule = fileURLToPath(new URL('./bridge.js', import.meta.url));
  const sh = (c: string) => execFileSync('sh', ['-c', c], { encoding: 'utf8' });
  try {
    sh(`ip netns add ${netns} && ip -n ${netns} link add ${inner} type bridge && ip link add ${outer} type bridge`);
    const { linkExists } = await import('./bridge.js');
    assert.equal(await linkExists(outer), true);
    assert.equal(await linkExists(inner), false);
    assert.equal(await linkExists('lo'), true);
    // nsenter --net keeps the host's /sys mounted: /sys/class/net names the host's links there.
    const script = `const { linkExists } = await import(${JSON.stringify(bridgeModule)});
      console.log(JSON.stringify([await linkExists(${JSON.stringify(inner)}), await linkExists(${JSON.stringify(outer)}), await linkExists('lo')]));`;
    const out = execFileSync('nsenter', [`--net=/run/netns/${netns}`, process.execPath, '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.deepEqual(JSON.parse(out), [true, false, true]);
  } finally {
    sh(`ip link del ${outer} 2>/dev/null; ip netns del ${netns} 2>/dev/null; true`);
  }
});

test("the bridge's set-up run twice in a namespace entered with nsenter --net finds the link it made", {
  skip: !asRoot && 'needs root',
}, async () => {
  const { execFileSync } = await import('node:child_process');
  const { rmSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const tag = process.pid % 100000;
  const netns = `k8ts-br${tag}`;
  const bridge = `k8sz${tag}`;
  const bridgeModule = fileURLToPath(new URL('./bridge.js', import.meta.url));
  // As an agent's restart: the bridge is left in place by the first and found by the second.
  const script = `const { NodeNetwork } = await import(${JSON.stringify(bridgeModule)});
    const n = new NodeNetwork({ bridgeName: ${JSON.stringify(bridge)}, podCIDR: '10.251.10.0/24', masquerade: false });
    await n.ensureBridge(); console.log('up'); process.exit(0);`;
  try {
    execFileSync('ip', ['netns', 'add', netns]);
    for (let i = 0; i < 2; i++) {
      const out = execFileSync('nsenter', [`--net=/run/netns/${netns}`, process.execPath, '--input-type=module', '-e', script], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.match(out, /up/);
    }
    assert.match(execFileSync('ip', ['-n', netns, 'link', 'show', bridge], { encoding: 'utf8' }), new RegExp(bridge));
  } finally {
    execFileSync('sh', ['-c', `ip netns del ${netns} 2>/dev/null; true`]);
    for (const f of [`/run/k8ts/bridge-${bridge}.lock`, `/run/k8ts/bridge-${bridge}.lock.owner`]) rmSync(f, { force: true });
  }
});
