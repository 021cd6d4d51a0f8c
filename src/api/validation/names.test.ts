// The length-and-format checks of apimachinery's util/validation, with its messages word for
// word: both problems reported when both hold, a label with dots told so, and the wildcard
// subdomain's regex named without anchors, as Go's RegexError prints it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isValidLabelValue, isWildcardDNS1123Subdomain } from './names.js';

const subdomainRegex = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';

test('length and format: valid values pass, each problem is reported', () => {
  assert.deepEqual(isDNS1123Label('my-name'), []);
  assert.deepEqual(isDNS1123Subdomain('example.com'), []);
  assert.deepEqual(isDNS1035Label('abc-123'), []);
  assert.deepEqual(isValidLabelValue(''), []);
  assert.deepEqual(isWildcardDNS1123Subdomain('*.example.com'), []);

  assert.deepEqual(isDNS1123Label('a.b'), ['must not contain dots']);
  assert.deepEqual(isDNS1123Label('a'.repeat(64)), ['must be no more than 63 characters']);
  const long = `${'A'.repeat(254)}`;
  assert.deepEqual(isDNS1123Subdomain(long), [
    'must be no more than 253 characters',
    `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${subdomainRegex}')`,
  ]);
  assert.equal(isDNS1035Label('1abc').length, 1);
  assert.equal(isValidLabelValue('-x').length, 1);
});

test('IsWildcardDNS1123Subdomain: the message names the unanchored format', () => {
  assert.deepEqual(isWildcardDNS1123Subdomain('*.*.example.com'), [
    `a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.${subdomainRegex}')`,
  ]);
  assert.deepEqual(isWildcardDNS1123Subdomain(`*.${'a'.repeat(252)}`), ['must be no more than 253 characters']);
});
