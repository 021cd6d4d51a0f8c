// The API bench measures the API server `k8ts up` ships: its child runs with the control
// plane's own Node options (servenode.ts), not Node's defaults.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SERVE_NODE_OPTIONS } from '../src/cli/servenode.js';
import { startServerChild } from './api.js';

test("the bench's API server child runs with the control plane's Node options", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-bench-api-'));
  try {
    const server = await startServerChild('memory', dir);
    try {
      for (const opt of SERVE_NODE_OPTIONS) assert.ok(server.execArgv.includes(opt), `${opt} in ${JSON.stringify(server.execArgv)}`);
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
