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
import YAML from 'yaml';
import { CONFIGMAPS } from '../api/types.js';
import type { RestClient } from '../client/rest.js';
import { type ClusterConfig, defaultConfig, parseField } from '../cluster/config.js';
import { readyz } from '../cluster/controlplane.js';
import { ensurePrivateDir } from '../cluster/paths.js';
import { resolveTarget } from './target.js';

/**
 * The options that are the cluster's, not one process's: what its controllers act by. The
 * first server publishes them in kube-system/k8ts-config (as kubeadm keeps its
 * ClusterConfiguration in kube-system/kubeadm-config) and a joining server takes them from
 * there, so the controllers act alike in whichever process holds their Lease.
 */
export const CLUSTER_WIDE: (keyof ClusterConfig)[] = [
  'clusterCIDR',
  'nodeCIDRMaskSize',
  'allocateNodeCIDRs',
  'nodeGracePeriodSeconds',
  'loadBalancerPool',
  'metricResolutionSeconds',
  'hpaSyncPeriodSeconds',
  'hpaDownscaleStabilizationSeconds',
];
const CONFIG_MAP = { ...CONFIGMAPS, namespace: 'kube-system', name: 'k8ts-config' };

/** Writes the cluster-wide options where joining servers read them. */
export async function publishClusterConfig(client: RestClient, cfg: ClusterConfig): Promise<void> {
  const wide: Record<string, unknown> = {};
  for (const k of CLUSTER_WIDE) if (cfg[k] !== undefined) wide[k] = cfg[k];
  const data = { 'config.yaml': YAML.stringify(wide) };
  try {
    const cur = await client.get(CONFIG_MAP);
    await client.update(CONFIG_MAP, { ...cur, data });
  } catch (e) {
    if ((e as { code?: number }).code !== 404) throw e;
    await client.create({ ...CONFIG_MAP, name: undefined }, { metadata: { name: CONFIG_MAP.name, namespace: 'kube-system' }, data });
  }
}

/** How long a joining server waits for the first server to publish its options. */
const CONFIG_WAIT_MS = 30_000;

/**
 * The cluster-wide options the first server published. The first server answers /readyz (and
 * its controllers may lead) a moment before it has written them, so a join that comes in that
 * moment waits for them, as `kubeadm join` needs kube-system/kubeadm-config; a cluster that
 * never publishes them (its first server not on etcd, or the write failed) is an error, not a
 * silent fall back to this process's defaults: the controllers would act unlike the first's.
 */
export async function readClusterConfig(client: RestClient, waitMs = CONFIG_WAIT_MS): Promise<Partial<ClusterConfig>> {
  const deadline = Date.now() + waitMs;
  let text: string | undefined;
  for (let said = false; ; ) {
    try {
      text = (await client.get<{ metadata: object; data?: Record<string, string> }>(CONFIG_MAP)).data?.['config.yaml'];
      break;
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
    }
    if (Date.now() >= deadline)
      throw new Error(
        `kube-system/k8ts-config is not there after ${waitMs / 1000} s: the first server publishes the cluster's options there once it is ready (is it a k8ts server on an etcd:// store? its log says if the write failed)`,
      );
    if (!said) console.log('k8ts server: waiting for the first server to publish kube-system/k8ts-config');
    said = true;
    await new Promise((r) => setTimeout(r, Math.min(250, Math.max(1, deadline - Date.now()))));
  }
  let raw: unknown;
  try {
    raw = text ? YAML.parse(text) : {};
  } catch (e) {
    throw new Error(`kube-system/k8ts-config: config.yaml is not YAML: ${(e as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error('kube-system/k8ts-config: config.yaml is not a mapping');
  const out: Partial<ClusterConfig> = {};
  for (const k of CLUSTER_WIDE) {
    const v = (raw as Record<string, unknown>)[k];
    if (v !== undefined) (out as Record<string, unknown>)[k] = parseField(k, v, `kube-system/k8ts-config: ${k}`);
  }
  return out;
}

export interface ServerOptions {
  name?: string;
  dataDir?: string;
  store: string;
  join: string;
  pkiDir: string;
  tokenFile?: string;
  port?: string;
  bindAddress?: string;
  advertiseAddress?: string;
  tlsSan?: string;
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
  const { RestClient } = await import('../client/rest.js');
  const token = fs.readFileSync(path.join(t.dataDir, 'token'), 'utf8').trim();
  const client = new RestClient({ server: join.origin, token, caData: ca, userAgent: 'k8ts-server/v0.1.0 (k8ts)' });
  let wide: Partial<ClusterConfig>;
  try {
    wide = await readClusterConfig(client);
  } catch (e) {
    throw new Error(`--join ${join.origin}: ${(e as Error).message}`);
  } finally {
    client.close();
  }
  if (Object.keys(wide).length)
    console.log(
      `k8ts server: the cluster's options from kube-system/k8ts-config: ${Object.entries(wide)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
  const cfg: ClusterConfig = {
    ...defaultConfig(t.name),
    ...wide,
    store,
    port: o.port === undefined ? 6443 : parseField('port', o.port, '--port'),
    node: !!o.node,
    etcdCAFile: o.etcdCafile,
    etcdCertFile: o.etcdCertfile,
    etcdKeyFile: o.etcdKeyfile,
  };
  if (o.bindAddress) cfg.bindAddress = parseField('bindAddress', o.bindAddress, '--bind-address');
  if (o.advertiseAddress) cfg.advertiseAddress = parseField('advertiseAddress', o.advertiseAddress, '--advertise-address');
  if (o.tlsSan) cfg.tlsSANs = parseField('tlsSANs', o.tlsSan, '--tls-san');
  if (o.podCidr) cfg.podCIDR = parseField('podCIDR', o.podCidr, '--pod-cidr');
  if (o.bridge) cfg.bridge = parseField('bridge', o.bridge, '--bridge');
  if (o.nodeName) cfg.nodeName = parseField('nodeName', o.nodeName, '--node-name');
  const { serveCluster } = await import('./serve.js');
  return serveCluster(t, cfg, cfg.port === 0 ? 0 : cfg.port, undefined, undefined, { joined: true });
}
