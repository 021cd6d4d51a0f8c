// Store figures: writes, reads and lists at 10,000 objects, watch fan-out through the
// watch cache, and the machine's raw SQLite write rate as the yardstick for ours; the same
// on a real one-member etcd (when installed) next to that etcd's raw put rate (etcd3 client).

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Etcd3 } from 'etcd3';
import { WatchCache } from '../src/apiserver/watchcache.js';
import { EtcdStore } from '../src/store/etcd.js';
import { MemoryStore } from '../src/store/memory.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { openDatabase, sqliteDriver } from '../src/store/sqlite-driver.js';
import type { Store } from '../src/store/types.js';
import { etcdMissing, startTestEtcd } from '../src/testing/etcd.js';
import { benchMain, benchTempDir, cleanup } from './util.js';

const OBJECTS = 10_000;
const GETS = 50_000;
const WATCHERS = 1_000;
const FANOUT_WRITES = 1_000;
const PREFIX = '/registry/pods/';

/** About 1 KiB of JSON shaped like a pod as the API server stores it. */
function podJSON(i: number): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `web-7d4b9c8f6d-${i.toString(36).padStart(5, '0')}`,
      namespace: 'default',
      uid: `3f2a${i.toString(16).padStart(8, '0')}-9c1e-4b7a-8d2f-6e5a4c3b2a10`,
      creationTimestamp: '2025-01-01T00:00:00Z',
      generateName: 'web-7d4b9c8f6d-',
      labels: { app: 'web', 'pod-template-hash': '7d4b9c8f6d' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web-7d4b9c8f6d',
          uid: '9a8b7c6d-1111-2222-3333-444455556666',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'nginx:1.27',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          resources: { requests: { cpu: '100m', memory: '128Mi' } },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      nodeName: 'node-1',
      schedulerName: 'default-scheduler',
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    },
    status: {
      phase: 'Running',
      podIP: `10.244.${(i >> 8) & 255}.${i & 255}`,
      hostIP: '192.168.1.10',
      startTime: '2025-01-01T00:00:01Z',
      qosClass: 'Burstable',
      conditions: [
        { type: 'Ready', status: 'True', lastTransitionTime: '2025-01-01T00:00:03Z' },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: '2025-01-01T00:00:03Z' },
      ],
    },
  });
}

