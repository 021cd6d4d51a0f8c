// `k8ts server --store etcd://... --join URL --pki-dir DIR`: another control-plane process of a
// cluster whose state lives in etcd, as `kubeadm join --control-plane` adds a control-plane
// node: an API server (with its own watch cache), the controller manager and the scheduler
// (acting only while they hold their Lease), and no node unless asked for.
//
// The secrets every control-plane process must share reach this one as a copy of the first's
// PKI directory (kubeadm's manual certificate distribution, the alternative to --upload-certs):
// the cluster CA (this process signs its own serving and component certificates with it), the
// service-account signing key (tokens issued by any server verify on every server) and the
// admin token (kube-apiserver's --token-auth-file, the same on every server). The first
// server, at --join, must then answer /readyz under that CA: the copy is of that cluster.

import fs from 'node:fs';
import path from 'node:path';
import { type ClusterConfig, defaultConfig, parseField } from '../cluster/config.js';
import { readyz } from '../cluster/controlplane.js';
import { ensurePrivateDir } from '../cluster/paths.js';
import { resolveTarget } from './target.js';

export interface ServerOptions {
  name?: string;
  dataDir?: string;
  store: string;
  join: string;
  pkiDir: string;
  tokenFile?: string;
  port?: string;
  node?: boolean;
  podCidr?: string;
  bridge?: string;
  nodeName?: string;
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
}

/** The files of the first server's pki/ that every control-plane process shares (kubeadm's shared certificates). */
const SHARED = ['ca.crt', 'ca.key', 'sa.key', 'sa.pub'];

/** Copies the shared PKI and token into dataDir (kept from an earlier start when they are the same). */
export function installSharedPKI(pkiDir: string, tokenFile: string, dataDir: string): void {
  const to = path.join(dataDir, 'pki');
  fs.mkdirSync(to, { recursive: true, mode: 0o700 });
  const read = (f: string) => {
    try {
      return fs.readFileSync(f);
    } catch (e) {
      throw new Error(`${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (--pki-dir is the first server's DATA_DIR/pki)`);
    }
  };
  for (const name of SHARED) {
    const data = read(path.join(pkiDir, name));
    const dest = path.join(to, name);
    let had: Buffer | undefined;
    try {
      had = fs.readFileSync(dest);
    } catch {
      /* first join */
    }
    if (had?.equals(data)) continue;
    if (had && name === 'ca.crt') {
      // Another cluster's CA: every certificate made from it is of no use now.
      for (const f of fs.readdirSync(to)) if (!SHARED.includes(f)) fs.rmSync(path.join(to, f), { force: true });
    }
    fs.writeFileSync(dest, data, { mode: name.endsWith('.key') ? 0o600 : 0o644 });
  }
  const token = read(tokenFile).toString('utf8').trim();
  if (!token) throw new Error(`${tokenFile} is empty`);
  fs.writeFileSync(path.join(dataDir, 'token'), `${token}\n`, { mode: 0o600 });
}

export async function server(o: ServerOptions): Promise<number> {
  const store = parseField('store', o.store, '--store');
  if (!String(store).startsWith('etcd://'))
    throw new Error('--store must be etcd://host:port[,...]: several API servers share a cluster only through etcd');
  let join: URL;
  try {
    join = new URL(o.join);
  } catch {
    throw new Error(`--join ${o.join}: not a URL (want https://HOST:PORT of a running API server)`);
  }
  if (join.protocol !== 'https:') throw new Error(`--join ${o.join}: the API server is reached over https`);
  const pkiDir = path.resolve(o.pkiDir);
  const tokenFile = path.resolve(o.tokenFile ?? path.join(pkiDir, '..', 'token'));
  const t = resolveTarget({ name: o.name, dataDir: o.dataDir });
  ensurePrivateDir(t.dataDir);
  installSharedPKI(pkiDir, tokenFile, t.dataDir);
  // The discovery step of a join: the server named must be of the cluster whose CA we hold.
  const ca = fs.readFileSync(path.join(t.dataDir, 'pki', 'ca.crt'), 'utf8');
  if (!(await readyz(join.origin, ca, 5000)))
    throw new Error(
      `--join ${join.origin}: no API server of this cluster answers there (it must be ready and serve a certificate of ${pkiDir}/ca.crt)`,
    );
  const cfg: ClusterConfig = {
    ...defaultConfig(t.name),
    store,
    port: o.port === undefined ? 6443 : parseField('port', o.port, '--port'),
    node: !!o.node,
    etcdCAFile: o.etcdCafile,
    etcdCertFile: o.etcdCertfile,
    etcdKeyFile: o.etcdKeyfile,
  };
  if (o.podCidr) cfg.podCIDR = parseField('podCIDR', o.podCidr, '--pod-cidr');
  if (o.bridge) cfg.bridge = parseField('bridge', o.bridge, '--bridge');
  if (o.nodeName) cfg.nodeName = parseField('nodeName', o.nodeName, '--node-name');
  const { serveCluster } = await import('./up.js');
  return serveCluster(t, cfg, cfg.port === 0 ? 0 : cfg.port);
}
