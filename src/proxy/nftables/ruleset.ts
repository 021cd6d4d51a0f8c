// The nftables ruleset of k8ts' service proxy, computed from the services and endpoints: the
// shape kube-proxy's nftables mode builds (pkg/proxy/nftables/proxier.go: setupNFTables and
// syncProxyRules), as one script that replaces the whole table in one transaction
// ("add table; delete table; add table ..."): the kernel swaps old rules for new atomically, and a
// crashed agent's table is replaced, never duplicated, by the next start's first sync.
//
// Packet path: nat-prerouting / nat-output -> services: the destination (ClusterIP, external IP,
// load-balancer IP) . protocol . port is looked up in the service-ips verdict map, or, for a local
// destination address, protocol . port in service-nodeports; the service chain picks an endpoint
// chain with `numgen random mod N` (after a ClientIP affinity lookup) and the endpoint chain DNATs.
// Packets that need their source rewritten (hairpin: a pod reaching itself through its service;
// off-pod-network clients of a ClusterIP; external traffic with externalTrafficPolicy Cluster) get
// mark 0x4000 and are masqueraded in nat-postrouting. Services without endpoints are rejected
// in the filter chains (connection refused, as kube-proxy answers), before DNAT.
//
// Difference from kube-proxy, on purpose: several k8ts clusters may run side by side on one host
// with the same service CIDR. ClusterIP traffic that arrives from another interface (prerouting)
// is only taken when its source is this node's pod network, so one cluster's pods never land in
// another cluster's services.

import { createHash } from 'node:crypto';
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

