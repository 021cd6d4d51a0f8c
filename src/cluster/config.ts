// A cluster's options, kept in DATA_DIR/config.yaml so `up` after `down` brings back the same
// cluster (as k3s's /etc/rancher/k3s/config.yaml and kind's cluster config do). The file is
// meant to be read and edited by a person; `k8ts up --config FILE` takes the same format.

import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { parseAddressPool } from '../api/addresspool.js';
import { type StoreKind, storeKindError } from '../store/kind.js';
import { DEFAULT_CLUSTER, k8tsHome, validateClusterName } from './paths.js';

export interface ClusterConfig {
  name: string;
  /** API server port on 127.0.0.1; 0: any free port at each start. */
  port: number;
  store: StoreKind;
  /** Run a node on this machine. */
  node: boolean;
  nodeName?: string;
  podCIDR: string;
  bridge: string;
  /** The pod network every node's podCIDR comes from (kube-controller-manager's --cluster-cidr); unset: 10.244.0.0/16. */
  clusterCIDR?: string;
  /** The size of each node's block (--node-cidr-mask-size); unset: 24. */
  nodeCIDRMaskSize?: number;
  /** Hand Nodes without a podCIDR one (--allocate-node-cidrs); unset: true. */
  allocateNodeCIDRs?: boolean;
  /** The address the API server listens on besides 127.0.0.1 (kube-apiserver's --bind-address); unset: the advertise address. */
  bindAddress?: string;
  /** The address other machines and pods reach the API server at (--advertise-address); unset: the host's first IPv4. */
  advertiseAddress?: string;
  /** Extra names/addresses in the API server's certificate (k3s's --tls-san), comma-separated. */
  tlsSANs?: string;
  simulatedNodes?: number;
  nodeGracePeriodSeconds?: number;
  /** Container runtime of this machine's node (unset: $K8TS_RUNTIME, else auto). */
  runtime?: 'auto' | 'oci' | 'process';
  /** Service proxy of this machine's node (unset: auto). */
  proxyMode?: 'auto' | 'nftables' | 'userspace';
  /** Addresses for LoadBalancer services (CIDRs, FIRST-LAST ranges, addresses, comma-separated); unset: 198.18.<pod CIDR's third octet>.0/24. */
  loadBalancerPool?: string;
  /** The node's resolv.conf (kubelet's --resolv-conf); unset: /etc/resolv.conf. */
  resolvConf?: string;
  /** TLS to etcd (kube-apiserver's --etcd-cafile/--etcd-certfile/--etcd-keyfile): PEM files. */
  etcdCAFile?: string;
  etcdCertFile?: string;
  etcdKeyFile?: string;
  /** Ports of the node's ingress controller on the node's address (80 and 443; 0 disables). */
  ingressHttpPort?: number;
  ingressHttpsPort?: number;
  /** How often metrics.k8s.io scrapes the nodes (metrics-server's --metric-resolution, 15 s). */
  metricResolutionSeconds?: number;
  /** How often autoscalers are reconciled (--horizontal-pod-autoscaler-sync-period, 15 s). */
  hpaSyncPeriodSeconds?: number;
  /** The scale-down stabilization window of autoscalers that set none (--horizontal-pod-autoscaler-downscale-stabilization, 300 s). */
  hpaDownscaleStabilizationSeconds?: number;
  /** Serve the FleetLock protocol (reboot coordination) at HOST:PORT; unset: off. */
  fleetlockAddress?: string;
  /** Reboots per FleetLock group at once (default 1). */
  fleetlockSlots?: number;
  /** Serve FleetLock over HTTPS with the API server's certificate. */
  fleetlockTLS?: boolean;
}

export const DEFAULT_PORT = 6443;

interface Field {
  help: string;
  parse(v: unknown, where: string): unknown;
}

