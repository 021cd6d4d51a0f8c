// `k8ts agent --server URL --token T --discovery-token-ca-cert-hash sha256:H [--name NAME]`: joins
// this machine (or this network namespace) to a cluster as a node, as `kubeadm join` and the
// kubelet's TLS bootstrap do: token discovery verifies the cluster CA (cluster/discovery.ts), the
// bootstrap token buys the node a client certificate for system:node:NAME through a CSR
// (node/kubelet/tlsbootstrap.ts), kept in the data dir and used from then on (a restart needs no
// token). With it the node asks for its kube-proxy and add-ons certificates and its serving
// certificate, registers the Node, runs the pods bound to it and serves their
// logs/exec/port-forward to the API server over TLS.
//
// `--token-file FILE` (a bearer token of the cluster, e.g. the admin's DATA_DIR/token) is the
// older way, kept for compatibility: the node then acts with that token, all its parts alike.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseBootstrapToken } from '../api/bootstraptoken.js';
import { parseDuration } from '../api/duration.js';
import { hostAddress } from '../apiserver/server.js';
import { RestClient } from '../client/rest.js';
import { parseField } from '../cluster/config.js';
import { discoverClusterCA } from '../cluster/discovery.js';
import { parseRuntimeChoice, startLocalNode } from '../cluster/node.js';
import {
  bootstrapClientCertificate,
  componentCertificate,
  credentialPaths,
  KUBELET_SERVING_SIGNER,
  loadNodeKubeconfig,
  requestCertificate,
} from '../node/kubelet/tlsbootstrap.js';
import { parseProxyMode } from '../proxy/server.js';

export interface AgentOptions {
  server?: string;
  token?: string;
  tokenFile?: string;
  discoveryTokenCaCertHash?: string[];
  discoveryTokenUnsafeSkipCaVerification?: boolean;
  discoveryTimeout?: string;
  name?: string;
  caFile?: string;
  insecureSkipTlsVerify?: boolean;
  dataDir?: string;
  podCidr?: string;
  bridge?: string;
  nodeIp?: string;
  port?: string;
  runtime?: string;
  proxyMode?: string;
  resolvConf?: string;
  ingressHttpPort?: string;
  ingressHttpsPort?: string;
  nodeLeaseDurationSeconds?: string;
}

interface NodeClients {
  client: RestClient;
  proxyClient?: RestClient;
  addonsClient?: RestClient;
  caPEM: string;
  /** How the node gets its serving certificate (a kubelet-serving CSR with its own credential). */
  serving(nodeName: string, ip: string): Promise<{ cert: string; key: string }>;
  close(): void;
}

const UA = 'kubelet/v1.32.0 (k8ts agent)';

