// `k8ts token create|list|delete`: bootstrap tokens for joining nodes, as `kubeadm token`
// (cmd/kubeadm/app/cmd/token.go) with its defaults, output and messages: create prints the token
// (or, with --print-join-command, the `k8ts agent` command that joins a node with it: the API
// server's address from cluster-info and the CA's public key hash to pin); list prints kubeadm's
// table; delete takes the id or the whole token.

import YAML from 'yaml';
import {
  BOOTSTRAP_TOKEN_DESCRIPTION_KEY,
  BOOTSTRAP_TOKEN_EXPIRATION_KEY,
  BOOTSTRAP_TOKEN_EXTRA_GROUPS_KEY,
  BOOTSTRAP_TOKEN_SECRET_KEY,
  BOOTSTRAP_TOKEN_SECRET_PREFIX,
  BOOTSTRAP_TOKEN_SECRET_TYPE,
  BOOTSTRAP_TOKEN_USAGE_PREFIX,
  bootstrapTokenSecret,
  CLUSTER_INFO_CONFIGMAP,
  CLUSTER_INFO_NAMESPACE,
  generateBootstrapToken,
  isBootstrapTokenId,
  KUBEADM_DEFAULT_NODE_TOKEN_GROUP,
  KUBECONFIG_KEY,
  parseBootstrapToken,
  secretValue,
} from '../api/bootstraptoken.js';
import { parseDuration } from '../api/duration.js';
import type { KObject } from '../api/object.js';
import { SECRETS } from '../api/types.js';
import { isApiError, RestClient } from '../client/rest.js';
import { caOf, ensureToken, runningCluster } from '../cluster/controlplane.js';
import { caCertHash } from '../pki/csr.js';
import { resolveTarget } from './target.js';

const KUBE_SYSTEM_SECRETS = { ...SECRETS, namespace: 'kube-system' };
const USAGES = ['signing', 'authentication'];

interface TargetOptions {
  name?: string;
  dataDir?: string;
}

/**
 * Runs `k8ts token <command>` against the running cluster as its admin: a cluster that is not
 * running, or an error run lets through, is reported under the command's name (exit 1), and the
 * client is closed either way.
 */
async function withAdminClient(
  command: string,
  o: TargetOptions,
  run: (client: RestClient, dataDir: string) => Promise<number>,
): Promise<number> {
  const t = resolveTarget(o);
  const info = await runningCluster(t.dataDir);
  if (!info) {
    console.error(`k8ts cluster "${t.name}" is not running (data dir ${t.dataDir}). Start it with: k8ts up${t.flag}`);
    return 1;
  }
  const client = new RestClient({ server: info.url, token: ensureToken(t.dataDir), caData: caOf(t.dataDir) });
  try {
    return await run(client, t.dataDir);
  } catch (e) {
    console.error(`k8ts token ${command}: ${(e as Error).message}`);
    return 1;
  } finally {
    client.close();
  }
}

export interface TokenCreateOptions extends TargetOptions {
  ttl?: string;
  description?: string;
  usages?: string;
  groups?: string;
  printJoinCommand?: boolean;
}

export async function tokenCreate(token: string | undefined, o: TokenCreateOptions): Promise<number> {
  const tok = token ?? generateBootstrapToken();
  if (!parseBootstrapToken(tok)) {
    console.error(`k8ts token create: the token "${tok}" is not of the form "[a-z0-9]{6}.[a-z0-9]{16}"`);
    return 2;
  }
  let ttlMs: number;
  try {
    ttlMs = parseDuration(o.ttl ?? '24h') / 1e6;
  } catch {
    console.error(`k8ts token create: --ttl ${JSON.stringify(o.ttl)} is not a duration (e.g. 24h, 30m, 0 for never)`);
    return 2;
  }
  if (ttlMs < 0) {
    console.error('k8ts token create: --ttl may not be negative');
    return 2;
  }
  const usages = (o.usages ?? USAGES.join(','))
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  for (const u of usages)
    if (!USAGES.includes(u)) {
      console.error(`k8ts token create: invalid bootstrap token usage string: ${u}, valid options: ${USAGES.join(',')}`);
      return 2;
    }
  const groups = (o.groups ?? KUBEADM_DEFAULT_NODE_TOKEN_GROUP)
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  for (const g of groups)
    if (!/^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/.test(g)) {
      console.error(`k8ts token create: bootstrap group "${g}" is invalid (must match system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9])`);
      return 2;
    }
  if (groups.length && !usages.includes('authentication')) {
    console.error('k8ts token create: token groups cannot be specified unless the token is usable for authentication');
    return 2;
  }
  return withAdminClient('create', o, async (client, dataDir) => {
    const secret = bootstrapTokenSecret({
      token: tok,
      description: o.description,
      expires: ttlMs > 0 ? Date.now() + ttlMs : undefined,
      usages,
      groups,
    });
    try {
      await client.create(KUBE_SYSTEM_SECRETS, secret);
    } catch (e) {
      if (isApiError(e) && e.code === 409) {
        console.error(`k8ts token create: a token with id "${parseBootstrapToken(tok)!.id}" already exists`);
        return 1;
      }
      throw e;
    }
    if (!o.printJoinCommand) {
      console.log(tok);
      return 0;
    }
    const ca = caOf(dataDir);
    if (!ca) throw new Error('the cluster has no CA yet');
    const server = await joinServer(client);
    console.log(`k8ts agent --server ${server} --token ${tok} --discovery-token-ca-cert-hash ${caCertHash(ca)}`);
    return 0;
  });
}