const whole = (min: number, max: number) => (v: unknown, where: string) => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
    throw new Error(`${where} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return n;
};
const text = (re: RegExp, what: string) => (v: unknown, where: string) => {
  if (typeof v !== 'string' || !re.test(v)) throw new Error(`${where} must be ${what}, got ${JSON.stringify(v)}`);
  return v;
};
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
/** An IPv4 CIDR whose prefix the consumer can use (a node's bridge needs /8-/30): refused here, not by the background process. */
const cidr = (minPrefix: number, maxPrefix: number, example: string) => (v: unknown, where: string) => {
  const m = typeof v === 'string' ? /^([\d.]+)\/(\d{1,2})$/.exec(v) : null;
  if (!m || !IPV4_RE.test(m[1]) || Number(m[2]) < minPrefix || Number(m[2]) > maxPrefix)
    throw new Error(
      `${where} must be an IPv4 CIDR with a prefix from /${minPrefix} to /${maxPrefix}, such as ${example}, got ${JSON.stringify(v)}`,
    );
  return v;
};
const bool = (v: unknown, where: string) => {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new Error(`${where} must be true or false, got ${JSON.stringify(v)}`);
};

/** The fields in the order they are written, each with the comment the file carries. */
const FIELDS: Record<keyof ClusterConfig, Field> = {
  name: {
    help: "the cluster's name: its data dir is ~/.k8ts/NAME, its kubeconfig context k8ts-NAME (k8ts for the default)",
    parse: (v, w) => validateClusterName(text(/.*/, 'a name')(v, w) as string),
  },
  port: { help: 'API server port on 127.0.0.1 (0: any free port at each start)', parse: whole(0, 65535) },
  store: {
    help: 'sqlite (kept on disk), memory (gone at down) or etcd://host:port[,host:port] (an etcd cluster, keys under /registry)',
    parse: (v, w) => {
      const t = text(/^(sqlite|memory|etcd:\/\/.+)$/, 'sqlite, memory or etcd://host:port[,host:port]')(v, w) as string;
      const err = storeKindError(t);
      if (err) throw new Error(`${w}: ${err}`);
      return t;
    },
  },
  node: { help: 'run a node on this machine (false: control plane only)', parse: bool },
  nodeName: {
    help: "this machine's node name (default: the hostname)",
    parse: text(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'a DNS subdomain'),
  },
  podCIDR: {
    help: "pod addresses of this machine's node (distinct per cluster)",
    parse: cidr(8, 30, '10.244.0.0/24'),
  },
  bridge: {
    help: "the node's pod bridge device (at most 15 characters, distinct per cluster)",
    parse: text(/^[a-zA-Z0-9_.-]{1,15}$/, 'a network device name of at most 15 characters'),
  },
  clusterCIDR: {
    help: "the pod network nodes' podCIDRs are cut from (kube-controller-manager's --cluster-cidr; default 10.244.0.0/16)",
    parse: cidr(8, 30, '10.244.0.0/16'),
  },
  nodeCIDRMaskSize: { help: "the prefix length of each node's podCIDR (--node-cidr-mask-size; default 24)", parse: whole(8, 30) },
  allocateNodeCIDRs: { help: 'give nodes without a podCIDR one from clusterCIDR (--allocate-node-cidrs; default true)', parse: bool },
  bindAddress: {
    help: 'where the API server listens besides 127.0.0.1 (--bind-address; 0.0.0.0: every address; default: the advertise address)',
    parse: text(IPV4_RE, 'an IPv4 address'),
  },
  advertiseAddress: {
    help: "the address nodes and pods reach the API server at, the kubernetes service's endpoint (--advertise-address; default: the host's first IPv4)",
    parse: text(IPV4_RE, 'an IPv4 address'),
  },
  tlsSANs: {
    help: "extra DNS names or IPv4 addresses in the API server's certificate, comma-separated (--tls-san)",
    parse: (v, w) => {
      const list = Array.isArray(v) ? v.join(',') : v;
      const t = text(/^[A-Za-z0-9.,*-]+$/, 'DNS names or IPv4 addresses, comma-separated')(list, w) as string;
      return t
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
        .join(',');
    },
  },
  simulatedNodes: { help: 'simulated nodes to register (no processes; pods turn Running after a short delay)', parse: whole(0, 100_000) },
  nodeGracePeriodSeconds: {
    help: 'how long a node may stay silent before it is NotReady/Unknown (Kubernetes: 50)',
    parse: whole(1, 86_400),
  },
  loadBalancerPool: {
    help: "addresses handed to LoadBalancer services: CIDRs, FIRST-LAST ranges or addresses, comma-separated (unset: 198.18.N.0/24, N the pod CIDR's third octet)",
    parse: (v, w) => {
      const t = text(/^[0-9.,/\s-]+$/, 'IPv4 CIDRs, FIRST-LAST ranges or addresses, comma-separated')(v, w) as string;
      try {
        parseAddressPool(t);
      } catch (e) {
        throw new Error(`${w}: ${(e as Error).message}`);
      }
      return t;
    },
  },
  resolvConf: {
    help: "the node's resolv.conf (kubelet's --resolv-conf): cluster DNS forwards other names to its nameservers; unset: /etc/resolv.conf",
    parse: (v, w) => path.resolve(text(/^[^\0\n]+$/, 'a file path')(v, w) as string),
  },
  fleetlockAddress: {
    help: 'serve the FleetLock protocol (reboot coordination for Zincati/locksmith) at HOST:PORT; unset: off',
    parse: text(/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]|[a-zA-Z0-9.-]+):\d{1,5}$/, 'HOST:PORT, e.g. 0.0.0.0:8090'),
  },
  fleetlockSlots: { help: 'machines of one FleetLock group that may reboot at once', parse: whole(1, 10_000) },
  etcdCAFile: {
    help: "with an etcd:// store: the CA that signed etcd's serving certificate (PEM; kube-apiserver's --etcd-cafile)",
    parse: (v, w) => path.resolve(text(/^[^\0\n]+$/, 'a file path')(v, w) as string),
  },
  etcdCertFile: {
    help: 'with an etcd:// store: the client certificate shown to etcd (PEM; --etcd-certfile)',
    parse: (v, w) => path.resolve(text(/^[^\0\n]+$/, 'a file path')(v, w) as string),
  },
  etcdKeyFile: {
    help: "with an etcd:// store: the client certificate's key (PEM; --etcd-keyfile)",
    parse: (v, w) => path.resolve(text(/^[^\0\n]+$/, 'a file path')(v, w) as string),
  },
  fleetlockTLS: { help: "serve FleetLock over HTTPS with the API server's certificate", parse: bool },
  runtime: {
    help: "container runtime of this machine's node: oci (runc/crun), process (built-in), auto (oci where it can run)",
    parse: (v, w) => text(/^(auto|oci|process)$/, 'auto, oci or process')(v, w),
  },
  metricResolutionSeconds: {
    help: "how often metrics.k8s.io (kubectl top, autoscalers) reads the nodes' usage (metrics-server's --metric-resolution; default 15)",
    parse: whole(1, 3600),
  },
  hpaSyncPeriodSeconds: {
    help: 'how often autoscalers are reconciled (--horizontal-pod-autoscaler-sync-period; default 15)',
    parse: whole(1, 3600),
  },
  hpaDownscaleStabilizationSeconds: {
    help: 'scale-down stabilization window of autoscalers that set none (--horizontal-pod-autoscaler-downscale-stabilization; default 300)',
    parse: whole(0, 86_400),
  },
  ingressHttpPort: {
    help: "HTTP port of this machine's node's ingress controller on the node's address (default 80; 0: off)",
    parse: whole(0, 65535),
  },
  ingressHttpsPort: {
    help: "HTTPS port of this machine's node's ingress controller on the node's address (default 443; 0: off)",
    parse: whole(0, 65535),
  },
  proxyMode: {
    help: "service proxy of this machine's node: nftables (kernel rules; root and nft), userspace (listeners), auto (nftables where it can run)",
    parse: (v, w) => text(/^(auto|nftables|userspace)$/, 'auto, nftables or userspace')(v, w),
  },
};

export const CONFIG_FIELDS = Object.keys(FIELDS) as (keyof ClusterConfig)[];

/** Checks and converts one field's value; `where` names it in the message (a flag or file:key). */
export function parseField<K extends keyof ClusterConfig>(key: K, value: unknown, where: string): ClusterConfig[K] {
  return FIELDS[key].parse(value, where) as ClusterConfig[K];
}

/** Reads a config file (every field optional); a missing file is undefined. */
export function readConfigFile(file: string): Partial<ClusterConfig> | undefined {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const doc = YAML.parseDocument(raw);
  if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
  const obj = doc.toJS() as unknown;
  if (obj === null || obj === undefined) return {};
  if (typeof obj !== 'object' || Array.isArray(obj))
    throw new Error(`${file}: expected a mapping of options (${CONFIG_FIELDS.join(', ')})`);
  const out: Partial<ClusterConfig> = {};
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    if (!(k in FIELDS)) throw new Error(`${file}: unknown option ${JSON.stringify(k)} (known: ${CONFIG_FIELDS.join(', ')})`);
    if (v === null || v === undefined) continue;
    (out as Record<string, unknown>)[k] = parseField(k as keyof ClusterConfig, v, `${file}: ${k}`);
  }
  return out;
}

/**
 * Writes the config. An existing file is edited in place, so a person's comments stay; a new
 * one says what each option means.
 */
export function writeConfigFile(file: string, cfg: ClusterConfig): void {
  let doc: YAML.Document;
  let existing = '';
  try {
    existing = fs.readFileSync(file, 'utf8');
  } catch {
    /* new */
  }
  if (existing.trim()) {
    doc = YAML.parseDocument(existing);
    for (const k of CONFIG_FIELDS) {
      const v = cfg[k];
      if (v === undefined) {
        if (doc.has(k)) doc.delete(k);
      } else if (doc.get(k) !== v) doc.set(k, v);
    }
  } else {
    doc = new YAML.Document({});
    doc.commentBefore = ` The k8ts cluster "${cfg.name}": the options \`k8ts up\` starts it with.\n Edit, then run \`k8ts down${cfg.name === DEFAULT_CLUSTER ? '' : ` --name ${cfg.name}`}\` and \`k8ts up${cfg.name === DEFAULT_CLUSTER ? '' : ` --name ${cfg.name}`}\` to apply.`;
    for (const k of CONFIG_FIELDS) {
      if (cfg[k] === undefined) continue;
      const pair = doc.createPair(k, cfg[k]);
      (pair.key as YAML.Scalar).commentBefore = ` ${FIELDS[k].help}`;
      (doc.contents as YAML.YAMLMap).items.push(pair);
    }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, doc.toString(), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * A new cluster's defaults. The default cluster keeps k8ts' historic network (k8ts0,
 * 10.244.0.0/24); another gets the lowest index from 2 up (1 is `k8ts agent`'s default) that no
 * cluster under ~/.k8ts uses, so clusters side by side do not share a bridge or pod addresses.
 */
export function defaultConfig(name: string): ClusterConfig {
  let index = 0;
  if (name !== DEFAULT_CLUSTER) {
    const used = new Set<string>();
    for (const other of listClusterDirs()) {
      if (path.basename(other) === name) continue;
      try {
        const c = readConfigFile(path.join(other, 'config.yaml'));
        if (c?.bridge) used.add(c.bridge);
        if (c?.podCIDR) used.add(c.podCIDR);
      } catch {
        /* an unreadable config uses nothing we can know */
      }
    }
    index = 2;
    while (index < 250 && (used.has(`k8ts${index}`) || used.has(`10.244.${index}.0/24`))) index++;
  }
  return { name, port: DEFAULT_PORT, store: 'sqlite', node: true, podCIDR: `10.244.${index}.0/24`, bridge: `k8ts${index}` };
}

/** Every cluster's data dir under ~/.k8ts (a folder with a config, a store or a token). */
export function listClusterDirs(): string[] {
  const home = k8tsHome();
  let names: string[];
  try {
    names = fs.readdirSync(home);
  } catch {
    return [];
  }
  return names
    .map((n) => path.join(home, n))
    .filter((d) => {
      try {
        if (!fs.statSync(d).isDirectory()) return false;
      } catch {
        return false;
      }
      return ['config.yaml', 'state.db', 'token'].some((f) => fs.existsSync(path.join(d, f)));
    })
    .sort();
}
