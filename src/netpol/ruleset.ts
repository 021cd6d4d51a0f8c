// NetworkPolicy as nftables rules for the pods of one node (what Calico's or kube-router's
// policy agent computes per node): one table `ip k8ts-netpol-<bridge>`, written whole and
// replaced in one transaction. The semantics are the NetworkPolicy API's:
// - a pod is isolated for ingress (egress) when some policy of its namespace selects it and
//   lists Ingress (Egress) in policyTypes; a pod no policy isolates is not touched;
// - traffic is allowed when any rule of any policy selecting the pod allows it (a union);
//   an isolated pod with no matching rule gets nothing (default deny);
// - peers: podSelector (pods of the policy's namespace), namespaceSelector (all pods of the
//   matching namespaces), both (the pods matching both), ipBlock (cidr minus except);
//   an empty `from`/`to` allows every peer, empty `ports` every port;
// - ports: protocol and number, a range with endPort, a named port resolved against the
//   destination pod's container ports (for egress: against each peer pod's);
// - replies of allowed connections (ct established,related) always pass, and traffic from the
//   node itself to its pods (kubelet probes, the ingress controller) is never filtered: it
//   leaves through the output hook, which this table does not filter.
// Packet path: bridged pod traffic (br_netfilter) and routed traffic pass the forward hook, a
// pod's traffic to the node itself the input hook; both run the sender's egress chain, forward
// then the receiver's ingress chain. DNAT (the service proxy, priority -100) runs before, so
// the rules see pod addresses, as Kubernetes specifies.

import { objects as arr, isObject, type KObject, type Obj, str } from '../api/object.js';
import { selectorMatches } from '../api/validation/meta.js';

export const NETPOL_TABLE_PREFIX = 'k8ts-netpol-';

export interface PolicyView {
  node: string;
  policies: KObject[];
  pods: KObject[];
  namespaces: KObject[];
}

/** A pod that takes part in policy: it has an IP of its own (not hostNetwork) and is not finished. */
function podIP(pod: KObject): string | undefined {
  const spec = isObject(pod.spec) ? pod.spec : {};
  const status = isObject(pod.status) ? pod.status : {};
  if (spec.hostNetwork === true) return undefined;
  if (status.phase === 'Succeeded' || status.phase === 'Failed') return undefined;
  const ip = str(status.podIP);
  return /^\d+\.\d+\.\d+\.\d+$/.test(ip) ? ip : undefined;
}

/** The number of a pod's named container port for a protocol. */
function namedPort(pod: KObject, name: string, protocol: string): number | undefined {
  const spec = isObject(pod.spec) ? pod.spec : {};
  for (const c of [...arr(spec.initContainers), ...arr(spec.containers)]) {
    for (const p of arr(c.ports))
      if (p.name === name && (str(p.protocol) || 'TCP') === protocol && typeof p.containerPort === 'number') return p.containerPort;
  }
  return undefined;
}

const l4 = (protocol: string): string => protocol.toLowerCase();

/** One port clause of a rule against a given pod (the one whose named ports count); undefined: matches nothing. */
function portClause(port: Obj, namedFrom: KObject | undefined): string | undefined {
  const protocol = str(port.protocol) || 'TCP';
  if (port.port === undefined || port.port === null) return `meta l4proto ${l4(protocol)}`;
  if (typeof port.port === 'number') {
    const end = typeof port.endPort === 'number' && port.endPort > port.port ? `-${port.endPort}` : '';
    return `meta l4proto ${l4(protocol)} th dport ${port.port}${end}`;
  }
  const n = namedFrom ? namedPort(namedFrom, str(port.port), protocol) : undefined;
  return n === undefined ? undefined : `meta l4proto ${l4(protocol)} th dport ${n}`;
}

function set(items: string[]): string {
  return items.length === 1 ? items[0] : `{ ${items.join(', ')} }`;
}

export interface PeerMatch {
  /** Pods the peer selects (their IPs, with the pod for named ports). */
  pods: { ip: string; pod: KObject }[];
  /** ipBlock clauses: [cidr, except[]]. */
  blocks: { cidr: string; except: string[] }[];
  /** An empty from/to: everyone. */
  any: boolean;
}

/** Whom a rule's peers select. */
export function peersOf(peers: Obj[], policyNamespace: string, view: PolicyView): PeerMatch {
  if (peers.length === 0) return { pods: [], blocks: [], any: true };
  const nsLabels = new Map(view.namespaces.map((n) => [n.metadata.name ?? '', n.metadata.labels ?? {}]));
  const pods = new Map<string, KObject>();
  const blocks: { cidr: string; except: string[] }[] = [];
  for (const peer of peers) {
    if (isObject(peer.ipBlock)) {
      const cidr = str(peer.ipBlock.cidr);
      if (cidr.includes(':')) continue; // IPv6: the pod network is IPv4 only
      blocks.push({
        cidr,
        except: (Array.isArray(peer.ipBlock.except) ? peer.ipBlock.except : []).map(str).filter((e) => e && !e.includes(':')),
      });
      continue;
    }
    const hasPod = isObject(peer.podSelector);
    const hasNs = isObject(peer.namespaceSelector);
    for (const pod of view.pods) {
      const ip = podIP(pod);
      if (!ip) continue;
      const ns = pod.metadata.namespace ?? '';
      const nsOk = hasNs ? selectorMatches(peer.namespaceSelector, nsLabels.get(ns)) : ns === policyNamespace;
      if (!nsOk) continue;
      if (hasPod && !selectorMatches(peer.podSelector, pod.metadata.labels)) continue;
      pods.set(ip, pod);
    }
  }
  return { pods: [...pods].map(([ip, pod]) => ({ ip, pod })), blocks, any: false };
}

