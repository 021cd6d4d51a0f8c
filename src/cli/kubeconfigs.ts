// A cluster's entries in kubeconfig files: merged where kubectl looks (or into a file of its
// own with --kubeconfig), for the user who ran sudo when k8ts runs under sudo, remembered in
// the data dir so `k8ts delete` can take them out again.

import fs from 'node:fs';
import path from 'node:path';
import { emptyKubeconfig, type Kubeconfig, mergeContext, removeContext, writeKubeconfig } from '../client/kubeconfig.js';
import { type InvokingUser, sudoUser, type Target } from './target.js';

/**
 * What the kubeconfig's user entry holds: the admin's client certificate (CN kubernetes-admin,
 * O system:masters, as kubeadm's admin.conf), and the admin token for tools that need a bearer
 * token (the API server authenticates the certificate first, as kube-apiserver's union does).
 */
export interface AdminCredentials {
  token: string;
  cert?: string;
  key?: string;
}

/** A kubeconfig holding this cluster alone (`k8ts kubeconfig`, `--kubeconfig FILE`, `k8ts kubectl`). */
export function standaloneKubeconfig(t: Target, url: string, creds: AdminCredentials, caPEM: string | undefined): Kubeconfig {
  const cfg = emptyKubeconfig();
  const cluster: Kubeconfig['clusters'][number]['cluster'] = { server: url };
  if (caPEM) cluster['certificate-authority-data'] = Buffer.from(caPEM).toString('base64');
  cfg.clusters.push({ name: t.context, cluster });
  const user: Kubeconfig['users'][number]['user'] = {};
  if (creds.cert && creds.key) {
    user['client-certificate-data'] = Buffer.from(creds.cert).toString('base64');
    user['client-key-data'] = Buffer.from(creds.key).toString('base64');
  }
  user.token = creds.token;
  cfg.users.push({ name: t.context, user });
  cfg.contexts.push({ name: t.context, context: { cluster: t.context, user: t.context } });
  cfg['current-context'] = t.context;
  return cfg;
}

export interface Written {
  file: string;
  forUser?: InvokingUser;
  merged: boolean;
}

/** Parses --kubeconfig-mode as k3s's --write-kubeconfig-mode: octal, e.g. 644 or 0600. */
export function parseMode(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^0?[0-7]{3}$/.test(v)) throw new Error(`--kubeconfig-mode must be an octal file mode such as 600 or 644, got ${JSON.stringify(v)}`);
  return parseInt(v, 8);
}

export function writeClusterKubeconfig(
  t: Target,
  url: string,
  creds: AdminCredentials,
  caPEM: string | undefined,
  o: { file?: string; mode?: number },
): Written {
  const user = sudoUser();
  const owner = user ? { uid: user.uid, gid: user.gid } : undefined;
  let written: Written;
  if (o.file) {
    writeKubeconfig(o.file, standaloneKubeconfig(t, url, creds, caPEM), { mode: o.mode, owner });
    written = { file: path.resolve(o.file), forUser: user, merged: false };
  } else {
    // Under sudo the invoking user's kubectl must find it: their $KUBECONFIG if sudo kept it,
    // else their ~/.kube/config.
    const env = user ? { KUBECONFIG: process.env.KUBECONFIG } : process.env;
    const file = mergeContext(
      undefined,
      {
        clusterName: t.context,
        userName: t.context,
        contextName: t.context,
        server: url,
        token: creds.token,
        certData: creds.cert && creds.key ? Buffer.from(creds.cert).toString('base64') : undefined,
        keyData: creds.cert && creds.key ? Buffer.from(creds.key).toString('base64') : undefined,
        caData: caPEM ? Buffer.from(caPEM).toString('base64') : undefined,
        setCurrent: true,
        mode: o.mode,
        owner,
      },
      env,
      user?.home,
    );
    written = { file: path.resolve(file), forUser: user, merged: true };
  }
  remember(t, written.file);
  return written;
}

function remembered(t: Target): string[] {
  try {
    const v = JSON.parse(fs.readFileSync(t.files.kubeconfigs, 'utf8')) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function remember(t: Target, file: string): void {
  const files = remembered(t);
  if (files.includes(file)) return;
  fs.writeFileSync(t.files.kubeconfigs, JSON.stringify([...files, file], null, 2), { mode: 0o600 });
}

/** Takes the cluster's context (and its cluster and user entries) out of every file it was written to. */
export function removeClusterKubeconfigs(t: Target): string[] {
  const changed = new Set<string>();
  const user = sudoUser();
  const lists: (string | undefined)[] = [...remembered(t), undefined];
  for (const file of lists) {
    try {
      for (const f of removeContext(file, t.context, user ? { KUBECONFIG: process.env.KUBECONFIG } : process.env, user?.home))
        changed.add(f);
    } catch (e) {
      console.error(`k8ts: could not remove context ${t.context} from ${file ?? 'the kubeconfig'}: ${(e as Error).message}`);
    }
  }
  return [...changed];
}

/** How the kubeconfig line of `up` reads: where, which context, and for whom. */
export function describeWritten(t: Target, w: Written): string {
  const whose = w.forUser ? `; written for ${w.forUser.name}, who ran sudo, and owned by ${w.forUser.name}` : '';
  return `${w.file} (context ${t.context}${w.merged ? ', now current' : ''}${whose})`;
}
