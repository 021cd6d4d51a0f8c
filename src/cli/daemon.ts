#!/usr/bin/env node
// The entry of `k8ts up`'s two background processes, as kubelet and kube-apiserver are binaries of
// their own rather than verbs of kubectl: `supervise` (supervise.ts) and the control plane under it,
// `serve` (serve.ts). Not main.ts: each of these processes sits on the path from `up` to ready, and
// loading the command line (commander and every verb's declaration) in them only delays it (#13).
// Its arguments are `up`'s to write, so they are parsed plainly here:
//   daemon.js supervise --data-dir DIR [--name NAME] -- NODE-ARGS...
//   daemon.js supervise -      (the same arguments, and environment to add, from stdin as one JSON
//                               object {"args": [...], "env": {...}}; nothing there: exit 0, nothing
//                               started: the supervisor `up` starts early, earlysupervisor.ts)
//   daemon.js serve --data-dir DIR --port N
// `serve` loads serve.ts from its bundle with a V8 code cache when there is one (servebundle.ts),
// else module by module; neither verb loads the other's modules.

const USAGE =
  'usage: daemon.js supervise --data-dir DIR [--name NAME] -- ARGS... | daemon.js supervise - (the same as JSON on stdin) | daemon.js serve --data-dir DIR --port N';

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

async function supervise(args: string[], env?: Record<string, string>): Promise<number> {
  const { flags, rest } = parseDaemonArgs(args, ['--data-dir', '--name']);
  const dataDir = flags.get('--data-dir');
  if (!dataDir) throw new Error('supervise needs --data-dir');
  if (!rest.length) throw new Error('supervise needs the command to run after --');
  return (await import('./supervise.js')).superviseCluster(dataDir, rest, flags.get('--name'), env);
}

/** The control plane: serve.ts from its bundle (compiled from the code cache once there is one), else its modules one by one. */
async function serve(dataDir: string, port: string): Promise<number> {
  const t = performance.now();
  const { loadServeBundle } = await import('./servebundle.js');
  const { loaded, why } = loadServeBundle();
  if (!loaded) {
    console.error(`k8ts: ${why}: loading the control plane's modules one by one`);
    return (await import('./serve.js')).serve({ dataDir, port });
  }
  console.error(`k8ts: control plane loaded from its bundle in ${Math.round(performance.now() - t)} ms (code cache ${loaded.cache})`);
  // The cache is written once the start's code has run: its functions are compiled by then.
  return loaded.serve({ dataDir, port, onStarted: () => setImmediate(() => loaded.saveCache()) });
}

/** `supervise -`'s command from stdin: undefined when stdin closed with nothing (nothing to start). */
async function commandFromStdin(): Promise<{ args: string[]; env: Record<string, string> } | undefined> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  if (!text.trim()) return undefined;
  let o: { args?: unknown; env?: unknown };
  try {
    o = JSON.parse(text) as typeof o;
  } catch {
    throw new Error('supervise -: stdin is not a JSON object');
  }
  const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((a) => typeof a === 'string');
  const env = o.env ?? {};
  if (!strings(o.args)) throw new Error('supervise -: "args" must be a list of strings');
  if (typeof env !== 'object' || env === null || Array.isArray(env) || !Object.values(env).every((v) => typeof v === 'string'))
    throw new Error('supervise -: "env" must map names to strings');
  return { args: o.args, env: env as Record<string, string> };
}

async function main(argv: string[]): Promise<number> {
  const [verb, ...args] = argv;
  if (verb === 'supervise' && args.length === 1 && args[0] === '-') {
    const command = await commandFromStdin();
    // The `up` that started this one early needed none after all (or is gone): nothing to do.
    if (!command) return 0;
    return supervise(command.args, command.env);
  }
  if (verb === 'supervise') return supervise(args);
  if (verb === 'serve') {
    const { flags, rest } = parseDaemonArgs(args, ['--data-dir', '--port']);
    const dataDir = flags.get('--data-dir');
    const port = flags.get('--port');
    if (!dataDir || port === undefined || rest.length) throw new Error('serve needs --data-dir and --port, and nothing else');
    return serve(dataDir, port);
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
