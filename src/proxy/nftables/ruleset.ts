// The nftables ruleset of k8ts' service proxy, computed from the services and endpoints: the
// shape kube-proxy's nftables mode builds (pkg/proxy/nftables/proxier.go: setupNFTables and
// syncProxyRules), as a script that replaces the whole table in one transaction
// ("add table; delete table; add table ..."): the kernel swaps old rules for new atomically, and a
// crashed agent's table is replaced, never duplicated, by the next start's first sync; or as a
// partial script that changes only the parts of the service ports that changed (partialScript).
// Each service port's rules are a part computed from that port and its endpoint list alone, and
// kept from sync to sync while those inputs are the same objects, so a sync costs what changed.
//
// Packet path: nat-prerouting / nat-output -> services: the destination (ClusterIP, external IP,
// load-balancer IP) . protocol . port is looked up in the service-ips verdict map, or, for a local
// destination address, protocol . port in service-nodeports; the service chain DNATs to an
// endpoint picked with `numgen random mod N`.
// Differences from kube-proxy's shape, for speed (a whole-table load at 10,000 endpoints is bound
// by the kernel's work per object; see NOTES.md):
// - kube-proxy's service chain jumps through an anonymous `vmap { 0 : goto endpoint-... }` to a
//   chain per endpoint (hairpin mark + DNAT). Here the service chain DNATs straight from a named
//   map of its own (`dnat to numgen random mod N map @endpoints-<chain>`, elements
//   `i : addr . port`): no chain and no rules per endpoint, and no anonymous set (the kernel walks
//   the whole open transaction for every anonymous set it binds, __nft_set_trans_bind).
// - Hairpin (a pod reaching itself through its service must see the reply come from the service):
//   kube-proxy marks `ip saddr <endpoint>` in each endpoint chain; here nat-postrouting marks
//   DNATed packets whose source . destination is in the `hairpin-endpoints` set (`ep . ep` for
//   every endpoint in use): after DNAT the destination is the endpoint, so this is the same test.
// - ClientIP affinity needs a per-endpoint action (`update @affinity-<endpoint> { ip saddr }`), so
//   services with sessionAffinity ClientIP keep kube-proxy's endpoint chains, picked through a
//   named verdict map (`endpoint-chains-<chain>`).
// Packets that need their source rewritten (hairpin; off-pod-network clients of a ClusterIP;
// external traffic with externalTrafficPolicy Cluster) get mark 0x4000 and are masqueraded in
// nat-postrouting. Services without endpoints are rejected in the filter chains (connection
// refused, as kube-proxy answers), before DNAT.
//
// Difference from kube-proxy, on purpose: several k8ts clusters may run side by side on one host
// with the same service CIDR. ClusterIP traffic that arrives from another interface (prerouting)
// is only taken when its source is this node's pod network, so one cluster's pods never land in
// another cluster's services.

import { hash } from 'node:crypto';
import type { EndpointInfo } from '../endpoints.js';
import { endpointsKey } from '../endpoints.js';
import type { ServicePortInfo } from '../serviceport.js';
import { externallyAccessible } from '../serviceport.js';
import { categorizeEndpoints } from '../topology.js';

export interface RulesetConfig {
  /** The table's name: one per proxy instance (per node network on this host). */
  table: string;
  /** This node's pod network (kube-proxy's --detect-local-mode NodeCIDR). */
  podCIDR: string;
  /** Masquerade all traffic to ClusterIPs (when bridged pod-to-pod replies would skip conntrack). */
  masqueradeAll?: boolean;
  /** The mark bit asking for masquerade (kube-proxy's --masquerade-bit 14). */
  masqueradeMark?: string;
  /** Remaining affinity entries to carry into the new table: set name -> ip -> seconds left. */
  affinity?: Map<string, Map<string, number>>;
}

/**
 * One service port's share of the table: its chains, its endpoint pick maps, its affinity sets
 * and its elements of the dispatch maps. Computed from the port and its endpoint list only, so
 * a sync reuses the part of every port whose inputs are the very same objects as last time (the
 * change tracker replaces them only for services that changed): a sync costs what changed.
 */
