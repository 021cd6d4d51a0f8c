// Lease (coordination.k8s.io) and EndpointSlice (discovery.k8s.io) validation, after
// pkg/apis/coordination/validation and pkg/apis/discovery/validation.

import { type KObject, objectsAt as list, obj, text as str } from '../object.js';
import { nonSpecialIP } from './core.js';
import { child, duplicate, type FieldError, forbidden, index, invalid, notSupported, required } from './field.js';
import { fieldImmutableErrorMsg, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isDNS1123Label, isDNS1123Subdomain, isIPv4, isIPv6, isQualifiedName, nameIsDNSSubdomain } from './names.js';

function validateLeaseSpec(lease: KObject): FieldError[] {
  const spec = obj(lease.spec);
  const errs: FieldError[] = [];
  if (typeof spec.leaseDurationSeconds === 'number' && spec.leaseDurationSeconds <= 0) {
    errs.push(invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (typeof spec.leaseTransitions === 'number' && spec.leaseTransitions < 0) {
    errs.push(invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  }
  if (spec.preferredHolder && !spec.strategy)
    errs.push(forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  return errs;
}

export const validateLeaseCreate = (l: KObject): FieldError[] => [
  ...validateObjectMeta(l, true, nameIsDNSSubdomain),
  ...validateLeaseSpec(l),
];
export const validateLeaseUpdate = (l: KObject, old: KObject): FieldError[] => [
  ...validateObjectMetaUpdate(l, old),
  ...validateLeaseSpec(l),
];

const supportedAddressTypes = ['FQDN', 'IPv4', 'IPv6'];

function tooMany(path: string, actual: number, max: number): FieldError {
  return { type: 'FieldValueTooMany', field: path, detail: `${actual}: must have at most ${max} items` };
}

function validateEndpointSlice(es: KObject): FieldError[] {
  const errs = validateObjectMeta(es, true, nameIsDNSSubdomain);
  const addressType = str(es.addressType);
  if (!addressType) errs.push(required('addressType'));
  else if (!supportedAddressTypes.includes(addressType)) errs.push(notSupported('addressType', addressType, supportedAddressTypes));
  const endpoints = list(es.endpoints);
  if (endpoints.length > 1000) errs.push(tooMany('endpoints', endpoints.length, 1000));
  endpoints.forEach((ep, i) => {
    const p = index('endpoints', i);
    const ap = child(p, 'addresses');
    const addrs = Array.isArray(ep.addresses) ? ep.addresses.map(str) : [];
    if (addrs.length === 0) errs.push(required(ap, 'must contain at least 1 address'));
    else if (addrs.length > 100) errs.push(tooMany(ap, addrs.length, 100));
    addrs.forEach((a, j) => {
      const ip = index(ap, j);
      if (addressType === 'IPv4') {
        if (!isIPv4(a)) errs.push(invalid(ip, a, 'must be a valid IPv4 address'));
        else errs.push(...nonSpecialIP(a, ip));
      } else if (addressType === 'IPv6') {
        if (!isIPv6(a)) errs.push(invalid(ip, a, 'must be a valid IPv6 address'));
        else errs.push(...nonSpecialIP(a, ip));
      } else if (addressType === 'FQDN') {
        const name = a.replace(/\.$/, '');
        const msgs = isDNS1123Subdomain(name);
        if (msgs.length > 0) errs.push(invalid(ip, name, msgs.join(',')));
        else if (name.split('.').length < 2)
          errs.push(invalid(ip, name, 'should be a domain with at least two segments separated by dots'));
      }
    });
    if (ep.nodeName !== undefined && ep.nodeName !== null) {
      errs.push(...nameIsDNSSubdomain(str(ep.nodeName), false).map((m) => invalid(child(p, 'nodeName'), str(ep.nodeName), m)));
    }
    if (ep.hostname !== undefined && ep.hostname !== null) {
      errs.push(...isDNS1123Label(str(ep.hostname)).map((m) => invalid(child(p, 'hostname'), str(ep.hostname), m)));
    }
  });
  const ports = list(es.ports);
  if (ports.length > 100) errs.push(tooMany('ports', ports.length, 100));
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = index('ports', i);
    const name = str(port.name);
    if (name) errs.push(...isDNS1123Label(name).map((m) => invalid(child(p, 'name'), name, m)));
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else names.add(name);
    if (port.protocol === undefined || port.protocol === null) errs.push(required(child(p, 'protocol')));
    else if (!['SCTP', 'TCP', 'UDP'].includes(str(port.protocol)))
      errs.push(notSupported(child(p, 'protocol'), port.protocol, ['SCTP', 'TCP', 'UDP']));
    if (port.appProtocol !== undefined && port.appProtocol !== null) {
      errs.push(...isQualifiedName(str(port.appProtocol)).map((m) => invalid(child(p, 'appProtocol'), str(port.appProtocol), m)));
    }
  });
  return errs;
}

export const validateEndpointSliceCreate = validateEndpointSlice;

export function validateEndpointSliceUpdate(es: KObject, old: KObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(es, old), ...validateEndpointSlice(es)];
  if (str(es.addressType) !== str(old.addressType)) errs.push(invalid('addressType', str(es.addressType), fieldImmutableErrorMsg));
  return errs;
}
