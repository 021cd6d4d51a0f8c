// `k8ts kubectl ARGS...`: the real kubectl against this cluster, as `minikube kubectl` and
// `k3s kubectl` give one. The kubectl on PATH is used when its minor version is within one of
// the server's (kubectl's version skew policy); otherwise the official kubectl release of the
// server's version is downloaded once into a cache and checked against its published sha256
// before it is first run. kubectl itself is never changed.
//
// K8TS_KUBECTL_BASE_URL replaces the release site (…/release/vX.Y.Z/bin/OS/ARCH/kubectl and
// kubectl.sha256 beneath it), e.g. for a mirror or a test server; K8TS_CACHE_DIR the cache.

import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import YAML from 'yaml';
import { adminCredentials, caOf, ensureToken, runningCluster } from '../cluster/controlplane.js';
import { k8tsHome } from '../cluster/paths.js';
import { standaloneKubeconfig } from './kubeconfigs.js';
import { resolveTarget, type Target } from './target.js';

export const DEFAULT_KUBECTL_BASE_URL = 'https://dl.k8s.io/release';

interface Version {
  major: number;
  minor: number;
  gitVersion: string;
}

function parseVersion(v: { major?: string; minor?: string; gitVersion?: string } | undefined): Version | undefined {
  if (!v?.gitVersion) return undefined;
  // "32+" is how some builds report a minor version.
  const m = /^v(\d+)\.(\d+)\.(\d+)/.exec(v.gitVersion);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), gitVersion: `v${m[1]}.${m[2]}.${m[3]}` };
}