export interface PortPart {
  readonly svc: ServicePortInfo;
  readonly eps: EndpointInfo[] | undefined;
  readonly cfgKey: string;
  /** Chain -> rules, in creation order. */
  readonly chains: Map<string, string[]>;
  /** Endpoint pick maps: name -> its declaration and its elements ("i : addr . port", or "i : goto endpoint-..."). */
  readonly picks: Map<string, PickMap>;
  /** Affinity set -> timeout (s). */
  readonly affinity: Map<string, number>;
  /** [dispatch map or set, key, value ('' for the set)]. */
  readonly elements: [string, string, string][];
  /** The endpoints traffic may be sent to. */
  readonly used: EndpointInfo[];
  /** Lazily: the part's chains with their rules, in block syntax. */
  bodyText?: string;
}

/** A map a service (or local-policy) chain picks an endpoint from with `numgen random mod N`. */
export interface PickMap {
  /** pickDnatType(proto) or PICK_VERDICT_TYPE: a name always has the same one (a map's type cannot change). */
  readonly type: string;
  readonly elems: string[];
}

export interface Ruleset {
  table: string;
  /** Per service port ("ns/name:port/PROTO"), sorted by key. */
  parts: Map<string, PortPart>;
  /** The table's own chains (base chains and the fixed dispatch chains) -> rules. */
  fixed: Map<string, string[]>;
  /** Dispatch map or set -> key -> value ('' for a set). */
  elements: Map<string, Map<string, string>>;
  /** Affinity sets the table holds (to read back before the next sync). */
  affinitySets: string[];
  /** The endpoints traffic may be sent to ("ip:port"), per service port name. */
  endpoints: Map<string, EndpointInfo[]>;
  /** Every endpoint IP that a new connection may be sent to while it is ready (not as a terminating fallback). */
  readyEndpointIPs: Set<string>;
  chains: number;
  /** The script writing the whole table (nft -f -), made when first read. */
  readonly script: string;
}

const SERVICES_CHAIN = 'services';
const MASQUERADING_CHAIN = 'masquerading';
const MARK_MASQ_CHAIN = 'mark-for-masquerade';
const ENDPOINTS_CHECK_CHAIN = 'service-endpoints-check';
const REJECT_CHAIN = 'reject-chain';
const CLUSTER_IPS_SET = 'cluster-ips';
const SERVICE_IPS_MAP = 'service-ips';
const SERVICE_NODEPORTS_MAP = 'service-nodeports';
const NO_ENDPOINT_SERVICES_MAP = 'no-endpoint-services';
const NO_ENDPOINT_NODEPORTS_MAP = 'no-endpoint-nodeports';
const HAIRPIN_SET = 'hairpin-endpoints';

/** The dispatch maps and set, with their declarations. */
const DISPATCH: [string, string][] = [
  [CLUSTER_IPS_SET, 'set'],
  [SERVICE_IPS_MAP, 'map'],
  [SERVICE_NODEPORTS_MAP, 'map'],
  [NO_ENDPOINT_SERVICES_MAP, 'map'],
  [NO_ENDPOINT_NODEPORTS_MAP, 'map'],
  [HAIRPIN_SET, 'set'],
];
const DISPATCH_TYPES: Record<string, string> = {
  [CLUSTER_IPS_SET]: 'ipv4_addr',
  [SERVICE_IPS_MAP]: 'ipv4_addr . inet_proto . inet_service : verdict',
  [SERVICE_NODEPORTS_MAP]: 'inet_proto . inet_service : verdict',
  [NO_ENDPOINT_SERVICES_MAP]: 'ipv4_addr . inet_proto . inet_service : verdict',
  [NO_ENDPOINT_NODEPORTS_MAP]: 'inet_proto . inet_service : verdict',
  [HAIRPIN_SET]: 'ipv4_addr . ipv4_addr',
};

