// A real registry for tests: Debian's docker-registry (distribution 2.8) on a loopback port,
// optionally behind htpasswd basic auth, and images the tests build themselves from
// busybox-static, pushed with skopeo. Everything lives in a temporary directory removed by stop().

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { makeCA } from '../../../pki/certs.js';
import { buildImage, buildIndex, buildLayer, type LayerEntry, layoutSink, writeLayout } from '../build.js';
import type { Descriptor, Platform } from '../mediatypes.js';

export const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));

export function registryToolsMissing(): string | undefined {
  for (const [tool, pkg] of [
    ['docker-registry', 'docker-registry'],
    ['skopeo', 'skopeo'],
  ]) {
    if (!['/usr/bin', '/usr/local/bin', '/bin'].some((d) => existsSync(path.join(d, tool))))
      return `${tool} not installed (apt-get install ${pkg})`;
  }
  if (!BUSYBOX) return 'busybox not installed (apt-get install busybox-static)';
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface TestRegistry {
  /** 127.0.0.1:PORT */
  host: string;
  dir: string;
  auth?: { username: string; password: string };
  /** Requests the token server answered: `user scope...` (bearer mode). */
  tokenRequests: string[];
  stop(): Promise<void>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * A token server as Docker Hub's auth service works (distribution's token spec): anonymous
 * callers get pull on public/* only, the user gets pull and push on everything. Tokens are JWTs
 * signed ES256 (the test CA's key is P-256) with an x5c header the registry checks against its rootcertbundle.
 */
async function startTokenServer(
  dir: string,
  service: string,
  issuer: string,
  user: { username: string; password: string },
  log: string[],
): Promise<{ realm: string; bundle: string; close(): Promise<void> }> {
  const ca = makeCA('k8ts-test-token-signer', 1);
  const bundle = path.join(dir, 'token.crt');
  writeFileSync(bundle, ca.cert);
  const der = new X509Certificate(ca.cert).raw;
  const key = createPrivateKey(ca.key);
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    let who = '';
    const authz = req.headers.authorization ?? '';
    if (authz.startsWith('Basic ')) {
      const [name, pass] = Buffer.from(authz.slice(6), 'base64').toString().split(':');
      if (name !== user.username || pass !== user.password) {
        res.writeHead(401);
        res.end('{"details":"incorrect username or password"}');
        return;
      }
      who = name;
    }
    const scopes = u.searchParams.getAll('scope');
    log.push(`${who || '-'} ${scopes.join(' ')}`);
    const access = scopes.map((sc) => {
      const [type, name, actions] = sc.split(':');
      const wanted = (actions ?? '').split(',');
      const allowed = who ? wanted : name.startsWith('public/') ? wanted.filter((a) => a === 'pull') : [];
      return { type, name, actions: allowed };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', x5c: [der.toString('base64')] }));
    const claims = b64url(
      JSON.stringify({
        iss: issuer,
        sub: who,
        aud: service,
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomBytes(8).toString('hex'),
        access,
      }),
    );
    // JWS wants the ECDSA signature as r||s (RFC 7518 3.4), not DER.
    const sig = b64url(sign('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }));
    const token = `${header}.${claims}.${sig}`;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return { realm: `http://127.0.0.1:${port}/token`, bundle, close: () => new Promise((r) => server.close(() => r())) };
}

export async function startRegistry(opts: { auth?: { username: string; password: string }; bearer?: boolean } = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `k8ts-registry-${process.pid}-`));
  let child: ChildProcess | undefined;
  let tokens: Awaited<ReturnType<typeof startTokenServer>> | undefined;
  const tokenRequests: string[] = [];
  try {
    const port = await freePort();
    const lines = [
      'version: 0.1',
      'log: { level: error, accesslog: { disabled: true } }',
      `storage: { filesystem: { rootdirectory: ${JSON.stringify(path.join(dir, 'data'))} }, delete: { enabled: true } }`,
      `http: { addr: "127.0.0.1:${port}" }`,
    ];
    if (opts.bearer) {
      if (!opts.auth) throw new Error('a bearer registry needs a user');
      tokens = await startTokenServer(dir, 'k8ts-test-registry', 'k8ts-test-issuer', opts.auth, tokenRequests);
      lines.push(
        `auth: { token: { realm: ${JSON.stringify(tokens.realm)}, service: k8ts-test-registry, issuer: k8ts-test-issuer, rootcertbundle: ${JSON.stringify(tokens.bundle)} } }`,
      );
    } else if (opts.auth) {
      writeFileSync(path.join(dir, 'htpasswd'), `${opts.auth.username}:${bcrypt.hashSync(opts.auth.password, 5)}\n`);
      lines.push(`auth: { htpasswd: { realm: k8ts-test, path: ${JSON.stringify(path.join(dir, 'htpasswd'))} } }`);
    }
    writeFileSync(path.join(dir, 'config.yml'), `${lines.join('\n')}\n`);
    child = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const host = `127.0.0.1:${port}`;
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
      const ok = await fetch(`http://${host}/v2/`).then(
        (r) => r.status === 200 || r.status === 401,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${host}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const c = child;
    return {
      host,
      dir,
      auth: opts.auth,
      tokenRequests,
      async stop() {
        await tokens?.close();
        if (c.exitCode === null) {
          const gone = new Promise((r) => c.once('exit', r));
          c.kill('SIGTERM');
          await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
          if (c.exitCode === null) c.kill('SIGKILL');
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    child?.kill('SIGKILL');
    await tokens?.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

export function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Pushes an OCI layout's tag to the registry with skopeo (--all for an index). */
export async function push(reg: TestRegistry, layout: string, tag: string, dest: string, all = false): Promise<void> {
  const args = [
    'copy',
    '--quiet',
    '--dest-tls-verify=false',
    ...(all ? ['--all'] : []),
    ...(reg.auth ? ['--dest-creds', `${reg.auth.username}:${reg.auth.password}`] : []),
    `oci:${layout}:${tag}`,
    `docker://${reg.host}/${dest}`,
  ];
  await run('skopeo', args);
}

/** busybox at /bin/busybox with the applets a test uses as links. */
export function busyboxEntries(
  applets = ['sh', 'cat', 'env', 'ls', 'sleep', 'pwd', 'httpd', 'echo', 'id', 'mount', 'ps', 'wget', 'true'],
): LayerEntry[] {
  return [
    { name: 'bin/', type: 'directory' },
    { name: 'bin/busybox', from: BUSYBOX!, mode: 0o755 },
    ...applets.map((a) => ({ name: `bin/${a}`, type: 'symlink' as const, linkname: 'busybox' })),
    { name: 'usr/', type: 'directory' },
    { name: 'usr/bin/', type: 'directory' },
    { name: 'usr/bin/env', type: 'symlink', linkname: '/bin/busybox' },
    { name: 'tmp/', type: 'directory', mode: 0o1777 },
    { name: 'etc/', type: 'directory' },
    { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' },
    { name: 'etc/group', content: 'root:x:0:\nnogroup:x:65534:\n' },
  ];
}

/**
 * The multi-layer test image: busybox; then /www with a.txt, b.txt and /www/sub/old.txt; then a
 * layer that deletes a.txt (whiteout), makes /www/sub opaque with new.txt, and adds index.html.
 * Config: WorkingDir /www, Env GREETING, Cmd httpd in the foreground on 8080.
 */
export async function multiLayerLayout(
  dir: string,
  tag = 'v1',
  opts: { docker?: boolean; platform?: Platform; marker?: string } = {},
): Promise<Descriptor> {
  const sink = layoutSink(dir);
  const l1 = await buildLayer(sink, busyboxEntries(), { gzip: true });
  const l2 = await buildLayer(
    sink,
    [
      { name: 'www/', type: 'directory' },
      { name: 'www/a.txt', content: 'layer two a\n' },
      { name: 'www/b.txt', content: 'layer two b\n' },
      { name: 'www/sub/', type: 'directory' },
      { name: 'www/sub/old.txt', content: 'old\n' },
    ],
    { gzip: true },
  );
  const l3 = await buildLayer(
    sink,
    [
      { name: 'www/.wh.a.txt', content: '' },
      { name: 'www/sub/', type: 'directory' },
      { name: 'www/sub/.wh..wh..opq', content: '' },
      { name: 'www/sub/new.txt', content: 'new\n' },
      { name: 'www/index.html', content: `hello from layer three${opts.marker ? ` ${opts.marker}` : ''}\n` },
      ...(opts.marker ? [{ name: 'www/platform.txt', content: `${opts.marker}\n` }] : []),
    ],
    { gzip: false },
  );
  const desc = await buildImage(sink, {
    layers: [l1, l2, l3],
    docker: opts.docker,
    platform: opts.platform,
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'GREETING=hello-from-image-config'],
      WorkingDir: '/www',
      Cmd: ['httpd', '-f', '-p', '8080', '-h', '/www'],
      ExposedPorts: { '8080/tcp': {} },
    },
  });
  await writeLayout(dir, [{ tag, descriptor: desc }]);
  return desc;
}

/** An OCI index with two platforms: the node's (runnable) and another, each marking itself. */
export async function multiPlatformLayout(
  dir: string,
  tag: string,
  node: Platform,
  other: Platform,
): Promise<{ index: Descriptor; mine: Descriptor; theirs: Descriptor }> {
  const mine = await multiLayerLayout(path.join(dir, 'mine'), tag, { platform: node, marker: `${node.os}/${node.architecture}` });
  const theirs = await multiLayerLayout(path.join(dir, 'theirs'), tag, { platform: other, marker: `${other.os}/${other.architecture}` });
  // One layout with both manifests' blobs and an index over them.
  await run('sh', [
    '-c',
    'mkdir -p "$1/blobs/sha256" && cp -n "$2"/blobs/sha256/* "$3"/blobs/sha256/* "$1/blobs/sha256/"',
    'sh',
    path.join(dir, 'both'),
    path.join(dir, 'mine'),
    path.join(dir, 'theirs'),
  ]);
  const sink = layoutSink(path.join(dir, 'both'));
  const index = await buildIndex(sink, [mine, theirs]);
  await writeLayout(path.join(dir, 'both'), [{ tag, descriptor: index }]);
  return { index, mine, theirs };
}

/** The digest the registry serves for repo:tag (skopeo may re-encode what it pushes). */
export async function remoteDigest(reg: TestRegistry, repo: string, tag: string): Promise<string> {
  const headers: Record<string, string> = {
    Accept:
      'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json',
  };
  if (reg.auth) headers.Authorization = `Basic ${Buffer.from(`${reg.auth.username}:${reg.auth.password}`).toString('base64')}`;
  const res = await fetch(`http://${reg.host}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers });
  const d = res.headers.get('docker-content-digest');
  if (!res.ok || !d) throw new Error(`HEAD ${repo}:${tag}: ${res.status}`);
  return d;
}
