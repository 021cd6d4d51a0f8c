// The ParameterCodec's readings of query parameters, as apimachinery's conversion.go and
// strconv define them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusError } from './errors.js';
import {
  boolParam,
  deleteQuery,
  goParseBool,
  goParseInt,
  goQuote,
  int64Param,
  listQuery,
  podExecQuery,
  podLogQuery,
  portsParam,
  prettyParam,
  timeParam,
} from './queryparams.js';

const q = (s: string) => new URLSearchParams(s);
const status = (fn: () => unknown): { code: number; message: string } => {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('no error thrown');
};

test('booleans: false only for absent, "0" and any case of "false"; anything else is true', () => {
  for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True', '', 'yes', 'f', 'F', 'on'])
    assert.equal(boolParam(q(`watch=${v}`), 'watch'), true, v);
  for (const v of ['0', 'false', 'False', 'FALSE', 'fAlSe']) assert.equal(boolParam(q(`watch=${v}`), 'watch'), false, v);
  assert.equal(boolParam(q(''), 'watch'), undefined);
  // The first value counts, as url.Values.Get reads it.
  assert.equal(boolParam(q('watch=false&watch=true'), 'watch'), false);
});

test('strconv.ParseBool (pretty) and the browsers that get pretty output unasked', () => {
  for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(goParseBool(v), true);
  for (const v of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(goParseBool(v), false);
  for (const v of ['', 'tRUE', 'yes', ' 1']) assert.equal(goParseBool(v), undefined);
  assert.equal(prettyParam(q('pretty=True'), 'Python-urllib'), true);
  assert.equal(prettyParam(q('pretty=yes'), 'curl/8'), false);
  assert.equal(prettyParam(q(''), 'curl/8.1'), true);
  assert.equal(prettyParam(q('pretty='), 'Wget/1.2'), true);
  assert.equal(prettyParam(q(''), 'kubectl/v1.32'), false);
});

test("integers: strconv.ParseInt(s, 10, 64), else 400 with Go's message", () => {
  assert.equal(int64Param(q('limit=500'), 'limit'), 500);
  assert.equal(int64Param(q('limit=%2B7'), 'limit'), 7);
  assert.equal(int64Param(q('timeoutSeconds=-3'), 'timeoutSeconds'), -3);
  assert.equal(int64Param(q('limit=007'), 'limit'), 7);
  assert.equal(int64Param(q(''), 'limit'), undefined);
  for (const [v, why] of [
    ['abc', 'invalid syntax'],
    ['', 'invalid syntax'],
    ['1.5', 'invalid syntax'],
    ['1_000', 'invalid syntax'],
    ['9223372036854775808', 'value out of range'],
  ]) {
    assert.deepEqual(
      status(() => int64Param(q(`limit=${v}`), 'limit')),
      { code: 400, message: `strconv.ParseInt: parsing "${v}": ${why}` },
      v,
    );
  }
  assert.equal(goParseInt('-9223372036854775808'), -(2 ** 63));
  assert.throws(() => goParseInt('65536', 16, true), /strconv\.ParseUint: parsing "65536": value out of range/);
  assert.throws(() => goParseInt('-1', 16, true), /strconv\.ParseUint: parsing "-1": invalid syntax/);
});

test('Go quoting in messages', () => {
  assert.equal(goQuote('a"b\\c\n\x01\x7fé'), '"a\\"b\\\\c\\n\\x01\\x7fé"');
});

test('ListOptions: watch, bookmarks, sendInitialEvents (a *bool), timeoutSeconds, limit', () => {
  assert.deepEqual(listQuery(q('watch=True&allowWatchBookmarks=True&timeoutSeconds=5&limit=10')), {
    watch: true,
    allowWatchBookmarks: true,
    sendInitialEvents: undefined,
    timeoutSeconds: 5,
    limit: 10,
  });
  assert.deepEqual(listQuery(q('watch=False&sendInitialEvents=false')), {
    watch: false,
    allowWatchBookmarks: false,
    sendInitialEvents: false,
    timeoutSeconds: undefined,
    limit: undefined,
  });
  assert.throws(() => listQuery(q('watch=1&timeoutSeconds=soon')), /strconv\.ParseInt: parsing "soon": invalid syntax/);
});

test('DeleteOptions from the query', () => {
  assert.deepEqual(deleteQuery(q('gracePeriodSeconds=0&orphanDependents=False&propagationPolicy=Foreground&dryRun=All')), {
    gracePeriodSeconds: 0,
    orphanDependents: false,
    propagationPolicy: 'Foreground',
    dryRun: ['All'],
  });
  assert.deepEqual(
    status(() => deleteQuery(q('gracePeriodSeconds=now'))),
    { code: 400, message: 'strconv.ParseInt: parsing "now": invalid syntax' },
  );
});

test("PodLogOptions: Python's and client-node's spellings, validation as kube-apiserver words it", () => {
  assert.deepEqual(podLogQuery(q('container=app&follow=True&pretty=false&previous=false&timestamps=false&tailLines=3')), {
    container: 'app',
    follow: true,
    previous: false,
    timestamps: false,
    sinceSeconds: undefined,
    sinceTime: undefined,
    tailLines: 3,
    limitBytes: undefined,
  });
  assert.equal(podLogQuery(q('sinceTime=2024-01-01T00:00:00Z')).sinceTime, Date.parse('2024-01-01T00:00:00Z'));
  for (const [query, problem] of [
    ['tailLines=-1', 'tailLines: Invalid value: -1: must be greater than or equal to 0'],
    ['limitBytes=0', 'limitBytes: Invalid value: 0: must be greater than 0'],
    ['sinceSeconds=0', 'sinceSeconds: Invalid value: 0: must be greater than 0'],
    ['sinceSeconds=1&sinceTime=2024-01-01T00:00:00Z', ': Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified'],
  ]) {
    assert.deepEqual(
      status(() => podLogQuery(q(query), 'web')),
      { code: 422, message: `PodLogOptions "web" is invalid: ${problem}` },
      query,
    );
  }
  assert.deepEqual(
    status(() => podLogQuery(q('tailLines=ten'))),
    { code: 400, message: 'strconv.ParseInt: parsing "ten": invalid syntax' },
  );
  assert.equal(status(() => timeParam(q('sinceTime=yesterday'), 'sinceTime')).code, 400);
});

test('PodExecOptions and the ports of PodPortForwardOptions', () => {
  assert.deepEqual(podExecQuery(q('command=sh&command=-c&command=echo%20hi&stdout=True&stderr=True&stdin=False&tty=False&container=c')), {
    container: 'c',
    stdin: false,
    stdout: true,
    stderr: true,
    tty: false,
    command: ['sh', '-c', 'echo hi'],
  });
  assert.deepEqual(portsParam(q('ports=80,8080&ports=9090')), [80, 8080, 9090]);
  for (const [v, why] of [
    ['http', 'invalid syntax'],
    ['70000', 'value out of range'],
  ]) {
    assert.deepEqual(
      status(() => portsParam(q(`ports=${v}`))),
      { code: 400, message: `cannot convert to []int32: strconv.ParseUint: parsing "${v}": ${why}` },
      v,
    );
  }
});
