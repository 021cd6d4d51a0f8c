// `k8ts agent --server URL --token-file FILE [--name NAME]`: joins this machine (or this network
// namespace) to a cluster as a node, as kubelet does: it registers the Node, runs the pods
// bound to it and serves their logs/exec/port-forward to the API server. The token is read from
// a file, as kubelet reads its kubeconfig and k3s its --token-file: a command-line argument is
// readable by every local user in ps and /proc/PID/cmdline.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kubeletClientSecret } from '../apiserver/kubeletclient.js';
import { hostAddress } from '../apiserver/server.js';
import { RestClient } from '../client/rest.js';
import { parseRuntimeChoice, startLocalNode } from '../cluster/node.js';
import { parseProxyMode } from '../proxy/server.js';

export interface AgentOptions {
  server?: string;
  token?: string;
  tokenFile?: string;
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

export async function agent(o: AgentOptions): Promise<number> {
  if (!o.server || (!o.token && !o.tokenFile)) {
    console.error("k8ts agent needs --server URL and --token-file FILE (a copy of the control plane's DATA_DIR/token).");
    return 2;
  }
  if (o.token && o.tokenFile) {
    console.error('k8ts agent: give --token-file or --token, not both.');
    return 2;
  }
  let token: string;
  if (o.tokenFile) {
    try {
      token = fs.readFileSync(o.tokenFile, 'utf8').trim();
    } catch (e) {
      console.error(`k8ts agent: cannot read --token-file ${o.tokenFile}: ${(e as Error).message}`);
      return 2;
    }
    if (!token) {
      console.error(`k8ts agent: --token-file ${o.tokenFile} is empty`);
      return 2;
    }
  } else {
    token = o.token!;
    console.error('k8ts agent: warning: --token shows the token to every local user (ps, /proc/PID/cmdline); use --token-file FILE.');
    // What this process can still do: take it out of its own /proc/PID/cmdline (best effort, Linux).
    hideArgument(token);
  }
  const caData = o.caFile ? fs.readFileSync(o.caFile, 'utf8') : undefined;
  if (o.server.startsWith('https:') && !caData && !o.insecureSkipTlsVerify) {
    console.error(
      "k8ts agent: give --ca-file (the control plane's DATA_DIR/pki/ca.crt) or --insecure-skip-tls-verify to trust the API server.",
    );
    return 2;
  }
  const client = new RestClient({
    server: o.server,
    token,
    caData,
    insecure: o.insecureSkipTlsVerify,
    userAgent: 'kubelet/v1.32.0 (k8ts agent)',
  });
  const name = o.name ?? os.hostname().toLowerCase();
  const dir = path.resolve(o.dataDir ?? path.join(os.homedir(), '.k8ts-agent', name));
  // The API server must reach the agent's streaming server: by default the host's own address.
  const nodeIP = o.nodeIp ?? (hostAddress() || '127.0.0.1');
  let node;
  try {
    node = await startLocalNode({
      client,
      nodeName: name,
      dir,
      podCIDR: o.podCidr,
      bridgeName: o.bridge,
      streamingSecret: kubeletClientSecret(token),
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
    client.close();
    return 1;
  }
  console.log(`node ${node.name} joined ${o.server} (address ${node.ip}, pods ${node.podCIDR})`);
  console.log(`  services: proxied by the ${node.proxy.describe()} service proxy`);
  for (const l of node.limitations) console.log(`  limited: ${l}`);
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      console.log(`k8ts agent: ${sig}, stopping; running pods keep running until the agent is back`);
      void node!.stop({ killPods: false }).finally(() => {
        client.close();
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
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
