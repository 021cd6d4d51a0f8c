// The node's platform and how an index's manifests are matched against it (containerd's
// platforms package: Default(), Only()). linux/arm64 also runs linux/arm/v8..v5 where the
// CPU can; linux/amd64 runs amd64 only (containerd does not fall back to 386 either).

import type { Platform } from './mediatypes.js';

function goArch(a: string): string {
  switch (a) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    case 'arm64':
      return 'arm64';
    case 'arm':
      return 'arm';
    case 'ppc64':
      return 'ppc64le';
    default:
      return a;
  }
}

function armVariant(): string {
  const v = (process.config.variables as Record<string, unknown>).arm_version;
  return v ? `v${v}` : 'v7';
}

export function nodePlatform(): Platform {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const architecture = goArch(process.arch);
  const p: Platform = { os, architecture };
  if (architecture === 'arm64') p.variant = 'v8';
  else if (architecture === 'arm') p.variant = armVariant();
  return p;
}

function normalizeVariant(p: Platform): Platform {
  const out: Platform = { os: p.os.toLowerCase(), architecture: goArch(p.architecture.toLowerCase()) };
  let variant = p.variant?.toLowerCase();
  if (out.architecture === 'aarch64') out.architecture = 'arm64';
  if (out.architecture === 'x86_64' || out.architecture === 'x86-64') out.architecture = 'amd64';
  if (out.architecture === 'arm64' && (variant === undefined || variant === '8')) variant = 'v8';
  if (out.architecture === 'arm' && variant && /^\d$/.test(variant)) variant = `v${variant}`;
  if (variant) out.variant = variant;
  return out;
}

/** The platforms a node runs, best first (containerd's platforms.Only). */
export function compatiblePlatforms(node: Platform): Platform[] {
  const n = normalizeVariant(node);
  const out: Platform[] = [n];
  if (n.architecture === 'arm64') {
    for (const v of ['v8', 'v7', 'v6', 'v5']) out.push({ os: n.os, architecture: v === 'v8' ? 'arm64' : 'arm', variant: v });
  } else if (n.architecture === 'arm' && n.variant) {
    const max = Number(n.variant.slice(1));
    for (let v = max - 1; v >= 5; v--) out.push({ os: n.os, architecture: 'arm', variant: `v${v}` });
  }
  return out;
}

function same(a: Platform, b: Platform): boolean {
  const x = normalizeVariant(a);
  const y = normalizeVariant(b);
  if (x.os !== y.os || x.architecture !== y.architecture) return false;
  // A manifest without a variant matches any variant of its architecture (containerd does the same).
  return !x.variant || !y.variant || x.variant === y.variant;
}

/** The rank of a platform among the node's (0 best), or -1 when the node cannot run it. */
export function platformRank(node: Platform, candidate: Platform | undefined): number {
  if (!candidate?.os || !candidate.architecture) return -1;
  const list = compatiblePlatforms(node);
  return list.findIndex((p) => same(p, candidate));
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

export function parsePlatform(s: string): Platform {
  const [os, architecture, variant] = s.split('/');
  if (!os || !architecture) throw new Error(`invalid platform "${s}": want os/arch[/variant]`);
  const p: Platform = { os, architecture };
  if (variant) p.variant = variant;
  return p;
}
