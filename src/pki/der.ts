// The DER (X.690) that certs.ts writes an X.509 certificate with, and reads back the few fields it
// needs from one (a CA's subject, a key's bits): definite lengths, the primitives a certificate
// holds, nothing else. Written by hand (#13): a schema library's objects cost a new cluster's
// start 5-15 ms a certificate and ~25 ms of module loading before the first, ten of them on the
// way to ready; this costs well under a millisecond. What it writes is checked against the
// library's encoding of the same certificate (der.test.ts).

import { isIPv4, isIPv6 } from 'node:net';

/** A length, short form below 128, else long form (the fewest bytes). */
function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV: tag, length, contents. */
export function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), lengthBytes(body.length), body]);
}

export const sequence = (...items: Buffer[]): Buffer => tlv(0x30, ...items);
/** A SET of one element (DER sorts a SET OF's elements by encoding: one needs no sorting). */
export const setOfOne = (item: Buffer): Buffer => tlv(0x31, item);
/** [n] EXPLICIT: a constructed context tag around an encoding. */
export const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);
/** [n] IMPLICIT of a primitive: its contents under a context tag. */
export const implicitPrimitive = (n: number, contents: Buffer): Buffer => tlv(0x80 | n, contents);
export const octetString = (b: Buffer): Buffer => tlv(0x04, b);
export const utf8String = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
export const booleanTrue = (): Buffer => Buffer.from([0x01, 0x01, 0xff]);
export const nullValue = (): Buffer => Buffer.from([0x05, 0x00]);
/** A BIT STRING of whole bytes. */
export const bitString = (b: Buffer): Buffer => tlv(0x03, Buffer.from([0]), b);

/** A non-negative INTEGER from its big-endian magnitude: leading zeros dropped, one added where the top bit is set. */
export function integer(magnitude: Buffer): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const b = magnitude.length ? magnitude.subarray(i) : Buffer.from([0]);
  return tlv(0x02, b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

/** An OBJECT IDENTIFIER from its dotted form. */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => {
    if (!/^\d+$/.test(a)) throw new Error(`bad object identifier ${dotted}`);
    return Number(a);
  });
  if (arcs.length < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39)) throw new Error(`bad object identifier ${dotted}`);
  const out: number[] = [];
  const base128 = (v: number) => {
    const groups: number[] = [v & 0x7f];
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) groups.unshift((x & 0x7f) | 0x80);
    out.push(...groups);
  };
  base128(arcs[0] * 40 + arcs[1]);
  for (const a of arcs.slice(2)) base128(a);
  return tlv(0x06, Buffer.from(out));
}

/**
 * A named-bit BIT STRING (KeyUsage): bit 0 is the first byte's top bit; trailing zero bits are
 * left out, as DER requires, and counted in the unused-bits byte.
 */
export function namedBits(bits: number[]): Buffer {
  const top = Math.max(-1, ...bits);
  if (top < 0) return tlv(0x03, Buffer.from([0]));
  const bytes = Buffer.alloc((top >> 3) + 1);
  for (const b of bits) bytes[b >> 3] |= 0x80 >> (b & 7);
  return tlv(0x03, Buffer.from([7 - (top & 7)]), bytes);
}

const two = (n: number) => String(n).padStart(2, '0');

/** X.509's Time (RFC 5280 4.1.2.5): UTCTime through 2049, GeneralizedTime after; whole seconds, Z. */
export function time(d: Date): Buffer {
  const y = d.getUTCFullYear();
  const rest = `${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`;
  return y > 2049
    ? tlv(0x18, Buffer.from(`${String(y).padStart(4, '0')}${rest}`, 'ascii'))
    : tlv(0x17, Buffer.from(`${two(y % 100)}${rest}`, 'ascii'));
}

/** An IP address's bytes (iPAddress of a subjectAltName): 4 for IPv4, 16 for IPv6. */
export function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) throw new Error(`invalid IP address ${ip}`);
  let text = ip.replace(/%.*$/, '');
  // An IPv4 tail (::ffff:1.2.3.4) as two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1].split('.').map(Number);
    text = `${text.slice(0, -v4[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  for (const [i, g] of all.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return out;
}

/** One element read: its tag, and where its contents and the whole of it end. */
export interface Element {
  tag: number;
  /** Offset of the contents. */
  start: number;
  /** Offset just past the element. */
  end: number;
  /** Offset of the tag (the element's first byte). */
  at: number;
}

/** The element at `at` of der (definite lengths only, as DER has). */
export function readElement(der: Buffer, at: number): Element {
  if (at + 2 > der.length) throw new Error('DER: truncated');
  const tag = der[at];
  let len = der[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > der.length) throw new Error('DER: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i];
    start += n;
  }
  const end = start + len;
  if (end > der.length) throw new Error('DER: truncated');
  return { tag, start, end, at };
}

/** The elements inside a constructed element, in order. */
export function children(der: Buffer, parent: Element): Element[] {
  const out: Element[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const e = readElement(der, at);
    out.push(e);
    at = e.end;
  }
  return out;
}

/** A certificate's subject Name, byte for byte (what a certificate it issues names as its issuer). */
export function certificateSubject(certDER: Buffer): Buffer {
  const cert = readElement(certDER, 0);
  const tbs = children(certDER, cert)[0];
  const fields = children(certDER, tbs);
  // [0] version is optional (v1 has none): serial, signature, issuer, validity, subject follow it.
  const first = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[first + 4];
  if (subject?.tag !== 0x30) throw new Error('not an X.509 certificate');
  return certDER.subarray(subject.at, subject.end);
}

/** The subjectPublicKey bits of a SubjectPublicKeyInfo (without the BIT STRING's unused-bits byte). */
export function subjectPublicKeyBits(spkiDER: Buffer): Buffer {
  const spki = readElement(spkiDER, 0);
  const bits = children(spkiDER, spki)[1];
  if (bits?.tag !== 0x03) throw new Error('not a SubjectPublicKeyInfo');
  return spkiDER.subarray(bits.start + 1, bits.end);
}