const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString('en-US')}/s`;
const fmtMs = (ms: number) => `${ms.toFixed(1)} ms`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function benchOne(store: Store): Promise<string[]> {
  const keys = Array.from({ length: OBJECTS }, (_, i) => `${PREFIX}default/pod-${String(i).padStart(5, '0')}`);
  const values = keys.map((_, i) => podJSON(i));

  let t = performance.now();
  for (let i = 0; i < OBJECTS; i++) await store.create(keys[i], values[i]);
  const createMs = performance.now() - t;

  let x = 12345;
  t = performance.now();
  for (let i = 0; i < GETS; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    await store.get(keys[x % OBJECTS]);
  }
  const getMs = performance.now() - t;

  const listTimes: number[] = [];
  for (let r = 0; r < 5; r++) {
    t = performance.now();
    const res = await store.range(PREFIX);
    let n = 0;
    for (const kv of res.kvs) n += (JSON.parse(kv.value) as object) ? 1 : 0;
    listTimes.push(performance.now() - t);
    if (n !== OBJECTS) throw new Error(`listed ${n} objects, want ${OBJECTS}`);
  }

  // Fan-out: the cache follows the prefix already holding 10,000 pods.
  const cache = new WatchCache(store, PREFIX);
  await cache.start();
  const cacheListTimes: number[] = [];
  for (let r = 0; r < 5; r++) {
    t = performance.now();
    cache.list('/registry/pods/default/');
    cacheListTimes.push(performance.now() - t);
  }
  const counts = new Int32Array(WATCHERS);
  let done = 0;
  let allDone: () => void = () => {};
  const finished = new Promise<void>((r) => {
    allDone = r;
  });
  for (let w = 0; w < WATCHERS; w++) {
    cache.watch(cache.revision, undefined, () => {
      if (++counts[w] === FANOUT_WRITES && ++done === WATCHERS) allDone();
    });
  }
  const target = `${PREFIX}default/pod-00000`;
  let mod = (await store.get(target))!.modRevision;
  t = performance.now();
  for (let i = 0; i < FANOUT_WRITES; i++) mod = (await store.update(target, values[i % OBJECTS], mod)).modRevision;
  await finished;
  const fanoutMs = performance.now() - t;
  cache.stop();

  const name = store.name.padEnd(6);
  return [
    `${name} creates: ${rate(OBJECTS, createMs)} (${OBJECTS.toLocaleString('en-US')} x ${values[0].length} B)`,
    `${name} gets: ${rate(GETS, getMs)}`,
    `${name} list ${OBJECTS.toLocaleString('en-US')} (range + JSON.parse): ${fmtMs(median(listTimes))} median of 5`,
    `${name} watch cache list ${OBJECTS.toLocaleString('en-US')}: ${fmtMs(median(cacheListTimes))}`,
    `${name} watch fan-out: ${FANOUT_WRITES.toLocaleString('en-US')} writes to ${WATCHERS.toLocaleString('en-US')} watchers in ${fmtMs(fanoutMs)} (${rate(FANOUT_WRITES * WATCHERS, fanoutMs)} deliveries)`,
  ];
}

/** The ceiling: single-row INSERTs, each its own durable commit, nothing else. */
function rawSqliteWrites(dir: string): string {
  const r = rawSqliteRate(dir);
  return `raw SQLite INSERT (${sqliteDriver()}, autocommit, WAL, synchronous=FULL): ${rate(OBJECTS, r.ms)}`;
}

/**
 * Sequential autocommit INSERTs of ~1.3 KiB (each its own fsync), in a fresh database under dir,
 * opened as the store opens its own (exclusive lock, WAL); synchronous=FULL is the setting that
 * makes each autocommit durable, as the store's one fsync of the WAL per batch makes its writes.
 */
export function rawSqliteRate(dir: string, n = OBJECTS, file = 'raw.db'): { n: number; ms: number; perSecond: number } {
  const db = openDatabase(join(dir, file));
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    const value = podJSON(0);
    const t = performance.now();
    for (let i = 0; i < n; i++) insert.run(`${PREFIX}default/pod-${i}`, value);
    const ms = performance.now() - t;
    return { n, ms, perSecond: (n / ms) * 1000 };
  } finally {
    db.close();
  }
}

/** The ceiling: sequential single-key puts with the etcd3 client, nothing else. */
async function rawEtcdPuts(endpoint: string): Promise<string> {
  const client = new Etcd3({ hosts: `http://${endpoint}` });
  try {
    const value = podJSON(0);
    const t = performance.now();
    for (let i = 0; i < OBJECTS; i++) await client.put(`/raw/pod-${i}`).value(value);
    return `raw etcd put (etcd3 client, sequential, same etcd): ${rate(OBJECTS, performance.now() - t)}`;
  } finally {
    client.close();
  }
}

export async function benchEtcd(): Promise<string[]> {
  const missing = etcdMissing();
  if (missing) return [`etcd: skipped (${missing})`];
  const etcd = await startTestEtcd();
  // Registered so that a signal mid-run stops etcd and removes its data dir too.
  const stopEtcd = cleanup.add('etcd', () => etcd.stop());
  try {
    const store = await EtcdStore.connect({ endpoints: [etcd.endpoint] });
    const lines: string[] = [];
    try {
      lines.push(...(await benchOne(store)));
    } finally {
      await store.close();
    }
    lines.push(await rawEtcdPuts(etcd.endpoint));
    return lines;
  } finally {
    await stopEtcd();
  }
}

export async function benchStores(): Promise<string[]> {
  const tmp = benchTempDir('store');
  const dir = tmp.dir;
  try {
    const lines: string[] = [];
    const memory = new MemoryStore();
    try {
      lines.push(...(await benchOne(memory)));
    } finally {
      await memory.close();
    }
    const sqlite = new SqliteStore(join(dir, 'sqlite'), { compactEvery: 0 });
    try {
      lines.push(...(await benchOne(sqlite)));
    } finally {
      await sqlite.close();
    }
    lines.push(rawSqliteWrites(dir));
    lines.push(...(await benchEtcd()));
    return lines;
  } finally {
    await tmp.remove();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchMain(() => benchStores());
}
