// The answer cache on a clock of its own: TTLs counted down and capped, expiry, denials by
// their SOA, what is never kept, the bound on entries.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import dnsPacket, { type Answer } from 'dns-packet';
import { AnswerCache } from './cache.js';

function reply(name: string, rcode: number, answers: Answer[], authorities: Answer[] = [], flags = 0): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id: 1,
    flags: dnsPacket.RECURSION_AVAILABLE | flags | rcode,
    questions: [{ type: 'A', name }],
    answers,
    authorities,
  });
}
const soa = (ttl: number, minimum: number): Answer => ({
  type: 'SOA',
  name: 'example.org',
  ttl,
  data: { mname: 'ns.example.org', rname: 'h.example.org', serial: 1, refresh: 1, retry: 1, expire: 1, minimum },
});
const key = (name: string) =>
  AnswerCache.key(dnsPacket.decode(dnsPacket.encode({ type: 'query', id: 2, questions: [{ type: 'A', name }] })))!;

test('positive answers: kept for their smallest TTL at most 30 s, counted down, gone after', () => {
  let now = 1_000_000;
  const c = new AnswerCache({ now: () => now });
  c.put(
    key('a.example.org'),
    reply('a.example.org', 0, [
      { type: 'A', name: 'a.example.org', ttl: 300, data: '192.0.2.1' },
      { type: 'A', name: 'a.example.org', ttl: 120, data: '192.0.2.2' },
    ]),
  );
  assert.deepEqual(
    c.get(key('A.EXAMPLE.ORG'), 'A.Example.org')?.answers.map((a) => [a.name, (a as { ttl: number }).ttl]),
    [
      ['A.Example.org', 30],
      ['A.Example.org', 30],
    ],
  );
  now += 20_000;
  assert.deepEqual(
    c.get(key('a.example.org'), 'a.example.org')?.answers.map((a) => (a as { ttl: number }).ttl),
    [10, 10],
  );
  now += 10_001;
  assert.equal(c.get(key('a.example.org'), 'a.example.org'), undefined);
  assert.equal(c.size, 0);
  // A short TTL is kept as is.
  c.put(key('b.example.org'), reply('b.example.org', 0, [{ type: 'A', name: 'b.example.org', ttl: 4, data: '192.0.2.3' }]));
  now += 4_001;
  assert.equal(c.get(key('b.example.org'), 'b.example.org'), undefined);
});

test('denials last as their SOA says; errors, truncated answers and denials without a SOA are not kept', () => {
  let now = 0;
  const c = new AnswerCache({ now: () => now });
  c.put(key('nx.example.org'), reply('nx.example.org', 3, [], [soa(3600, 10)]));
  assert.equal(c.get(key('nx.example.org'), 'nx.example.org')?.rcode, 3);
  now += 10_001;
  assert.equal(c.get(key('nx.example.org'), 'nx.example.org'), undefined);
  c.put(key('nodata.example.org'), reply('nodata.example.org', 0, [], [soa(5, 600)]));
  assert.equal(c.get(key('nodata.example.org'), 'nodata.example.org')?.authorities.length, 1);
  c.put(key('fail.example.org'), reply('fail.example.org', 2, []));
  c.put(key('nosoa.example.org'), reply('nosoa.example.org', 3, []));
  c.put(
    key('tc.example.org'),
    reply('tc.example.org', 0, [{ type: 'A', name: 'tc.example.org', ttl: 60, data: '192.0.2.4' }], [], dnsPacket.TRUNCATED_RESPONSE),
  );
  c.put(key('junk.example.org'), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]));
  for (const n of ['fail', 'nosoa', 'tc', 'junk']) assert.equal(c.get(key(`${n}.example.org`), `${n}.example.org`), undefined, n);
});

test('the cache holds at most its capacity, the oldest going first', () => {
  const c = new AnswerCache({ capacity: 3 });
  for (const n of ['a', 'b', 'c', 'd'])
    c.put(key(`${n}.example.org`), reply(`${n}.example.org`, 0, [{ type: 'A', name: `${n}.example.org`, ttl: 60, data: '192.0.2.9' }]));
  assert.equal(c.size, 3);
  assert.equal(c.get(key('a.example.org'), 'a.example.org'), undefined);
  assert.ok(c.get(key('d.example.org'), 'd.example.org'));
});