/** The node's credentials through TLS bootstrap (or a kubelet.conf from an earlier join). */
async function bootstrapCredentials(o: AgentOptions, name: string, dir: string): Promise<NodeClients> {
  const log = (m: string) => console.error(m);
  let server = o.server!;
  let caPEM: string | undefined = o.caFile ? fs.readFileSync(o.caFile, 'utf8') : undefined;
  const saved = loadNodeKubeconfig(dir);
  if (!caPEM && saved?.caData) caPEM = Buffer.from(saved.caData, /BEGIN/.test(saved.caData) ? 'utf8' : 'base64').toString('utf8');
  // Discovery only when there is no certificate to go on: a restart trusts what the join verified.
  const usable = caPEM !== undefined && fs.existsSync(credentialPaths(dir).clientPEM);
  if (o.token && !o.caFile && !(usable && saved)) {
    const found = await discoverClusterCA({
      server,
      token: o.token,
      caCertHashes: o.discoveryTokenCaCertHash ?? [],
      unsafeSkipCAVerification: o.discoveryTokenUnsafeSkipCaVerification,
      timeoutMs: discoveryTimeoutMs(o.discoveryTimeout),
      log,
    });
    caPEM = found.caPEM;
    log(`k8ts agent: cluster CA verified by token discovery (server ${found.server})`);
  }
  if (!caPEM)
    throw new Error('no cluster CA: join with --token and --discovery-token-ca-cert-hash (k8ts token create --print-join-command)');
  if (saved && !o.server) server = saved.server;
  const cred = await bootstrapClientCertificate({ server, caPEM, nodeName: name, dir, bootstrapToken: o.token, log });
  const client = new RestClient({ server, caData: caPEM, certData: cred.certData, keyData: cred.keyData, userAgent: UA });
  // The node's components, each with its own client certificate, asked for with the node's.
  const pki = path.join(dir, 'pki');
  const proxy = await componentCertificate(client, caPEM, path.join(pki, 'kube-proxy.pem'), 'system:kube-proxy', []);
  const addons = await componentCertificate(client, caPEM, path.join(pki, 'node-addons.pem'), `system:k8ts:node-addons:${name}`, [
    'system:k8ts:node-addons',
  ]);
  const proxyClient = new RestClient({
    server,
    caData: caPEM,
    certData: proxy.cert,
    keyData: proxy.key,
    userAgent: 'kube-proxy/v1.32.0 (k8ts agent)',
  });
  const addonsClient = new RestClient({
    server,
    caData: caPEM,
    certData: addons.cert,
    keyData: addons.key,
    userAgent: 'k8ts-node-addons/v0.1.0 (k8ts agent)',
  });
  return {
    client,
    proxyClient,
    addonsClient,
    caPEM,
    serving: async (nodeName, ip) => {
      const got = await requestCertificate(client, {
        commonName: `system:node:${nodeName}`,
        organizations: ['system:nodes'],
        dnsNames: [nodeName],
        ips: [ip],
        signerName: KUBELET_SERVING_SIGNER,
        usages: ['digital signature', 'key encipherment', 'server auth'],
        timeoutMs: 60_000,
      });
      return { cert: got.cert, key: got.key };
    },
    close() {
      client.close();
      proxyClient.close();
      addonsClient.close();
    },
  };
}

