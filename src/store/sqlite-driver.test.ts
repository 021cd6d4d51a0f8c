// The SQLite driver adapter: the store's files are private, transactions roll back the same way
// on both drivers, and (where a Node 22 binary is given as K8TS_NODE22) the store's own tests
// pass on node:sqlite too.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from './sqlite.js';
import { openDatabase, sqliteDriver } from './sqlite-driver.js';

const here = dirname(fileURLToPath(import.meta.url));
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'k8ts-driver-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('state.db and its WAL are created 0600 whatever the umask, and an existing 0644 file is tightened', async () => {
  const old = process.umask(0o022);
  try {
    const dir = tempDir();
    const s = new SqliteStore(dir, { compactEvery: 0 });
    await s.create('/registry/secrets/default/a', '{"data":{"password":"c2VjcmV0"}}');
    for (const f of readdirSync(dir).filter((n) => n.startsWith('state.db'))) {
      assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, `${f} is readable by others`);
    }
    assert.ok(readdirSync(dir).includes('state.db-wal'), 'the WAL exists while the store is open');
    await s.close();

    // A data dir from an older k8ts: the files were 0644.
    for (const f of readdirSync(dir).filter((n) => n.startsWith('state.db'))) chmodSync(join(dir, f), 0o644);
    const again = new SqliteStore(dir, { compactEvery: 0 });
    await again.create('/registry/secrets/default/b', '{}');
    for (const f of readdirSync(dir).filter((n) => n.startsWith('state.db'))) {
      assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, `${f} kept its old mode`);
    }
    await again.close();
  } finally {
    process.umask(old);
  }
});

test('a transaction that throws leaves nothing; a nested one rolls back to its savepoint', () => {
  const db = openDatabase(join(tempDir(), 'x.db'));
  try {
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
    const ins = db.prepare<[string]>('INSERT INTO t (k) VALUES (?)');
    const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM t');
    const tx = db.transaction((k: string) => {
      ins.run(k);
      throw new Error('boom');
    });
    assert.throws(() => tx('a'), /boom/);
    assert.equal(count.get()!.n, 0);
    const inner = db.transaction((k: string) => {
      ins.run(k);
      throw new Error('inner');
    });
    const outer = db.transaction(() => {
      ins.run('kept');
      assert.throws(() => inner('dropped'), /inner/);
    });
    outer();
    assert.deepEqual(db.prepare('SELECT k FROM t ORDER BY k').pluck().all(), ['kept']);
    assert.deepEqual(
      [...db.prepare<[string], { k: string }>('SELECT k FROM t WHERE k >= ?').iterate('a')].map((r) => r.k),
      ['kept'],
    );
    assert.equal(db.prepare('SELECT k FROM t WHERE k = ?').pluck().get('nope'), undefined);
  } finally {
    db.close();
  }
});

test('the driver is node:sqlite where Node has it, else better-sqlite3', (t) => {
  t.diagnostic(`sqlite driver: ${sqliteDriver()} on Node ${process.version}`);
  const [major, minor] = process.versions.node.split('.').map(Number);
  const expected = major > 22 || (major === 22 && minor >= 13) ? 'node:sqlite' : 'better-sqlite3';
  if (!process.env.K8TS_SQLITE_DRIVER) assert.equal(sqliteDriver(), expected);
});

// CI installs a Node 22 binary and names it in K8TS_NODE22 (see .ci/run); without it there is
// no second Node on the machine to run the store's tests with.
const node22 = process.env.K8TS_NODE22;
test('the store tests pass on Node 22 with node:sqlite', { skip: node22 ? false : 'K8TS_NODE22 names no Node 22 binary' }, () => {
  const version = spawnSync(node22!, ['--version'], { encoding: 'utf8' }).stdout.trim();
  assert.match(version, /^v2[2-9]\./, `K8TS_NODE22 is ${version}`);
  const files = ['store.test.js', 'durability.test.js', 'sqlite-driver.test.js'].map((f) => join(here, f));
  const env: NodeJS.ProcessEnv = { ...process.env, K8TS_SQLITE_DRIVER: 'node:sqlite', K8TS_NODE22: '' };
  // Inside a test run, a nested runner would report over the parent's channel instead of stdout.
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(node22!, ['--test', ...files], { encoding: 'utf8', env, timeout: 300_000 });
  assert.equal(r.status, 0, `${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`);
  assert.match(r.stdout, /# fail 0/);
  assert.doesNotMatch(r.stderr, /ExperimentalWarning/);
});
