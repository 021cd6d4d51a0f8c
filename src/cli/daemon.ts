#!/usr/bin/env node
// The entry of `k8ts up`'s two background processes, as kubelet and kube-apiserver are binaries of
// their own rather than verbs of kubectl: `supervise` (supervise.ts) and the control plane under it,
// `serve` (serve.ts). Not main.ts: each of these processes sits on the path from `up` to ready, and
// loading the command line (commander and every verb's declaration) in them only delays it (#13).
// Its arguments are `up`'s to write, so they are parsed plainly here:
//   daemon.js supervise --data-dir DIR [--name NAME] -- NODE-ARGS...
//   daemon.js serve --data-dir DIR --port N

import { superviseCluster } from './supervise.js';

const USAGE = 'usage: daemon.js supervise --data-dir DIR [--name NAME] -- ARGS... | daemon.js serve --data-dir DIR --port N';

/** `--flag value` pairs up to `--` (or the end); unknown or valueless flags are errors. */
function parseDaemonArgs(args: string[], allowed: string[]): { flags: Map<string, string>; rest: string[] } {
  const flags = new Map<string, string>();
  let i = 0;
  for (; i < args.length && args[i] !== '--'; i += 2) {
    const flag = args[i];
    if (!allowed.includes(flag)) throw new Error(`unknown argument ${JSON.stringify(flag)}`);
    const value = args[i + 1];
    if (value === undefined || value === '--') throw new Error(`${flag} needs a value`);
    flags.set(flag, value);
  }
  return { flags, rest: args.slice(i + 1) };
}

async function main(argv: string[]): Promise<number> {
  const [verb, ...args] = argv;
  if (verb === 'supervise') {
    const { flags, rest } = parseDaemonArgs(args, ['--data-dir', '--name']);
    const dataDir = flags.get('--data-dir');
    if (!dataDir) throw new Error('supervise needs --data-dir');
    if (!rest.length) throw new Error('supervise needs the command to run after --');
    return superviseCluster(dataDir, rest, flags.get('--name'));
  }
  if (verb === 'serve') {
    const { flags, rest } = parseDaemonArgs(args, ['--data-dir', '--port']);
    const dataDir = flags.get('--data-dir');
    const port = flags.get('--port');
    if (!dataDir || port === undefined || rest.length) throw new Error('serve needs --data-dir and --port, and nothing else');
    return (await import('./serve.js')).serve({ dataDir, port });
  }
  throw new Error(verb ? `unknown command ${JSON.stringify(verb)}` : 'no command');
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    console.error(`k8ts: ${e.message}\n${USAGE}`);
    process.exitCode = 2;
  },
);
