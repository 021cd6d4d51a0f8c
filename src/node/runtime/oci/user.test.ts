// resolveUser against an image's own /etc/passwd and /etc/group, as containerd's oci.WithUser
// and WithAdditionalGIDs read them: comments and short lines skipped, names and numbers, the
// user's groups, then the pod's supplemental groups.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { resolveUser, UserNotFoundError } from './user.js';

const root = mkdtempSync(join(tmpdir(), 'k8ts-user-'));
after(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, 'etc'));
writeFileSync(
  join(root, 'etc/passwd'),
  [
    '# app:x:7:7:a comment, not a user',
    'root:x:0:0:root:/root:/bin/sh',
    'short:x:5',
    'bad:x:six:6::/:/bin/sh',
    'app:x:1000:1000:app:/home/app:/bin/sh',
    '',
  ].join('\n'),
);
writeFileSync(
  join(root, 'etc/group'),
  ['# wheel:x:9:app', 'root:x:0:', 'app:x:1000:', 'video:x:44:app,other', 'audio:x:63:other', 'nomembers:x:70', 'short:x', ''].join('\n'),
);

test('names and numbers resolve through passwd and group; the user gains its groups, then the supplemental ones', () => {
  assert.deepEqual(resolveUser(root, ''), { uid: 0, gid: 0, additionalGids: [] });
  assert.deepEqual(resolveUser(root, 'app'), { uid: 1000, gid: 1000, additionalGids: [44] });
  assert.deepEqual(resolveUser(root, '1000'), { uid: 1000, gid: 1000, additionalGids: [44] });
  assert.deepEqual(resolveUser(root, 'app:audio', [44, 5000]), { uid: 1000, gid: 63, additionalGids: [44, 5000] });
  assert.deepEqual(resolveUser(root, 'app:44'), { uid: 1000, gid: 44, additionalGids: [] });
  // A uid with no passwd entry runs as itself, group 0, no name to find groups by.
  assert.deepEqual(resolveUser(root, '4242', [7]), { uid: 4242, gid: 0, additionalGids: [7] });
  assert.deepEqual(resolveUser(root, 'root:nomembers'), { uid: 0, gid: 70, additionalGids: [] });
});

test('comments, short lines and non-numeric ids are no entries', () => {
  assert.throws(() => resolveUser(root, 'short'), UserNotFoundError);
  assert.throws(() => resolveUser(root, 'bad'), UserNotFoundError);
  assert.throws(() => resolveUser(root, '# app'), UserNotFoundError);
  assert.throws(() => resolveUser(root, 'app:short'), /unable to find group short: no matching entries in group file/);
  assert.throws(() => resolveUser(root, 'app:# wheel'), /unable to find group # wheel/);
  assert.throws(() => resolveUser(root, 'nobody'), /unable to find user nobody: no matching entries in passwd file/);
});

test('an image without passwd or group: numbers only', () => {
  const empty = mkdtempSync(join(tmpdir(), 'k8ts-user-empty-'));
  try {
    assert.deepEqual(resolveUser(empty, '1000:2000', [3000]), { uid: 1000, gid: 2000, additionalGids: [3000] });
    assert.throws(() => resolveUser(empty, 'app'), UserNotFoundError);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
