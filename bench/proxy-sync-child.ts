// Runs the proxy's sync bench (bench/proxy.ts) in a process of its own, started inside a fresh
// network namespace (`unshare -n`), so the 1,000 services' rules it writes (the in-process API
// server's `kubernetes` service among them) never touch the host's traffic. Prints its lines as JSON.

import { benchProxySyncHere } from './proxy.js';

try {
  process.stdout.write(`${JSON.stringify(await benchProxySyncHere())}\n`);
  process.exit(0);
} catch (e) {
  process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
}