/**
 * The declarations of the endpoint pick maps (key: numgen's 32-bit number): DNAT data, or a
 * verdict. The DNAT data names its protocol (`tcp dport`, not `th dport`: nft 1.0.6 refuses a new
 * rule `meta l4proto tcp dnat ... map @m` on a map already in the kernel typed with `th dport`,
 * "conflicting protocols specified"); the protocol is part of the map's name, so a name keeps its type.
 */
const pickDnatType = (proto: string) => `typeof numgen random mod 2 : ip daddr . ${proto} dport`;
const PICK_VERDICT_TYPE = 'typeof numgen random mod 2 : verdict';

/** Names already hashed: a sync at 10,000 endpoints names ~11,000 chains, the same each time. */
const hashedNames = new Map<string, string>();

/** hashAndTruncate: a hash prefix keeps names unique and visually distinct. */
function hashed(name: string): string {
  let h = hashedNames.get(name);
  if (h === undefined) {
    if (hashedNames.size >= 200_000) hashedNames.clear();
    h = `${base32(hash('sha256', name, 'buffer'))}-${name}`;
    hashedNames.set(name, h);
  }
  return h;
}

/** The first 8 base32 characters of the digest (its first 40 bits: all a name keeps of it). */
function base32(buf: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (let i = 0; i < 5; i++) {
    value = ((value << 8) | buf[i]) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** "ns/name/tcp/portName", the base of a service port's chain names. */
function servicePortChainBase(svc: ServicePortInfo): string {
  return hashed(`${svc.namespace}/${svc.service}/${svc.protocol.toLowerCase()}/${svc.portName}`);
}

function endpointChainName(svc: ServicePortInfo, ep: EndpointInfo): string {
  return `endpoint-${hashed(`${svc.namespace}/${svc.service}/${svc.protocol.toLowerCase()}/${svc.portName}__${ep.ip}/${ep.port}`)}`;
}

function affinitySetName(svc: ServicePortInfo, ep: EndpointInfo): string {
  return `affinity-${hashed(`${svc.namespace}/${svc.service}/${svc.protocol.toLowerCase()}/${svc.portName}__${ep.ip}/${ep.port}`)}`;
}

/**
 * The base chains: filter before DNAT (so rejects see the service address), nat at dstnat (-100)
 * and srcnat (100). Numbers, not names: nft 1.0.6 takes "dstnat" only on the nat hooks.
 */
const BASE_CHAINS: { name: string; type: 'filter' | 'nat'; hook: string; priority: number }[] = [
  { name: 'filter-input', type: 'filter', hook: 'input', priority: -110 },
  { name: 'filter-forward', type: 'filter', hook: 'forward', priority: -110 },
  { name: 'filter-output', type: 'filter', hook: 'output', priority: -110 },
  { name: 'nat-prerouting', type: 'nat', hook: 'prerouting', priority: -100 },
  { name: 'nat-output', type: 'nat', hook: 'output', priority: -100 },
  { name: 'nat-postrouting', type: 'nat', hook: 'postrouting', priority: 100 },
];

/** The map a service's (or local-policy) chain takes its DNAT destination from. */
function pickMapName(chain: string): string {
  return `endpoints-${chain}`;
}

/** The map a service's chain picks an endpoint chain from (sessionAffinity ClientIP). */
function pickChainMapName(chain: string): string {
  return `endpoint-chains-${chain}`;
}

const BASE_CHAIN_NAMES = new Set(BASE_CHAINS.map((b) => b.name));

function cfgKeyOf(cfg: RulesetConfig): string {
  return `${cfg.podCIDR}|${cfg.masqueradeAll ? 1 : 0}|${cfg.masqueradeMark ?? ''}`;
}

/** A service port's chains, pick maps, affinity sets and dispatch elements (syncProxyRules' loop body). */
function buildPart(svc: ServicePortInfo, eps: EndpointInfo[] | undefined, cfg: RulesetConfig, cfgKey: string): PortPart {
  const proto = svc.protocol.toLowerCase();
  const base = servicePortChainBase(svc);
  const notLocal = `ip saddr != ${cfg.podCIDR}`;
  const { clusterEndpoints, localEndpoints, allReachableEndpoints, hasAnyEndpoints } = categorizeEndpoints(eps ?? [], svc);
  const chains = new Map<string, string[]>();
  const picks = new Map<string, PickMap>();
  const affinity = new Map<string, number>();
  const elements: [string, string, string][] = [[CLUSTER_IPS_SET, svc.clusterIP, '']];
  const chain = (name: string) => {
    if (!chains.has(name)) chains.set(name, []);
  };
  const rule = (c: string, r: string) => {
    let b = chains.get(c);
    if (!b) {
      b = [];
      chains.set(c, b);
    }
    b.push(r);
  };

  const clusterPolicyChain = `service-${base}`;
  const localPolicyChain = `local-${base}`;
  const externalChain = `external-${base}`;
  const usesClusterPolicyChain = clusterEndpoints.length > 0 && (!svc.internalPolicyLocal || externallyAccessible(svc));
  const usesLocalPolicyChain = localEndpoints.length > 0 && (svc.internalPolicyLocal || svc.externalPolicyLocal);
  let internalChain = clusterPolicyChain;
  let hasInternalEndpoints = hasAnyEndpoints;
  if (svc.internalPolicyLocal) {
    internalChain = localPolicyChain;
    if (localEndpoints.length === 0) hasInternalEndpoints = false;
  }
  let externalPolicyChain = clusterPolicyChain;
  let hasExternalEndpoints = hasAnyEndpoints;
  if (svc.externalPolicyLocal) {
    externalPolicyChain = localPolicyChain;
    if (localEndpoints.length === 0) hasExternalEndpoints = false;
  }
  const usesExternalChain = hasAnyEndpoints && externallyAccessible(svc);
  // No endpoints at all: refuse (reject); none for this policy: drop what was not short-circuited.
  const filterVerdict = hasAnyEndpoints ? 'drop' : `goto ${REJECT_CHAIN}`;

  const key = (ip: string) => `${ip} . ${proto} . ${svc.port}`;
  if (hasInternalEndpoints) elements.push([SERVICE_IPS_MAP, key(svc.clusterIP), `goto ${internalChain}`]);
  else elements.push([NO_ENDPOINT_SERVICES_MAP, key(svc.clusterIP), filterVerdict]);
  for (const ip of [...svc.externalIPs, ...svc.loadBalancerVIPs]) {
    if (hasAnyEndpoints) elements.push([SERVICE_IPS_MAP, key(ip), `goto ${externalChain}`]);
    if (!hasExternalEndpoints) elements.push([NO_ENDPOINT_SERVICES_MAP, key(ip), filterVerdict]);
  }
  if (svc.nodePort) {
    if (hasAnyEndpoints) elements.push([SERVICE_NODEPORTS_MAP, `${proto} . ${svc.nodePort}`, `goto ${externalChain}`]);
    if (!hasExternalEndpoints) elements.push([NO_ENDPOINT_NODEPORTS_MAP, `${proto} . ${svc.nodePort}`, filterVerdict]);
  }

  if (usesClusterPolicyChain) chain(clusterPolicyChain);
  if (usesLocalPolicyChain && localPolicyChain !== clusterPolicyChain) chain(localPolicyChain);
  if (usesExternalChain) chain(externalChain);

  // Internal traffic from outside the pod network is masqueraded (its replies must come back here).
  if (hasInternalEndpoints) {
    const head = `ip daddr ${svc.clusterIP} ${proto} dport ${svc.port}`;
    if (cfg.masqueradeAll) rule(internalChain, `${head} jump ${MARK_MASQ_CHAIN}`);
    else rule(internalChain, `${head} ${notLocal} jump ${MARK_MASQ_CHAIN}`);
  }
  if (usesExternalChain) {
    if (!svc.externalPolicyLocal) {
      // The endpoint may be on another node: its reply must come back through this one.
      rule(externalChain, `jump ${MARK_MASQ_CHAIN}`);
    } else {
      // Pods and this host are not subject to the policy (as if they went out to a load balancer and back).
      rule(externalChain, `ip saddr ${cfg.podCIDR} goto ${clusterPolicyChain}`);
      rule(externalChain, `fib saddr type local jump ${MARK_MASQ_CHAIN}`);
      rule(externalChain, `fib saddr type local goto ${clusterPolicyChain}`);
    }
    if (hasExternalEndpoints) rule(externalChain, `goto ${externalPolicyChain}`);
  }

  const sticky = svc.stickyMaxAgeSeconds > 0;
  if (sticky) for (const ep of allReachableEndpoints) affinity.set(affinitySetName(svc, ep), svc.stickyMaxAgeSeconds);
  const writeServiceToEndpoints = (svcChain: string, list: EndpointInfo[]) => {
    if (sticky) {
      for (const ep of list) rule(svcChain, `ip saddr @${affinitySetName(svc, ep)} goto ${endpointChainName(svc, ep)}`);
      // kube-proxy writes an anonymous `vmap { 0 : goto ..., }` here. A named map instead: the
      // kernel walks the whole open transaction for every anonymous set it binds.
      const pick = pickChainMapName(svcChain);
      picks.set(pick, { type: PICK_VERDICT_TYPE, elems: list.map((ep, i) => `${i} : goto ${endpointChainName(svc, ep)}`) });
      rule(svcChain, `numgen random mod ${list.length} vmap @${pick}`);
      return;
    }
    // No chain per endpoint: DNAT straight from the pick map (see the header).
    const pick = pickMapName(svcChain);
    picks.set(pick, { type: pickDnatType(proto), elems: list.map((ep, i) => `${i} : ${ep.ip} . ${ep.port}`) });
    rule(svcChain, `meta l4proto ${proto} dnat to numgen random mod ${list.length} map @${pick}`);
  };
  if (usesClusterPolicyChain) writeServiceToEndpoints(clusterPolicyChain, clusterEndpoints);
  if (usesLocalPolicyChain) writeServiceToEndpoints(localPolicyChain, localEndpoints);

  for (const ep of allReachableEndpoints) {
    // Hairpin: a pod reaching itself must see the reply come from the service (nat-postrouting).
    elements.push([HAIRPIN_SET, `${ep.ip} . ${ep.ip}`, '']);
    if (!sticky) continue;
    const epChain = endpointChainName(svc, ep);
    rule(epChain, `update @${affinitySetName(svc, ep)} { ip saddr }`);
    rule(epChain, `meta l4proto ${proto} dnat to ${ep.endpoint}`);
  }
  // In the order a chain is referred to after the chains it refers to (endpoint <- service, local
  // <- external), so that a whole-table script can create each chain with its rules in one go.
  const rank = (c: string) => (c.startsWith('endpoint-') ? 0 : c.startsWith('external-') ? 2 : 1);
  const ordered = new Map([...chains].sort((a, b) => rank(a[0]) - rank(b[0])));
  return { svc, eps, cfgKey, chains: ordered, picks, affinity, elements, used: allReachableEndpoints };
}

/** The table's own chains, the same for every state but for the pod network and the mark. */
function fixedChains(cfg: RulesetConfig): Map<string, string[]> {
  const mark = cfg.masqueradeMark ?? '0x4000';
  // ClusterIPs seen in prerouting count only from this node's pods (see the header).
  const fromOtherNetwork = `ip daddr @${CLUSTER_IPS_SET} ip saddr != ${cfg.podCIDR} return`;
  return new Map<string, string[]>([
    ['filter-input', [fromOtherNetwork, `ct state new jump ${ENDPOINTS_CHECK_CHAIN}`]],
    ['filter-forward', [fromOtherNetwork, `ct state new jump ${ENDPOINTS_CHECK_CHAIN}`]],
    ['filter-output', [`ct state new jump ${ENDPOINTS_CHECK_CHAIN}`]],
    ['nat-prerouting', [fromOtherNetwork, `jump ${SERVICES_CHAIN}`]],
    ['nat-output', [`jump ${SERVICES_CHAIN}`]],
    // Hairpin (see the header): after DNAT, a source equal to its destination endpoint.
    ['nat-postrouting', [`ct status dnat ip saddr . ip daddr @${HAIRPIN_SET} jump ${MARK_MASQ_CHAIN}`, `jump ${MASQUERADING_CHAIN}`]],
    [MARK_MASQ_CHAIN, [`mark set mark or ${mark}`]],
    [MASQUERADING_CHAIN, [`mark and ${mark} == 0 return`, `mark set mark xor ${mark}`, 'masquerade fully-random']],
    [REJECT_CHAIN, ['reject']],
    [
      ENDPOINTS_CHECK_CHAIN,
      [
        `ip daddr . meta l4proto . th dport vmap @${NO_ENDPOINT_SERVICES_MAP}`,
        `fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @${NO_ENDPOINT_NODEPORTS_MAP}`,
      ],
    ],
    [
      SERVICES_CHAIN,
      [
        `ip daddr . meta l4proto . th dport vmap @${SERVICE_IPS_MAP}`,
        `fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @${SERVICE_NODEPORTS_MAP}`,
      ],
    ],
  ]);
}

/**
 * The ruleset for the given services and endpoints. With `prev` (the ruleset in the kernel),
 * every service port whose inputs are the same objects as in `prev` keeps its part unchanged.
 */
export function buildRuleset(
  svcPorts: Iterable<ServicePortInfo>,
  endpointsMap: Map<string, EndpointInfo[]>,
  cfg: RulesetConfig,
  prev?: Ruleset,
): Ruleset {
  const cfgKey = cfgKeyOf(cfg);
  const reuse = prev && prev.table === cfg.table ? prev.parts : undefined;
  const unsorted = new Map<string, PortPart>();
  for (const svc of svcPorts) {
    const key = `${svc.name}/${svc.protocol}`;
    const eps = endpointsMap.get(endpointsKey(svc.name, svc.protocol));
    const old = reuse?.get(key);
    unsorted.set(key, old && old.svc === svc && old.eps === eps && old.cfgKey === cfgKey ? old : buildPart(svc, eps, cfg, cfgKey));
  }
  // Sorted, so that the same state gives the same script (tests and diffs).
  const parts = new Map([...unsorted].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  const elements = new Map<string, Map<string, string>>(DISPATCH.map(([name]) => [name, new Map()]));
  const endpoints = new Map<string, EndpointInfo[]>();
  const readyEndpointIPs = new Set<string>();
  const affinitySets: string[] = [];
  let chains = 0;
  for (const [key, part] of parts) {
    for (const [map, k, v] of part.elements) elements.get(map)!.set(k, v);
    endpoints.set(key, part.used);
    for (const ep of part.used) if (ep.ready) readyEndpointIPs.add(ep.ip);
    for (const set of part.affinity.keys()) affinitySets.push(set);
    chains += part.chains.size;
  }
  const fixed = fixedChains(cfg);
  let script: string | undefined;
  return {
    table: cfg.table,
    parts,
    fixed,
    elements,
    affinitySets,
    endpoints,
    readyEndpointIPs,
    chains,
    get script() {
      script ??= wholeTableScript(this, cfg.affinity);
      return script;
    },
  };
}

function bodyText(part: PortPart): string {
  part.bodyText ??= [...part.chains].map(([c, body]) => (body.length ? chainBlock(c, body) : `  chain ${c} {\n  }\n`)).join('');
  return part.bodyText;
}

function chainBlock(c: string, body: string[]): string {
  if (!body.length) return '';
  return `  chain ${c} {\n${body.map((r) => `    ${r}\n`).join('')}  }\n`;
}

function affinityDecl(t: string, name: string, timeout: number): string {
  return `add set ${t} ${name} { type ipv4_addr; flags dynamic,timeout; timeout ${timeout}s; }`;
}

/** `add element` statements, bounded: one huge line is slow for nft's parser to report errors on. */
function elementStatements(t: string, name: string, elems: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < elems.length; i += 1000) out.push(`add element ${t} ${name} { ${elems.slice(i, i + 1000).join(', ')} }`);
  return out;
}

function elementText(k: string, v: string): string {
  return v ? `${k} : ${v}` : k;
}

/**
 * The whole table in one transaction ("add table; delete table; table {...}"): the first sync,
 * the one after a failure, and one an hour. Block syntax (a table block per step) parses about
 * twice as fast as one `add rule` per line.
 */
function wholeTableScript(rs: Ruleset, carried: Map<string, Map<string, number>> | undefined): string {
  const t = `ip ${rs.table}`;
  const out: string[] = [`add table ${t}\ndelete table ${t}\ntable ${t} {\n  comment "k8ts service proxy (kube-proxy's nftables mode)"\n`];
  for (const bc of BASE_CHAINS)
    out.push(`  chain ${bc.name} {\n    type ${bc.type} hook ${bc.hook} priority ${bc.priority}; policy accept;\n  }\n`);
  for (const c of rs.fixed.keys()) if (!BASE_CHAIN_NAMES.has(c)) out.push(`  chain ${c} {\n  }\n`);
  for (const [name, kind] of DISPATCH) out.push(`  ${kind} ${name} {\n    type ${DISPATCH_TYPES[name]}\n  }\n`);
  for (const part of rs.parts.values()) for (const [pick, m] of part.picks) out.push(`  map ${pick} {\n    ${m.type}\n  }\n`);
  out.push('}\n');
  const lines: string[] = [];
  for (const part of rs.parts.values())
    for (const [set, timeout] of part.affinity) {
      lines.push(affinityDecl(t, set, timeout));
      const entries = carried?.get(set);
      const elems = entries
        ? [...entries].filter(([, s]) => s > 0).map(([ip, s]) => `${ip} timeout ${timeout}s expires ${Math.min(s, timeout)}s`)
        : [];
      if (elems.length) lines.push(`add element ${t} ${set} { ${elems.join(', ')} }`);
    }
  if (lines.length) out.push(`${lines.join('\n')}\n`);
  out.push(`table ${t} {\n`);
  for (const [c, body] of rs.fixed) out.push(chainBlock(c, body));
  for (const part of rs.parts.values()) out.push(bodyText(part));
  out.push('}\n');
  lines.length = 0;
  for (const part of rs.parts.values())
    for (const [pick, m] of part.picks) if (m.elems.length) lines.push(`add element ${t} ${pick} { ${m.elems.join(', ')} }`);
  for (const [name, m] of rs.elements)
    lines.push(
      ...elementStatements(
        t,
        name,
        [...m].map(([k, v]) => elementText(k, v)),
      ),
    );
  if (lines.length) out.push(`${lines.join('\n')}\n`);
  return out.join('');
}

const sameList = (a: string[] | undefined, b: string[]) => !!a && a.length === b.length && a.every((r, i) => r === b[i]);

/**
 * The transaction that turns the applied ruleset `prev` into `next` without rewriting what did
 * not change: kube-proxy's partial sync. Only the parts of service ports that changed are looked
 * at: their new chains, pick maps and affinity sets added, changed ones flushed and refilled;
 * dispatch map elements deleted and added one by one; chains, maps and sets nothing refers to any
 * more deleted last (whatever referred to them changed, so it was rewritten before). Still one
 * `nft -f`, so still atomic. Affinity sets that stay keep their entries. '' when nothing changed;
 * undefined when only a whole-table sync can get there.
 */
export function partialScript(prev: Ruleset, next: Ruleset): string | undefined {
  if (prev.table !== next.table) return undefined;
  const t = `ip ${next.table}`;
  const addedChains: [string, string[]][] = [];
  const changedChains: [string, string[]][] = [];
  const staleChains: string[] = [];
  const addedPicks: [string, PickMap][] = [];
  const changedPicks: [string, PickMap][] = [];
  const stalePicks: string[] = [];
  const addedSets: string[] = [];
  const staleSets: string[] = [];
  const diffPart = (old: PortPart | undefined, now: PortPart | undefined) => {
    for (const [c, body] of now?.chains ?? []) {
      const was = old?.chains.get(c);
      if (!was) addedChains.push([c, body]);
      else if (!sameList(was, body)) changedChains.push([c, body]);
    }
    for (const c of old?.chains.keys() ?? []) if (!now?.chains.has(c)) staleChains.push(c);
    for (const [m, pick] of now?.picks ?? []) {
      const was = old?.picks.get(m);
      if (!was) addedPicks.push([m, pick]);
      else if (!sameList(was.elems, pick.elems)) changedPicks.push([m, pick]);
    }
    for (const m of old?.picks.keys() ?? []) if (!now?.picks.has(m)) stalePicks.push(m);
    for (const [s, timeout] of now?.affinity ?? []) {
      const was = old?.affinity.get(s);
      if (was === undefined) addedSets.push(affinityDecl(t, s, timeout));
      else if (was !== timeout) return false;
    }
    for (const s of old?.affinity.keys() ?? []) if (!now?.affinity.has(s)) staleSets.push(s);
    return true;
  };
  for (const [key, part] of next.parts) {
    const old = prev.parts.get(key);
    // A set whose timeout changed is in use by rules that stay: write it all anew.
    if (old !== part && !diffPart(old, part)) return undefined;
  }
  for (const [key, old] of prev.parts) if (!next.parts.has(key)) diffPart(old, undefined);
  for (const [c, body] of next.fixed) {
    const was = prev.fixed.get(c);
    if (!was) return undefined;
    if (!sameList(was, body)) changedChains.push([c, body]);
  }

  const lines: string[] = [];
  const elemDeletes: string[] = [];
  const elemAdds: string[] = [];
  for (const [name, now] of next.elements) {
    const was = prev.elements.get(name) ?? new Map<string, string>();
    const del = [...was].filter(([k, v]) => now.get(k) !== v).map(([k]) => k);
    const add = [...now].filter(([k, v]) => was.get(k) !== v).map(([k, v]) => elementText(k, v));
    if (del.length) elemDeletes.push(`delete element ${t} ${name} { ${del.join(', ')} }`);
    elemAdds.push(...elementStatements(t, name, add));
  }
  // Elements that lead to chains about to change or go leave first.
  lines.push(...elemDeletes);
  lines.push(...addedSets);
  if (addedChains.length || addedPicks.length)
    lines.push(
      `table ${t} {`,
      ...addedChains.map(([c]) => `  chain ${c} {\n  }`),
      ...addedPicks.map(([m, pick]) => `  map ${m} {\n    ${pick.type}\n  }`),
      '}',
    );
  for (const [m] of changedPicks) lines.push(`flush map ${t} ${m}`);
  for (const [m, pick] of [...addedPicks, ...changedPicks])
    if (pick.elems.length) lines.push(`add element ${t} ${m} { ${pick.elems.join(', ')} }`);
  for (const [c] of changedChains) lines.push(`flush chain ${t} ${c}`);
  const fill = [...addedChains, ...changedChains].filter(([, body]) => body.length);
  if (fill.length) lines.push(`table ${t} {`, ...fill.map(([c, body]) => chainBlock(c, body).trimEnd()), '}');
  lines.push(...elemAdds);
  // Stale chains emptied first and stale pick maps (whose elements lead to endpoint chains) gone
  // next, so that nothing still refers to a chain when it is deleted.
  for (const c of staleChains) lines.push(`flush chain ${t} ${c}`);
  for (const m of stalePicks) lines.push(`delete map ${t} ${m}`);
  for (const c of staleChains) lines.push(`delete chain ${t} ${c}`);
  for (const s of staleSets) lines.push(`delete set ${t} ${s}`);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** The script that removes the table (k8ts down), harmless when it is not there. */
export function deleteTableScript(table: string): string {
  return `add table ip ${table}\ndelete table ip ${table}\n`;
}
