// The user a container's process runs as, as containerd resolves it (oci.WithUser,
// WithAdditionalGIDs): "uid", "uid:gid", "name", "name:group" looked up in the container's own
// /etc/passwd and /etc/group, the user's groups from /etc/group, then the pod's supplemental groups.

import { readFileInRoot } from './rootpath.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}
interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** The fields of each line of /etc/passwd or /etc/group that has at least minFields of them; comments skipped. */
function records(text: string | undefined, minFields: number): string[][] {
  const out: string[][] = [];
  for (const line of (text ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length >= minFields && !line.startsWith('#')) out.push(f);
  }
  return out;
}

function parsePasswd(text: string | undefined): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const f of records(text, 4)) {
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (Number.isInteger(uid) && Number.isInteger(gid)) out.push({ name: f[0], uid, gid });
  }
  return out;
}

function parseGroup(text: string | undefined): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const f of records(text, 3)) {
    const gid = Number(f[2]);
    if (Number.isInteger(gid)) out.push({ name: f[0], gid, members: (f[3] ?? '').split(',').filter(Boolean) });
  }
  return out;
}

const numeric = (s: string) => /^\d+$/.test(s);

export class UserNotFoundError extends Error {}

/** Resolves `user` ("" means root) inside the container's root filesystem. */
export function resolveUser(rootfs: string, user: string, supplementalGroups: number[] = []): ResolvedUser {
  const passwd = parsePasswd(readFileInRoot(rootfs, '/etc/passwd'));
  const groups = parseGroup(readFileInRoot(rootfs, '/etc/group'));
  const [u, g] = user.includes(':') ? [user.slice(0, user.indexOf(':')), user.slice(user.indexOf(':') + 1)] : [user, undefined];
  let uid = 0;
  let gid = 0;
  let name: string | undefined;
  if (u === '') {
    name = passwd.find((p) => p.uid === 0)?.name;
  } else if (numeric(u)) {
    uid = Number(u);
    const p = passwd.find((x) => x.uid === uid);
    if (p) {
      gid = p.gid;
      name = p.name;
    }
  } else {
    const p = passwd.find((x) => x.name === u);
    if (!p) throw new UserNotFoundError(`unable to find user ${u}: no matching entries in passwd file`);
    uid = p.uid;
    gid = p.gid;
    name = p.name;
  }
  if (g !== undefined && g !== '') {
    if (numeric(g)) gid = Number(g);
    else {
      const grp = groups.find((x) => x.name === g);
      if (!grp) throw new UserNotFoundError(`unable to find group ${g}: no matching entries in group file`);
      gid = grp.gid;
    }
  }
  const additional: number[] = [];
  if (name !== undefined)
    for (const grp of groups) if (grp.members.includes(name) && grp.gid !== gid && !additional.includes(grp.gid)) additional.push(grp.gid);
  for (const s of supplementalGroups) if (!additional.includes(s)) additional.push(s);
  return { uid, gid, additionalGids: additional };
}
