// Image pull and unpack throughput (issue #10): a two-layer image built here (the host's node
// binary with its libraries, about 100 MB, and 4,000 small files), gzip'd, pushed with skopeo to
// Debian's docker-registry on loopback, then:
//   - pulled by the image service (fetch, digest checks, gunzip, diffID check, unpack into
//     snapshots), MB/s of uncompressed layer bytes;
//   - unpacked again from the local content store alone;
//   - beside both, a plain `tar -xzf` of the same layer blobs into fresh directories, in the same
//     run: the peer the ratio is against.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildImage, buildLayer, type LayerEntry, layoutSink, writeLayout } from '../src/node/images/build.js';
import type { ImageManifestDoc } from '../src/node/images/mediatypes.js';
import { OciImageService } from '../src/node/images/service.js';
import { push, registryToolsMissing, startRegistry } from '../src/node/images/testing/registry.js';
import { benchTempDir, cleanup, fmtS } from './util.js';

const MB = 1_000_000;

function libsOf(bin: string): string[] {
  try {
    return execFileSync('ldd', [bin], { encoding: 'utf8' })
      .split('\n')
      .map((l) => (/=>\s*(\/\S+)/.exec(l) ?? /^\s*(\/\S+)\s/.exec(l))?.[1])
      .filter((x): x is string => !!x);
  } catch {
    return [];
  }
}

export async function benchImages(): Promise<string[]> {
  const missing = registryToolsMissing();
  if (missing) return [`skipped: ${missing}`];
  const { dir } = benchTempDir('images');
  const reg = await startRegistry();
  const stopReg = cleanup.add('bench registry', () => reg.stop());
  try {
    const layout = path.join(dir, 'layout');
    const sink = layoutSink(layout);
    const nodeFiles: LayerEntry[] = [
      { name: 'usr/', type: 'directory' },
      { name: 'usr/local/', type: 'directory' },
      { name: 'usr/local/bin/', type: 'directory' },
      { name: 'usr/local/bin/node', from: process.execPath },
    ];
    const seenDirs = new Set<string>();
    for (const lib of libsOf(process.execPath)) {
      const rel = lib.replace(/^\//, '');
      const parts = rel.split('/');
      for (let i = 1; i < parts.length; i++) {
        const d = `${parts.slice(0, i).join('/')}/`;
        if (!seenDirs.has(d)) {
          seenDirs.add(d);
          nodeFiles.push({ name: d, type: 'directory' });
        }
      }
      nodeFiles.push({ name: rel, from: execFileSync('realpath', [lib], { encoding: 'utf8' }).trim() });
    }
    const small: LayerEntry[] = [{ name: 'app/', type: 'directory' }];
    for (let d = 0; d < 40; d++) {
      small.push({ name: `app/d${d}/`, type: 'directory' });
      for (let f = 0; f < 100; f++)
        small.push({ name: `app/d${d}/f${f}.js`, content: `// file ${d}/${f}\n${'x'.repeat(3000 + ((d * 100 + f) % 2000))}\n` });
    }
    const t0 = performance.now();
    const l1 = await buildLayer(sink, nodeFiles, { gzip: true });
    const l2 = await buildLayer(sink, small, { gzip: true });
    const desc = await buildImage(sink, { layers: [l1, l2], config: { Cmd: ['node'] } });
    await writeLayout(layout, [{ tag: 'v1', descriptor: desc }]);
    await push(reg, layout, 'v1', 'bench/app:v1');
    const buildMs = performance.now() - t0;

    // The uncompressed size of the layers (what every figure below is per second of).
    const manifest = JSON.parse(readFileSync(path.join(layout, 'blobs', 'sha256', desc.digest.slice(7)), 'utf8')) as ImageManifestDoc;
    const blobs = manifest.layers.map((l) => path.join(layout, 'blobs', 'sha256', l.digest.slice(7)));
    const compressed = blobs.reduce((n, b) => n + statSync(b).size, 0);
    const uncompressed = blobs.reduce(
      (n, b) => n + Number(execFileSync('sh', ['-c', 'gzip -dc "$1" | wc -c', 'sh', b], { encoding: 'utf8' }).trim()),
      0,
    );

    const tarRun = (label: string): number => {
      const t = performance.now();
      blobs.forEach((b, i) => {
        const out = path.join(dir, `tar-${label}-${i}`);
        mkdirSync(out);
        execFileSync('tar', ['-xzf', b, '-C', out]);
      });
      return performance.now() - t;
    };

    const svc = new OciImageService({ root: path.join(dir, 'store') });
    const ref = `${reg.host}/bench/app:v1`;
    const tarA = tarRun('a');
    let t = performance.now();
    await svc.pullImage({ image: ref });
    const pullMs = performance.now() - t;
    // Unpack alone: the same blobs from the local content store into a fresh snapshotter.
    mkdirSync(path.join(dir, 'store2'));
    const again = new OciImageService({ root: path.join(dir, 'store2') });
    execFileSync('cp', ['-a', path.join(dir, 'store', 'content'), path.join(dir, 'store2', 'content')], { stdio: 'ignore' });
    execFileSync('cp', ['-a', path.join(dir, 'store', 'images'), path.join(dir, 'store2', 'images')], { stdio: 'ignore' });
    const tarB = tarRun('b');
    t = performance.now();
    await again.snapshotter.prepare('bench-container', ref);
    const unpackMs = performance.now() - t;
    const tarMs = Math.min(tarA, tarB);
    const mbps = (ms: number) => uncompressed / MB / (ms / 1000);
    return [
      `image: 2 gzip layers, ${(compressed / MB).toFixed(1)} MB compressed, ${(uncompressed / MB).toFixed(1)} MB unpacked (node binary + libraries; 4,000 small files); built and pushed in ${fmtS(buildMs)}`,
      `snapshotter: ${svc.snapshotter.mode}`,
      `pull from a loopback registry (fetch, verify, gunzip, diffID, unpack): ${fmtS(pullMs)} = ${mbps(pullMs).toFixed(1)} MB/s unpacked; tar -xzf of the same layers: ${fmtS(tarMs)} = ${mbps(tarMs).toFixed(1)} MB/s; ratio ${(mbps(pullMs) / mbps(tarMs)).toFixed(2)}`,
      `unpack from the local content store alone: ${fmtS(unpackMs)} = ${mbps(unpackMs).toFixed(1)} MB/s; ratio to tar -xzf ${(mbps(unpackMs) / mbps(tarMs)).toFixed(2)}`,
      `(tar -xzf runs: ${fmtS(tarA)}, ${fmtS(tarB)}; the better one is the peer)`,
    ];
  } finally {
    await stopReg();
  }
}