/** The accept rules of one policy rule for a local pod, `dir` = the peer's side (saddr for ingress, daddr for egress). */
function ruleLines(
  rule: Obj,
  peersField: 'from' | 'to',
  policyNamespace: string,
  local: KObject,
  view: PolicyView,
  verdict: string,
): string[] {
  const dir = peersField === 'from' ? 'saddr' : 'daddr';
  const ports = arr(rule.ports);
  const peers = peersOf(arr(rule[peersField]), policyNamespace, view);
  const out: string[] = [];
  const emit = (peerClause: string, namedFrom: KObject | undefined) => {
    if (ports.length === 0) {
      out.push(`${peerClause}${peerClause ? ' ' : ''}${verdict}`);
      return;
    }
    for (const p of ports) {
      const pc = portClause(p, namedFrom);
      if (pc) out.push(`${peerClause}${peerClause ? ' ' : ''}${pc} ${verdict}`);
    }
  };
  // Named ports are the destination pod's: the local pod for ingress, each peer for egress.
  const egressNamed = peersField === 'to' && ports.some((p) => typeof p.port === 'string');
  if (peers.any) {
    if (!egressNamed) emit('', local);
    else
      for (const pod of view.pods) {
        const ip = podIP(pod);
        if (ip) emit(`ip daddr ${ip}`, pod);
      }
    return out;
  }
  if (peers.pods.length > 0) {
    if (egressNamed) for (const { ip, pod } of peers.pods) emit(`ip ${dir} ${ip}`, pod);
    else emit(`ip ${dir} ${set(peers.pods.map((p) => p.ip).sort())}`, local);
  }
  for (const b of peers.blocks) {
    const except = b.except.length ? ` ip ${dir} != ${set(b.except)}` : '';
    if (!egressNamed) emit(`ip ${dir} ${b.cidr}${except}`, local);
    else
      for (const pod of view.pods) {
        const ip = podIP(pod);
        if (ip) emit(`ip ${dir} ${b.cidr}${except} ip daddr ${ip}`, pod);
      }
  }
  return out;
}

function policyTypes(np: KObject): string[] {
  const spec = isObject(np.spec) ? np.spec : {};
  const t = Array.isArray(spec.policyTypes) ? spec.policyTypes.map(str) : [];
  if (t.length > 0) return t;
  return arr(spec.egress).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

export interface NetpolRuleset {
  script: string;
  /** Local pods isolated for ingress / egress (tests, logs). */
  ingressIsolated: string[];
  egressIsolated: string[];
}

/** The table's whole content for this node's pods, and the transaction that replaces it. */
export function buildNetpolRuleset(table: string, view: PolicyView): NetpolRuleset {
  const chains: string[] = [];
  const ingressMap: string[] = [];
  const egressMap: string[] = [];
  const local = view.pods.filter((p) => isObject(p.spec) && p.spec.nodeName === view.node && podIP(p));
  local.sort((a, b) => (podIP(a) ?? '').localeCompare(podIP(b) ?? ''));
  let n = 0;
  const seen = new Set<string>();
  for (const pod of local) {
    const ip = podIP(pod)!;
    if (seen.has(ip)) continue;
    seen.add(ip);
    const ns = pod.metadata.namespace ?? '';
    const selecting = view.policies.filter(
      (np) => np.metadata.namespace === ns && selectorMatches(isObject(np.spec) ? (np.spec.podSelector ?? {}) : {}, pod.metadata.labels),
    );
    for (const [type, rulesField, peersField, map, verdict] of [
      ['Ingress', 'ingress', 'from', ingressMap, 'accept'],
      ['Egress', 'egress', 'to', egressMap, 'return'],
    ] as const) {
      const policies = selecting.filter((np) => policyTypes(np).includes(type));
      if (policies.length === 0) continue;
      const name = `${type === 'Ingress' ? 'ing' : 'egr'}-${n++}`;
      const lines: string[] = [`# ${ns}/${pod.metadata.name}: ${policies.map((p) => p.metadata.name).join(', ')}`];
      for (const np of policies) {
        for (const rule of arr(isObject(np.spec) ? np.spec[rulesField] : undefined))
          lines.push(...ruleLines(rule, peersField, np.metadata.namespace ?? '', pod, view, verdict));
      }
      lines.push('drop');
      chains.push(`  chain ${name} {`, ...lines.map((l) => `    ${l}`), '  }');
      map.push(`${ip} : jump ${name}`);
    }
  }
  const body: string[] = [
    '  chain forward {',
    '    type filter hook forward priority 0; policy accept;',
    '    ct state established,related accept',
    ...(egressMap.length ? [`    ip saddr vmap { ${egressMap.join(', ')} }`] : []),
    ...(ingressMap.length ? [`    ip daddr vmap { ${ingressMap.join(', ')} }`] : []),
    '  }',
    '  chain input {',
    '    type filter hook input priority 0; policy accept;',
    '    ct state established,related accept',
    ...(egressMap.length ? [`    ip saddr vmap { ${egressMap.join(', ')} }`] : []),
    '  }',
    ...chains,
  ];
  const script = `add table ip ${table}\ndelete table ip ${table}\ntable ip ${table} {\n${body.join('\n')}\n}\n`;
  return {
    script,
    ingressIsolated: ingressMap.map((m) => m.split(' ')[0]),
    egressIsolated: egressMap.map((m) => m.split(' ')[0]),
  };
}
