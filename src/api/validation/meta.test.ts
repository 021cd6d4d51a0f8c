// selectorMatches: labels.Selector.Matches for a metav1.LabelSelector, as workloads' template
// checks, NetworkPolicy peers and ClusterRole aggregation use it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectorMatches } from './meta.js';

test('selectorMatches: nil matches nothing, {} everything, each operator as LabelSelectorAsSelector reads it', () => {
  const labels = { app: 'web', tier: 'front' };
  assert.equal(selectorMatches(undefined, labels), false);
  assert.equal(selectorMatches(null, labels), false);
  assert.equal(selectorMatches({}, labels), true);
  assert.equal(selectorMatches({}, undefined), true);
  assert.equal(selectorMatches({ matchLabels: { app: 'web' } }, labels), true);
  assert.equal(selectorMatches({ matchLabels: { app: 'db' } }, labels), false);
  const expr = (operator: string, values?: string[], key = 'tier') => ({ matchExpressions: [{ key, operator, values }] });
  assert.equal(selectorMatches(expr('In', ['front', 'back']), labels), true);
  assert.equal(selectorMatches(expr('In', ['back']), labels), false);
  assert.equal(selectorMatches(expr('In', ['front'], 'zone'), labels), false);
  assert.equal(selectorMatches(expr('NotIn', ['back']), labels), true);
  assert.equal(selectorMatches(expr('NotIn', ['front']), labels), false);
  assert.equal(selectorMatches(expr('NotIn', ['front'], 'zone'), labels), true);
  assert.equal(selectorMatches(expr('Exists'), labels), true);
  assert.equal(selectorMatches(expr('Exists', undefined, 'zone'), labels), false);
  assert.equal(selectorMatches(expr('DoesNotExist', undefined, 'zone'), labels), true);
  assert.equal(selectorMatches(expr('DoesNotExist'), labels), false);
  // A selector that does not convert matches nothing.
  assert.equal(selectorMatches(expr('Gt', ['1']), labels), false);
  // matchLabels and matchExpressions are ANDed.
  assert.equal(selectorMatches({ matchLabels: { app: 'web' }, ...expr('In', ['back']) }, labels), false);
});