/** The address cluster-info publishes (the API server's advertise address): where a joiner reaches it. */
async function joinServer(client: RestClient): Promise<string> {
  const cm = await client.get<KObject & { data?: Record<string, string> }>({
    group: '',
    version: 'v1',
    resource: 'configmaps',
    namespace: CLUSTER_INFO_NAMESPACE,
    name: CLUSTER_INFO_CONFIGMAP,
  });
  const cfg = YAML.parse(cm.data?.[KUBECONFIG_KEY] ?? '') as { clusters?: { cluster?: { server?: string } }[] } | null;
  const server = cfg?.clusters?.[0]?.cluster?.server;
  if (!server) throw new Error(`${CLUSTER_INFO_NAMESPACE}/${CLUSTER_INFO_CONFIGMAP} names no server`);
  return server;
}

/** kubeadm's TTL column: the time left, rounded, "<forever>" or "<invalid>". */
function ttlText(expires: number | undefined, now: number): string {
  if (expires === undefined) return '<forever>';
  const left = expires - now;
  if (left <= 0) return '<invalid>';
  const s = Math.round(left / 1000);
  if (s >= 3600) return `${Math.round(s / 3600)}h`;
  if (s >= 60) return `${Math.round(s / 60)}m`;
  return `${s}s`;
}

export async function tokenList(o: TargetOptions): Promise<number> {
  return withAdminClient('list', o, async (client) => {
    const list = await client.list(KUBE_SYSTEM_SECRETS, { fieldSelector: `type=${BOOTSTRAP_TOKEN_SECRET_TYPE}` });
    const rows: string[][] = [['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS']];
    const now = Date.now();
    for (const s of list.items) {
      const id = secretValue(s, 'token-id') ?? '';
      const secret = secretValue(s, BOOTSTRAP_TOKEN_SECRET_KEY) ?? '';
      if (!isBootstrapTokenId(id) || s.metadata.name !== `${BOOTSTRAP_TOKEN_SECRET_PREFIX}${id}`) continue;
      const expText = secretValue(s, BOOTSTRAP_TOKEN_EXPIRATION_KEY);
      const exp = expText ? Date.parse(expText) : undefined;
      const usages = Object.keys((s.data ?? {}) as Record<string, string>)
        .filter((k) => k.startsWith(BOOTSTRAP_TOKEN_USAGE_PREFIX) && secretValue(s, k) === 'true')
        .map((k) => k.slice(BOOTSTRAP_TOKEN_USAGE_PREFIX.length))
        .sort();
      rows.push([
        `${id}.${secret}`,
        ttlText(exp, now),
        expText ?? '<never>',
        usages.join(',') || '<none>',
        secretValue(s, BOOTSTRAP_TOKEN_DESCRIPTION_KEY) || '<none>',
        secretValue(s, BOOTSTRAP_TOKEN_EXTRA_GROUPS_KEY) || '<none>',
      ]);
    }
    if (rows.length === 1) return 0;
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const r of rows)
      console.log(
        r
          .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] + 3)))
          .join('')
          .trimEnd(),
      );
    return 0;
  });
}

export async function tokenDelete(ids: string[], o: TargetOptions): Promise<number> {
  if (!ids.length) {
    console.error('k8ts token delete: missing subcommand; "token delete" is missing token of form "[a-z0-9]{6}"');
    return 2;
  }
  return withAdminClient('delete', o, async (client) => {
    let code = 0;
    for (const arg of ids) {
      const id = parseBootstrapToken(arg)?.id ?? (isBootstrapTokenId(arg) ? arg : undefined);
      if (!id) {
        console.error(`k8ts token delete: given token didn't match pattern "[a-z0-9]{6}" or "[a-z0-9]{6}\\.[a-z0-9]{16}": ${arg}`);
        code = 2;
        continue;
      }
      try {
        await client.delete({ ...KUBE_SYSTEM_SECRETS, name: `${BOOTSTRAP_TOKEN_SECRET_PREFIX}${id}` });
        console.log(`bootstrap token "${id}" deleted`);
      } catch (e) {
        if (isApiError(e) && e.code === 404) {
          console.error(`k8ts token delete: failed to delete bootstrap token with id "${id}": it does not exist`);
          code = 1;
          continue;
        }
        throw e;
      }
    }
    return code;
  });
}
