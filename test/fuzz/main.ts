// `npm run fuzz`: the full fuzz run (issue #7), 100,000 requests by default, printing its figures.
//   npm run fuzz -- --count 100000 --seed 7 --concurrency 16 --store sqlite --minutes 30
// Exits non-zero when anything failed (a crash, a 5xx, a non-Status answer, the canary, an invalid object).

import { runFuzz } from './runner.js';

// `node --test dist/` runs every file under a test/ directory: the full run is only for `npm run fuzz`.
if (process.env.NODE_TEST_CONTEXT) process.exit(0);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const seed = Number(arg('seed', String(Date.now() % 1_000_000)));
const count = Number(arg('count', '100000'));
const concurrency = Number(arg('concurrency', '16'));
const store = arg('store', 'memory') === 'sqlite' ? 'sqlite' : 'memory';
const minutes = Number(arg('minutes', '60'));
console.log(`fuzz: seed ${seed}, ${count} requests, ${concurrency} at a time, ${store} store, at most ${minutes} min`);
const r = await runFuzz({ seed, count, concurrency, store, timeLimitMs: minutes * 60_000, log: (l) => console.log(`  ${l}`) });
console.log(
  `sent ${r.sent} in ${(r.elapsedMs / 1000).toFixed(1)} s (${Math.round(r.sent / (r.elapsedMs / 1000))}/s); server ${r.serverDied ? `DIED: ${r.serverDied}` : `alive, RSS ${r.serverRssMb} MB`}`,
);
console.log(
  `answers: ${Object.entries(r.byStatus)
    .sort()
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')}`,
);
console.log(
  `mix: ${Object.entries(r.byLabel)
    .sort()
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')}`,
);
console.log(
  `time per kind (total s / slowest ms): ${Object.entries(r.timeByLabel)
    .sort((a, b) => b[1].total - a[1].total)
    .slice(0, 8)
    .map(([k, t]) => `${k} ${(t.total / 1000).toFixed(1)}/${t.max}`)
    .join(', ')}`,
);
console.log(`canary: ${r.canary.sent} requests, ${r.canary.failed} failed, slowest ${r.canary.maxMs} ms`);
console.log(`stored objects re-read and validated: ${r.validated.objects}, invalid: ${r.validated.invalid.length}`);
for (const f of r.failures.slice(0, 30)) console.log(`FAIL #${f.index} ${f.label}: ${f.method} ${f.path}: ${f.why}`);
for (const i of r.validated.invalid.slice(0, 30)) console.log(`INVALID ${i}`);
for (const e of r.serverErrors.slice(0, 20)) console.log(`server: ${e}`);
const ok = !r.serverDied && r.failures.length === 0 && r.canary.failed === 0 && r.validated.invalid.length === 0;
console.log(ok ? 'fuzz: PASS' : 'fuzz: FAIL');
process.exit(ok ? 0 : 1);