export async function agent(o: AgentOptions): Promise<number> {
  if (!o.server) {
    console.error(
      'k8ts agent needs --server URL (and, to join, --token and --discovery-token-ca-cert-hash: see k8ts token create --print-join-command).',
    );
    return 2;
  }
  if (o.token && o.tokenFile) {
    console.error('k8ts agent: give --token (a bootstrap token) or --token-file, not both.');
    return 2;
  }
  if (o.token && !parseBootstrapToken(o.token)) {
    console.error(
      'k8ts agent: --token must be a bootstrap token ([a-z0-9]{6}.[a-z0-9]{16}, from k8ts token create); a bearer token goes in --token-file.',
    );
    return 2;
  }
  if (o.token) hideArgument(o.token);
  const name = o.name ?? os.hostname().toLowerCase();
  try {
    // Bad flags are bad input (exit 2), found before anything is made or joined; the name is a
    // path component and a Node's name, the bridge a device name, the CIDR the bridge's network.
    parseField('nodeName', name, o.name === undefined ? 'the hostname (give --name)' : '--name');
    if (o.podCidr !== undefined) parseField('podCIDR', o.podCidr, '--pod-cidr');
    if (o.bridge !== undefined) parseField('bridge', o.bridge, '--bridge');
    if (o.port !== undefined) parseField('port', o.port, '--port');
  } catch (e) {
    console.error(`k8ts agent: ${(e as Error).message}`);
    return 2;
  }
  const dir = path.resolve(o.dataDir ?? path.join(os.homedir(), '.k8ts-agent', name));
  if (!o.token && !o.tokenFile && !fs.existsSync(credentialPaths(dir).clientPEM)) {
    console.error(
      'k8ts agent: no credential: join with --token and --discovery-token-ca-cert-hash (k8ts token create --print-join-command on the control plane), or give --token-file; a node that joined before needs neither (its certificate is in its --data-dir).',
    );
    return 2;
  }
  let legacy: NodeClients | undefined;
  try {
    // A bad --token-file is bad input (exit 2), found before anything is made.
    if (o.tokenFile) legacy = legacyCredentials(o);
  } catch (e) {
    console.error(`k8ts agent: ${(e as Error).message}`);
    return 2;
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  let clients: NodeClients;
  try {
    clients = legacy ?? (await bootstrapCredentials(o, name, dir));
  } catch (e) {
    console.error(`k8ts agent: cannot join ${o.server}: ${(e as Error).message}`);
    return 1;
  }
  // The API server must reach the agent's streaming server: by default the host's own address.
  const nodeIP = o.nodeIp ?? (hostAddress() || '127.0.0.1');
  let node;
  try {
    node = await startLocalNode({
      client: clients.client,
      proxyClient: clients.proxyClient,
      addonsClient: clients.addonsClient,
      nodeName: name,
      dir,
      podCIDR: o.podCidr,
      bridgeName: o.bridge,
      streamingTLS: { clientCA: clients.caPEM, servingCertificate: clients.serving },
      kubeletPort: o.port ? Number(o.port) : 10250,
      nodeIP,
      log: (m) => console.error(m),
      runtime: parseRuntimeChoice(o.runtime ?? process.env.K8TS_RUNTIME),
      proxyMode: parseProxyMode(o.proxyMode),
      ingressHttpPort: parsePort(o.ingressHttpPort, '--ingress-http-port', 80),
      ingressHttpsPort: parsePort(o.ingressHttpsPort, '--ingress-https-port', 443),
      leaseRenewMs: leaseRenewMs(o.nodeLeaseDurationSeconds),
      ...(o.resolvConf ? { resolvConf: path.resolve(o.resolvConf) } : {}),
    });
  } catch (e) {
    console.error(`k8ts agent: cannot join ${o.server}: ${(e as Error).message}`);
    clients.close();
    return 1;
  }
  console.log(`node ${node.name} joined ${o.server} (address ${node.ip}, pods ${node.podCIDR})`);
  console.log(`  services: proxied by the ${node.proxy.describe()} service proxy`);
  for (const l of node.limitations) console.log(`  limited: ${l}`);
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      console.log(`k8ts agent: ${sig}, stopping; running pods keep running until the agent is back`);
      void node!.stop({ killPods: false }).finally(() => {
        clients.close();
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

/** --discovery-timeout (a Go duration; kubeadm's JoinConfiguration discovery.timeout, here 2m by default). */
function discoveryTimeoutMs(v: string | undefined): number {
  try {
    return parseDuration(v ?? '2m') / 1e6;
  } catch {
    throw new Error(`--discovery-timeout ${JSON.stringify(v)} is not a duration (e.g. 30s, 5m)`);
  }
}

/** --token-file: one bearer token for every part of the node (the way before TLS bootstrap). */
function legacyCredentials(o: AgentOptions): NodeClients {
  let token: string;
  try {
    token = fs.readFileSync(o.tokenFile!, 'utf8').trim();
  } catch (e) {
    throw new Error(`cannot read --token-file ${o.tokenFile}: ${(e as Error).message}`);
  }
  if (!token) throw new Error(`--token-file ${o.tokenFile} is empty`);
  if (!o.caFile) throw new Error("--token-file needs --ca-file (the control plane's DATA_DIR/pki/ca.crt)");
  const caPEM = fs.readFileSync(o.caFile, 'utf8');
  const client = new RestClient({ server: o.server!, token, caData: caPEM, insecure: o.insecureSkipTlsVerify, userAgent: UA });
  return {
    client,
    caPEM,
    // Such a node has no certificate of its own: its streaming server keeps the placeholder, and
    // the API server (which verifies nodes) will not relay streams to it.
    serving: () => Promise.reject(new Error('a node joined with --token-file has no node identity to certify')),
    close: () => client.close(),
  };
}

/**
 * Overwrites an argument in this process's argv as ps shows it. Node keeps its own copy of
 * argv, so this is process.title over the original area: best effort (the title may be
 * truncated to the original length), and no substitute for --token-file.
 */
function hideArgument(secret: string): void {
  try {
    process.title = process.argv.map((a) => a.split(secret).join('***')).join(' ');
  } catch {
    /* not supported here */
  }
}

/**
 * kubelet's nodeLeaseDurationSeconds (default 40): the lease is renewed every quarter of it. A
 * control plane with a shortened --node-grace-period needs its nodes to renew well within it.
 */
function leaseRenewMs(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n < 1 || n > 3600)
    throw new Error(`--node-lease-duration-seconds: "${v}" is not a number of seconds (1-3600)`);
  return n * 250;
}

/** A listener port option: 0-65535 (0: off), the default when not given. */
function parsePort(v: string | undefined, flag: string, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n > 65535) throw new Error(`${flag}: "${v}" is not a port (0-65535; 0: off)`);
  return n;
}