function serverVersion(url: string, ca: string | undefined, token: string): Promise<Version> {
  return new Promise((resolve, reject) => {
    const req = https.get(`${url}/version`, { ca, timeout: 5000, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => {
        try {
          const v = parseVersion(JSON.parse(body) as { gitVersion?: string });
          if (v) resolve(v);
          else reject(new Error(`the server's /version says ${body.slice(0, 200)}`));
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** kubectl on PATH (not following the k8ts command itself), with its client version. */
function findOnPath(): Promise<{ file: string; version?: Version } | undefined> {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const file = dirs
    .map((d) => path.join(d, 'kubectl'))
    .find((f) => {
      try {
        fs.accessSync(f, fs.constants.X_OK);
        return fs.statSync(f).isFile();
      } catch {
        return false;
      }
    });
  if (!file) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    execFile(file, ['version', '--client', '-o', 'json'], { timeout: 15_000 }, (_err, stdout) => {
      try {
        resolve({ file, version: parseVersion((JSON.parse(stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion) });
      } catch {
        resolve({ file, version: undefined });
      }
    });
  });
}

function goOS(): string {
  return process.platform === 'win32' ? 'windows' : process.platform;
}
function goArch(): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };
  return map[process.arch] ?? process.arch;
}

export function kubectlCacheDir(): string {
  return process.env.K8TS_CACHE_DIR || path.join(k8tsHome(), 'cache');
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    fs.createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(60_000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

async function fetchToFile(url: string, file: string): Promise<string> {
  const res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(600_000) });
  if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
  const h = createHash('sha256');
  const out = fs.createWriteStream(file, { mode: 0o600 });
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      h.update(chunk);
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
  } finally {
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }
  return h.digest('hex');
}

/**
 * The official kubectl of this version, from the cache, or downloaded and verified first.
 * A cached copy is hashed again before each use against the sha256 it was verified with.
 */
export async function cachedKubectl(version: string, say: (m: string) => void): Promise<string> {
  const dir = path.join(kubectlCacheDir(), 'kubectl', `${version}-${goOS()}-${goArch()}`);
  const bin = path.join(dir, 'kubectl');
  const sumFile = `${bin}.sha256`;
  if (fs.existsSync(bin) && fs.existsSync(sumFile)) {
    const want = fs.readFileSync(sumFile, 'utf8').trim();
    if ((await sha256File(bin)) === want) return bin;
    say(`k8ts: the cached ${bin} no longer matches its sha256; downloading it again`);
    fs.rmSync(bin, { force: true });
  }
  const base = (process.env.K8TS_KUBECTL_BASE_URL || DEFAULT_KUBECTL_BASE_URL).replace(/\/+$/, '');
  const url = `${base}/${version}/bin/${goOS()}/${goArch()}/kubectl`;
  say(`k8ts: downloading kubectl ${version} from ${url} (once; cached in ${dir})`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const published = (await fetchText(`${url}.sha256`)).trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (!/^[0-9a-f]{64}$/.test(published))
    throw new Error(`${url}.sha256 does not hold a sha256 (got ${JSON.stringify(published.slice(0, 80))})`);
  const tmp = `${bin}.${process.pid}.download`;
  try {
    const got = await fetchToFile(url, tmp);
    if (got !== published)
      throw new Error(
        `the kubectl downloaded from ${url} does not match its published sha256 (expected ${published}, got ${got}); it was not kept or run`,
      );
    fs.chmodSync(tmp, 0o755);
    fs.writeFileSync(sumFile, `${published}\n`);
    fs.renameSync(tmp, bin);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return bin;
}

/** Splits `[--name N | --data-dir D]... [--] kubectl-args`. */
export function splitArgs(args: string[]): { target: { name?: string; dataDir?: string }; rest: string[] } {
  const target: { name?: string; dataDir?: string } = {};
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    const m = /^--(name|data-dir)(?:=(.*))?$/.exec(a);
    if (m) {
      const v = m[2] ?? args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      if (m[1] === 'name') target.name = v;
      else target.dataDir = v;
      continue;
    }
    if (a === '--') {
      i++;
    }
    break;
  }
  return { target, rest: args.slice(i) };
}

export async function resolveKubectl(t: Target, say: (m: string) => void): Promise<{ kubectl: string; url: string }> {
  const info = await runningCluster(t.dataDir);
  if (!info) throw new Error(`cluster "${t.name}" is not running; start it with k8ts up${t.flag}`);
  const server = await serverVersion(info.url, caOf(t.dataDir), ensureToken(t.dataDir));
  const local = await findOnPath();
  if (local?.version && local.version.major === server.major && Math.abs(local.version.minor - server.minor) <= 1) {
    return { kubectl: local.file, url: info.url };
  }
  if (local)
    say(
      `k8ts: ${local.file} is kubectl ${local.version?.gitVersion ?? '(version unknown)'}, more than one minor version from the server's ${server.gitVersion}`,
    );
  return { kubectl: await cachedKubectl(server.gitVersion, say), url: info.url };
}

/** A kubeconfig for this cluster alone, for kubectl's $KUBECONFIG (the user's own files untouched). */
export function kubectlKubeconfig(t: Target, url: string): string {
  const file = path.join(t.dataDir, 'kubectl.kubeconfig');
  const text = YAML.stringify(standaloneKubeconfig(t, url, adminCredentials(t.dataDir), caOf(t.dataDir)), { indentSeq: false });
  fs.writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
  return file;
}

export async function kubectlCommand(args: string[]): Promise<number> {
  const { target, rest } = splitArgs(args);
  const t = resolveTarget(target);
  let resolved;
  try {
    resolved = await resolveKubectl(t, (m) => console.error(m));
  } catch (e) {
    console.error(`k8ts kubectl: ${(e as Error).message}`);
    return 1;
  }
  const env = { ...process.env, KUBECONFIG: kubectlKubeconfig(t, resolved.url) };
  const child = spawn(resolved.kubectl, rest, { stdio: 'inherit', env });
  // The terminal sends ^C to kubectl too; this process only waits for it.
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  return new Promise((resolve) => {
    child.on('error', (e) => {
      console.error(`k8ts kubectl: cannot run ${resolved.kubectl}: ${e.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', ignore);
      resolve(code ?? (signal ? 128 + (({ SIGINT: 2, SIGTERM: 15, SIGKILL: 9 } as Record<string, number>)[signal] ?? 1) : 1));
    });
  });
}
