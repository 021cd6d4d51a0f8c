// The CSR approver, as kube-controller-manager's csrapproving (pkg/controller/certificates/
// approver/sarapprove.go): a kube-apiserver-client-kubelet request shaped as a node's client
// certificate (system:node:NAME, O=system:nodes, client auth, no names) is approved when a
// SubjectAccessReview says its requester may create certificatesigningrequests/selfnodeclient
// (a node renewing its own) or /nodeclient (a bootstrap token, per kubeadm's
// kubeadm:node-autoapprove-bootstrap). Anything else is left for a person (`kubectl certificate
// approve`).
//
// Beyond kube-controller-manager: kubelet-serving requests are approved here too, but only
// when the requester is the very node named in the request and every DNS name and IP it asks for
// is one of that Node's status.addresses. kubeadm leaves these to the administrator (or to a
// third-party approver such as kubelet-csr-approver), because the API server cannot otherwise
// tell a node's real addresses from ones it claims; k8ts needs every node's serving certificate
// for TLS to the node's streaming server, and the Node's addresses are the ones the API server
// dials (which NodeRestriction lets only that node write), so approving exactly those names
// gives a node nothing it could not already make the API server dial.
//
// And, as k3s' server hands each agent the certificates of its kube-proxy and its own
// controllers: a node (system:node:NAME, authenticated by its client certificate) gets
// kube-apiserver-client certificates for exactly two subjects, system:kube-proxy (kube-proxy's
// identity, the system:node-proxier role) and system:k8ts:node-addons:NAME in group
// system:k8ts:node-addons (its DNS, ingress, NetworkPolicy and local-path parts; see
// authz/rbac/k8tspolicy.ts), with client auth only and no subjectAltNames.

import type { KObject } from '../api/object.js';
import { NODES } from '../api/types.js';
import { KUBE_APISERVER_CLIENT_SIGNER, KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER } from '../api/validation/certificates.js';
import type { Informer, SharedInformerFactory } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { CertificateController } from './certificatecontroller.js';
import {
  csrConditions,
  csrRequest,
  csrSpec,
  hasCondition,
  kubeletClientProblem,
  kubeletServingProblem,
  nodeComponentProblem,
  now,
  requestingNode,
} from './csrutil.js';

export class CSRApprovingController extends CertificateController {
  private readonly nodes: Informer;

  constructor(client: RestClient, factory: SharedInformerFactory, log?: (m: string) => void) {
    super('csrapproving', client, factory, log);
    this.nodes = factory.informerFor(NODES);
  }

  protected async handle(csr: KObject): Promise<void> {
    if (hasCondition(csr, 'Approved') || hasCondition(csr, 'Denied')) return;
    const req = csrRequest(csr);
    if (!req) return;
    const spec = csrSpec(csr);
    const usages = spec.usages ?? [];
    if (spec.signerName === KUBELET_CLIENT_SIGNER) {
      if (kubeletClientProblem(req.parsed, usages)) return;
      const self = spec.username === req.parsed.commonName;
      // isSelfNodeClientCert first, then isNodeClientCert, as the recognizers are ordered.
      if (self && (await this.allowed(csr, 'selfnodeclient')))
        return this.approve(csr, 'Auto approving self kubelet client certificate after SubjectAccessReview.');
      if (await this.allowed(csr, 'nodeclient'))
        return this.approve(csr, 'Auto approving kubelet client certificate after SubjectAccessReview.');
      return;
    }
    if (spec.signerName === KUBE_APISERVER_CLIENT_SIGNER) {
      const node = requestingNode(spec);
      if (!node || nodeComponentProblem(req.parsed, usages, node)) return;
      return this.approve(csr, `Auto approving the client certificate of ${req.parsed.commonName} for node ${node}.`);
    }
    if (spec.signerName === KUBELET_SERVING_SIGNER) {
      if (kubeletServingProblem(req.parsed, usages) || spec.username !== req.parsed.commonName) return;
      if (!(spec.groups ?? []).includes('system:nodes')) return;
      const node = this.nodes.get(req.parsed.commonName.slice('system:node:'.length)) as
        | (KObject & { status?: { addresses?: { type: string; address: string }[] } })
        | undefined;
      if (!node) return;
      const addrs = node.status?.addresses ?? [];
      const ips = addrs.filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address);
      const dns = addrs.filter((a) => a.type === 'Hostname' || a.type === 'InternalDNS' || a.type === 'ExternalDNS').map((a) => a.address);
      if (!req.parsed.ipAddresses.every((ip) => ips.includes(ip)) || !req.parsed.dnsNames.every((d) => dns.includes(d))) return;
      return this.approve(csr, "Auto approving kubelet serving certificate: the node asked for its own name and its Node's addresses.");
    }
  }

  /** A SubjectAccessReview for the requester: create certificatesigningrequests/<sub>. */
  private async allowed(csr: KObject, sub: string): Promise<boolean> {
    const spec = csrSpec(csr);
    const sar = await this.client.create<KObject & { status?: { allowed?: boolean } }>(
      { group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews' },
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        metadata: {},
        spec: {
          user: spec.username,
          uid: spec.uid,
          groups: spec.groups,
          resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', subresource: sub, verb: 'create' },
        },
      },
    );
    return sar.status?.allowed === true;
  }

  private async approve(csr: KObject, message: string): Promise<void> {
    const next = structuredClone(csr);
    next.status = {
      ...((next.status as object) ?? {}),
      conditions: [...csrConditions(csr), { type: 'Approved', status: 'True', reason: 'AutoApproved', message, lastUpdateTime: now() }],
    };
    await this.writeSubresource('approval', next);
  }
}