export interface Ruleset {
  /** The nft script (nft -f -). */
  script: string;
  /** Affinity sets the table holds (to read back before the next sync). */
  affinitySets: string[];
  /** The endpoints traffic may be sent to ("ip:port"), per service port name. */
  endpoints: Map<string, EndpointInfo[]>;
  /** Every endpoint IP that a new connection may be sent to while it is ready (not as a terminating fallback). */
  readyEndpointIPs: Set<string>;
  chains: number;
  table: string;
  /** Every chain's rules (base chains included), for a partial sync against the next state. */
  chainBodies: Map<string, string[]>;
  baseChains: Set<string>;
  /** Affinity set name -> its `add set` statement. */
  affinityDecls: Map<string, string>;
  /** The `add element` statements of the dispatch maps and the cluster-ips set. */
  elementLines: string[];
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

/** Names already hashed: a sync at 10,000 endpoints names ~11,000 chains, the same each time. */
const hashedNames = new Map<string, string>();

/** hashAndTruncate: a hash prefix keeps names unique and visually distinct. */
function hashed(name: string): string {
  let h = hashedNames.get(name);
  if (h === undefined) {
    if (hashedNames.size >= 200_000) hashedNames.clear();
    h = `${base32(createHash('sha256').update(name).digest()).slice(0, 8)}-${name}`;
    hashedNames.set(name, h);
  }
  return h;
}

function base32(buf: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of buf) {
    value = (value << 8) | b;
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

/** Builds the script for the given services and endpoints. */
export function buildRuleset(svcPorts: Iterable<ServicePortInfo>, endpointsMap: Map<string, EndpointInfo[]>, cfg: RulesetConfig): Ruleset {
  const t = `ip ${cfg.table}`;
  const mark = cfg.masqueradeMark ?? '0x4000';
  const lines: string[] = [];
  const chains: string[] = [];
  const sets: string[] = [];
  const clusterIPs = new Set<string>();
  const serviceIPs: string[] = [];
  const nodePorts: string[] = [];
  const noEndpointServices: string[] = [];
  const noEndpointNodePorts: string[] = [];
  const affinitySets: string[] = [];
  const affinityDecls = new Map<string, string>();
  const used = new Map<string, EndpointInfo[]>();
  const readyEndpointIPs = new Set<string>();
  // Chain bodies in order of creation: the script declares every chain first, then fills them.
  const bodies = new Map<string, string[]>();
  const chain = (name: string) => {
    chains.push(name);
    if (!bodies.has(name)) bodies.set(name, []);
  };
  const rule = (c: string, r: string) => {
    let b = bodies.get(c);
    if (!b) {
      b = [];
      bodies.set(c, b);
    }
    b.push(r);
  };
  const notLocal = `ip saddr != ${cfg.podCIDR}`;

  // Sorted, so that the same state gives the same script (tests and diffs).
  const sorted = [...svcPorts].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.protocol.localeCompare(b.protocol)));
  for (const svc of sorted) {
    const proto = svc.protocol.toLowerCase();
    const base = servicePortChainBase(svc);
    const all = endpointsMap.get(endpointsKey(svc.name, svc.protocol)) ?? [];
    const { clusterEndpoints, localEndpoints, allReachableEndpoints, hasAnyEndpoints } = categorizeEndpoints(all, svc);
    used.set(`${svc.name}/${svc.protocol}`, allReachableEndpoints);
    for (const ep of allReachableEndpoints) if (ep.ready) readyEndpointIPs.add(ep.ip);
    clusterIPs.add(svc.clusterIP);

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
    const internalFilterVerdict = hasAnyEndpoints ? 'drop' : `goto ${REJECT_CHAIN}`;
    const externalFilterVerdict = internalFilterVerdict;

    const key = (ip: string) => `${ip} . ${proto} . ${svc.port}`;
    if (hasInternalEndpoints) serviceIPs.push(`${key(svc.clusterIP)} : goto ${internalChain}`);
    else noEndpointServices.push(`${key(svc.clusterIP)} : ${internalFilterVerdict}`);
    for (const ip of [...svc.externalIPs, ...svc.loadBalancerVIPs]) {
      if (hasAnyEndpoints) serviceIPs.push(`${key(ip)} : goto ${externalChain}`);
      if (!hasExternalEndpoints) noEndpointServices.push(`${key(ip)} : ${externalFilterVerdict}`);
    }
    if (svc.nodePort) {
      if (hasAnyEndpoints) nodePorts.push(`${proto} . ${svc.nodePort} : goto ${externalChain}`);
      if (!hasExternalEndpoints) noEndpointNodePorts.push(`${proto} . ${svc.nodePort} : ${externalFilterVerdict}`);
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

    if (svc.stickyMaxAgeSeconds > 0) {
      for (const ep of allReachableEndpoints) {
        const set = affinitySetName(svc, ep);
        affinitySets.push(set);
        const carried = cfg.affinity?.get(set);
        const elems = carried
          ? [...carried]
              .filter(([, s]) => s > 0)
              .map(([ip, s]) => `${ip} timeout ${svc.stickyMaxAgeSeconds}s expires ${Math.min(s, svc.stickyMaxAgeSeconds)}s`)
          : [];
        const decl = `add set ${t} ${set} { type ipv4_addr; flags dynamic,timeout; timeout ${svc.stickyMaxAgeSeconds}s; }`;
        affinityDecls.set(set, decl);
        sets.push(decl);
        if (elems.length) sets.push(`add element ${t} ${set} { ${elems.join(', ')} }`);
      }
    }
    const writeServiceToEndpoints = (svcChain: string, eps: EndpointInfo[]) => {
      if (svc.stickyMaxAgeSeconds > 0) {
        for (const ep of eps) rule(svcChain, `ip saddr @${affinitySetName(svc, ep)} goto ${endpointChainName(svc, ep)}`);
      }
      const vmap = eps.map((ep, i) => `${i} : goto ${endpointChainName(svc, ep)}`).join(', ');
      rule(svcChain, `numgen random mod ${eps.length} vmap { ${vmap} }`);
    };
    if (usesClusterPolicyChain) writeServiceToEndpoints(clusterPolicyChain, clusterEndpoints);
    if (usesLocalPolicyChain) writeServiceToEndpoints(localPolicyChain, localEndpoints);

    for (const ep of allReachableEndpoints) {
      const epChain = endpointChainName(svc, ep);
      chain(epChain);
      // Hairpin: a pod reaching itself must see the reply come from the service, so it goes through here.
      rule(epChain, `ip saddr ${ep.ip} jump ${MARK_MASQ_CHAIN}`);
      if (svc.stickyMaxAgeSeconds > 0) rule(epChain, `update @${affinitySetName(svc, ep)} { ip saddr }`);
      rule(epChain, `meta l4proto ${proto} dnat to ${ep.endpoint}`);
    }
  }

  // ClusterIPs seen in prerouting count only from this node's pods (see the header).
  const fromOtherNetwork = `ip daddr @${CLUSTER_IPS_SET} ${notLocal} return`;
  const fixed: [string, string[]][] = [
    ['filter-input', [fromOtherNetwork, `ct state new jump ${ENDPOINTS_CHECK_CHAIN}`]],
    ['filter-forward', [fromOtherNetwork, `ct state new jump ${ENDPOINTS_CHECK_CHAIN}`]],
    ['filter-output', [`ct state new jump ${ENDPOINTS_CHECK_CHAIN}`]],
    ['nat-prerouting', [fromOtherNetwork, `jump ${SERVICES_CHAIN}`]],
    ['nat-output', [`jump ${SERVICES_CHAIN}`]],
    ['nat-postrouting', [`jump ${MASQUERADING_CHAIN}`]],
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
  ];
  // Block syntax (a table block per step) parses about twice as fast as one `add rule` per line.
  lines.push(`add table ${t}`, `delete table ${t}`, `table ${t} {`, '  comment "k8ts service proxy (kube-proxy\'s nftables mode)"');
  for (const bc of BASE_CHAINS)
    lines.push(`  chain ${bc.name} {`, `    type ${bc.type} hook ${bc.hook} priority ${bc.priority}; policy accept;`, '  }');
  for (const c of [SERVICES_CHAIN, MASQUERADING_CHAIN, MARK_MASQ_CHAIN, ENDPOINTS_CHECK_CHAIN, REJECT_CHAIN, ...chains])
    lines.push(`  chain ${c} {`, '  }');
  lines.push(
    `  set ${CLUSTER_IPS_SET} {`,
    '    type ipv4_addr',
    '  }',
    `  map ${SERVICE_IPS_MAP} {`,
    '    type ipv4_addr . inet_proto . inet_service : verdict',
    '  }',
    `  map ${SERVICE_NODEPORTS_MAP} {`,
    '    type inet_proto . inet_service : verdict',
    '  }',
    `  map ${NO_ENDPOINT_SERVICES_MAP} {`,
    '    type ipv4_addr . inet_proto . inet_service : verdict',
    '  }',
    `  map ${NO_ENDPOINT_NODEPORTS_MAP} {`,
    '    type inet_proto . inet_service : verdict',
    '  }',
    '}',
  );
  lines.push(...sets);
  lines.push(`table ${t} {`);
  for (const [c, body] of [...fixed, ...bodies]) {
    if (!body.length) continue;
    lines.push(`  chain ${c} {`, ...body.map((r) => `    ${r}`), '  }');
  }
  lines.push('}');
  const elementLines: string[] = [];
  const elements = (name: string, elems: string[]) => {
    // Bounded statements: one huge line is slow for nft's parser to report errors on.
    for (let i = 0; i < elems.length; i += 1000) elementLines.push(`add element ${t} ${name} { ${elems.slice(i, i + 1000).join(', ')} }`);
  };
  elements(CLUSTER_IPS_SET, [...clusterIPs]);
  elements(SERVICE_IPS_MAP, serviceIPs);
  elements(SERVICE_NODEPORTS_MAP, nodePorts);
  elements(NO_ENDPOINT_SERVICES_MAP, noEndpointServices);
  elements(NO_ENDPOINT_NODEPORTS_MAP, noEndpointNodePorts);
  lines.push(...elementLines);
  const chainBodies = new Map<string, string[]>();
  for (const [c, body] of [...fixed, ...bodies]) chainBodies.set(c, body);
  return {
    script: `${lines.join('\n')}\n`,
    table: cfg.table,
    affinitySets,
    endpoints: used,
    readyEndpointIPs,
    chains: chains.length,
    chainBodies,
    baseChains: new Set(BASE_CHAINS.map((b) => b.name)),
    affinityDecls,
    elementLines,
  };
}

/**
 * The transaction that turns the applied ruleset `prev` into `next` without rewriting what did
 * not change: kube-proxy's partial sync. The dispatch maps are flushed and refilled, changed
 * chains flushed and refilled, new chains and affinity sets added, and chains and sets nothing
 * refers to any more deleted last (whatever referred to them changed, so it was rewritten before).
 * Still one `nft -f`, so still atomic; at 10,000 endpoints it costs a fraction of a whole-table
 * rewrite (see NOTES.md). Affinity sets that stay keep their entries.
 */
export function partialScript(prev: Ruleset, next: Ruleset): string | undefined {
  const t = `ip ${next.table}`;
  // A set whose declaration changed (its timeout) is in use by rules that stay: write it all anew.
  for (const [name, decl] of next.affinityDecls)
    if (prev.affinityDecls.has(name) && prev.affinityDecls.get(name) !== decl) return undefined;
  if (prev.table !== next.table) return undefined;
  const lines: string[] = [];
  for (const m of [SERVICE_IPS_MAP, SERVICE_NODEPORTS_MAP, NO_ENDPOINT_SERVICES_MAP, NO_ENDPOINT_NODEPORTS_MAP])
    lines.push(`flush map ${t} ${m}`);
  lines.push(`flush set ${t} ${CLUSTER_IPS_SET}`);
  for (const [name, decl] of next.affinityDecls) if (!prev.affinityDecls.has(name)) lines.push(decl);
  const added: string[] = [];
  const changed: string[] = [];
  for (const [name, body] of next.chainBodies) {
    const old = prev.chainBodies.get(name);
    if (!old) added.push(name);
    else if (old.length !== body.length || old.some((r, i) => r !== body[i])) changed.push(name);
  }
  if (added.length) lines.push(`table ${t} {`, ...added.flatMap((c) => [`  chain ${c} {`, '  }']), '}');
  for (const c of changed) lines.push(`flush chain ${t} ${c}`);
  const fill = [...added, ...changed].filter((c) => next.chainBodies.get(c)!.length);
  if (fill.length)
    lines.push(`table ${t} {`, ...fill.flatMap((c) => [`  chain ${c} {`, ...next.chainBodies.get(c)!.map((r) => `    ${r}`), '  }']), '}');
  lines.push(...next.elementLines);
  const stale = [...prev.chainBodies.keys()].filter((c) => !next.chainBodies.has(c) && !prev.baseChains.has(c));
  // Emptied first, so that no stale chain still jumps to another when it is deleted.
  for (const c of stale) lines.push(`flush chain ${t} ${c}`);
  for (const c of stale) lines.push(`delete chain ${t} ${c}`);
  for (const name of prev.affinityDecls.keys()) if (!next.affinityDecls.has(name)) lines.push(`delete set ${t} ${name}`);
  return `${lines.join('\n')}\n`;
}

/** The script that removes the table (k8ts down), harmless when it is not there. */
export function deleteTableScript(table: string): string {
  return `add table ip ${table}\ndelete table ip ${table}\n`;
}
