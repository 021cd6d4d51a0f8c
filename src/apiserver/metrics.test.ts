// The request metrics, counted per label set by the API server itself, read exactly as
// prom-client's Counter and Histogram fed the same requests read: the same lines in the
// registry's text format, each request counted once however often the metrics are read.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import client from 'prom-client';
import { registry } from '../metrics/legacyregistry.js';
import { DURATION_BUCKETS, observeRequest, type RequestLabels, requestDuration, requestTotal, seriesFor } from './metrics.js';

const LABEL_NAMES = ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'];

test("the request metrics read as prom-client's Counter and Histogram fed the same requests", async () => {
  const own = new client.Registry();
  const counter = new client.Counter({
    name: 'apiserver_request_total',
    help: (requestTotal as unknown as { help: string }).help,
    labelNames: [...LABEL_NAMES, 'code'],
    registers: [own],
  });
  const histogram = new client.Histogram({
    name: 'apiserver_request_duration_seconds',
    help: requestDuration.help,
    labelNames: LABEL_NAMES,
    buckets: DURATION_BUCKETS,
    registers: [own],
  });
  const labels = (verb: string, dryRun: string, subresource: string): RequestLabels => ({
    verb,
    dry_run: dryRun,
    group: 'example.com',
    version: 'v1',
    resource: 'metricstestwidgets',
    subresource,
    scope: 'namespace',
    component: 'apiserver',
  });
  const requests: [RequestLabels, number, number][] = [
    [labels('POST', '', ''), 201, 0.001],
    [labels('POST', '', ''), 201, 0.005],
    [labels('POST', '', ''), 409, 0.0051],
    [labels('POST', 'All', ''), 201, 0.3],
    [labels('PATCH', '', 'status'), 200, 61],
    [labels('PATCH', '', 'status'), 200, 2],
    [labels('PATCH', '', 'status'), 422, 1.25],
    // Label sets whose values joined with a space would read alike stay apart.
    [{ ...labels('GET', 'x', ''), group: 'y z' }, 404, 0.01],
    [{ ...labels('GET', 'x y', ''), group: 'z' }, 404, 0.02],
    // Every label names its series, component too.
    [{ ...labels('POST', '', ''), component: 'other' }, 201, 0.002],
  ];
  const ours = (name: string) => registry.getSingleMetricAsString(name);
  const theirs = (name: string) => own.getSingleMetricAsString(name);
  const mine = (text: string) => text.split('\n').filter((l) => l.startsWith('#') || l.includes('metricstestwidgets'));
  for (let round = 0; round < 2; round++) {
    for (const [l, code, seconds] of requests) {
      observeRequest(seriesFor({ ...l }), code, seconds);
      counter.inc({ ...l, code: String(code) });
      histogram.observe(l, seconds);
    }
    for (const name of ['apiserver_request_total', 'apiserver_request_duration_seconds']) {
      const want = mine(await theirs(name));
      assert.ok(want.length > 3, `${name}: lines to compare`);
      assert.deepEqual(mine(await ours(name)), want, name);
      // A second read counts nothing twice.
      assert.deepEqual(mine(await ours(name)), want, `${name}, read again`);
    }
  }
  // The values as get() gives them (the labels of a bucket line together).
  const sum = (await requestDuration.get()).values.find(
    (v) =>
      v.metricName === 'apiserver_request_duration_seconds_sum' && v.labels.resource === 'metricstestwidgets' && v.labels.verb === 'PATCH',
  );
  assert.equal(sum?.value, 2 * (61 + 2 + 1.25));
});
