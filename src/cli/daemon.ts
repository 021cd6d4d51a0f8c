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
//   daemon.js serve -          (loads the control plane, then waits for the same arguments, and
//                               environment to add, as one IPC message {"args": [...], "env": {...}}
//                               from its supervisor; the channel closed first: exit 0)
// `serve` loads serve.ts from its bundle with a V8 code cache when there is one (servebundle.ts),
// else module by module; neither verb loads the other's modules. `supervise -` starts `serve -`
// at once, beside `up` (#13): serve's Node start and the loading of its code then overlap `up`'s
// own loading and its wait for a command, instead of following them; the supervisor hands it its
// command for its first start (restarts are started whole).

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SERVE_NODE_OPTIONS } from './servenode.js';

const USAGE =
  'usage: daemon.js supervise --data-dir DIR [--name NAME] -- ARGS... | daemon.js supervise - (the same as JSON on stdin) | daemon.js serve --data-dir DIR --port N | daemon.js serve - (the same by IPC)';

const SELF = fileURLToPath(import.meta.url);

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

async function supervise(args: string[], env?: Record<string, string>, prestarted?: ChildProcess): Promise<number> {
  const { flags, rest } = parseDaemonArgs(args, ['--data-dir', '--name']);
  const dataDir = flags.get('--data-dir');
  if (!dataDir) throw new Error('supervise needs --data-dir');
  if (!rest.length) throw new Error('supervise needs the command to run after --');
  return (await import('./supervise.js')).superviseCluster(dataDir, rest, flags.get('--name'), env, {
    prestarted: prestarted && { child: prestarted, prefix: [...SERVE_NODE_OPTIONS, SELF, 'serve'] },
  });
}

/** `serve -` started now, as the supervisor's child would be; undefined if it cannot be. */
function prestartServe(): ChildProcess | undefined {
  try {
    const c = spawn(process.execPath, [...SERVE_NODE_OPTIONS, SELF, 'serve', '-'], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, K8TS_SUPERVISED: '1' },
    });
    c.on('error', () => undefined);
    return c;
  } catch {
    return undefined;
  }
}

function serveOptions(args: string[]): { dataDir: string; port: string } {
  const { flags, rest } = parseDaemonArgs(args, ['--data-dir', '--port']);
  const dataDir = flags.get('--data-dir');
  const port = flags.get('--port');
  if (!dataDir || port === undefined || rest.length) throw new Error('serve needs --data-dir and --port, and nothing else');
  return { dataDir, port };
}

/** The control plane's serve(): from its bundle (compiled from the code cache once there is one), else from its modules one by one. */
async function loadServe(): Promise<(o: { dataDir: string; port: string }) => Promise<number>> {
  const t = performance.now();
  const { loadServeBundle } = await import('./servebundle.js');
  const { loaded, why } = loadServeBundle();
  if (!loaded) {
    console.error(`k8ts: ${why}: loading the control plane's modules one by one`);
    const { serve } = await import('./serve.js');
    return serve;
  }
  const cache = loaded.cache === 'build' ? 'from the build' : loaded.cache;
  console.error(`k8ts: control plane loaded from its bundle in ${Math.round(performance.now() - t)} ms (code cache ${cache})`);
  // The cache is written once the start's code has run: its functions are compiled by then.
  return (o) => loaded.serve({ ...o, onStarted: () => saveCacheLater(loaded.saveCache) });
}

/**
 * How long after ready the user's code cache is written, unless the control plane stops first.
 * Writing it (V8 serializes every compiled function: 35-50 ms of this one thread, #13) right at
 * ready stalled `up`'s last /readyz, which comes within a poll (20 ms) of ready: the first `up`
 * after a build waited for it.
 */
const SAVE_CACHE_AFTER_MS = 10_000;

/** saveCache SAVE_CACHE_AFTER_MS from now, or at SIGTERM/SIGINT if that comes first (an `up` and a quick `down`). */
function saveCacheLater(saveCache: () => void): void {
  const save = () => {
    clearTimeout(timer);
    saveCache();
  };
  const timer = setTimeout(save, SAVE_CACHE_AFTER_MS);
  timer.unref();
  // serve has its own handlers for these (a stop): this one runs beside them, once.
  process.once('SIGTERM', save);
  process.once('SIGINT', save);
}

/** `serve -`: the control plane loaded first, then its command from the supervisor; none (the channel closed): exit 0. */
async function servePrestarted(): Promise<number> {
  if (!process.send) throw new Error('serve - takes its command from its supervisor over IPC');
  const run = await loadServe();
  const message = await new Promise<unknown>((resolve) => {
    const done = (m: unknown) => {
      process.off('message', done);
      process.off('disconnect', done);
      resolve(m);
    };
    process.on('message', done);
    process.on('disconnect', done);
  });
  // The supervisor had nothing to start (or is gone).
  if (message === undefined) return 0;
  const command = parseCommand(message, 'serve -');
  Object.assign(process.env, command.env);
  return run(serveOptions(command.args));
}

/** A command as `supervise -` and `serve -` take it: {"args": [...], "env": {...}}. */
function parseCommand(o: unknown, who: string): { args: string[]; env: Record<string, string> } {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error(`${who}: the command is not a JSON object`);
  const { args, env = {} } = o as { args?: unknown; env?: unknown };
  const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((a) => typeof a === 'string');
  if (!strings(args)) throw new Error(`${who}: "args" must be a list of strings`);
  if (typeof env !== 'object' || env === null || Array.isArray(env) || !Object.values(env).every((v) => typeof v === 'string'))
    throw new Error(`${who}: "env" must map names to strings`);
  return { args, env: env as Record<string, string> };
}

/** `supervise -`'s command from stdin: undefined when stdin closed with nothing (nothing to start). */
async function commandFromStdin(): Promise<{ args: string[]; env: Record<string, string> } | undefined> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  if (!text.trim()) return undefined;
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    throw new Error('supervise -: stdin is not a JSON object');
  }
  return parseCommand(o, 'supervise -');
}

async function main(argv: string[]): Promise<number> {
  const [verb, ...args] = argv;
  if (verb === 'supervise' && args.length === 1 && args[0] === '-') {
    const prestarted = prestartServe();
    try {
      const command = await commandFromStdin();
      // The `up` that started this one early needed none after all (or is gone): nothing to do.
      if (!command) return 0;
      return await supervise(command.args, command.env, prestarted);
    } finally {
      // Not used (no command, a bad one, another command): it has only loaded code, and its
      // pipes would keep this process from ending.
      if (prestarted && prestarted.exitCode === null && prestarted.signalCode === null) prestarted.kill('SIGKILL');
    }
  }
  if (verb === 'supervise') return supervise(args);
  if (verb === 'serve' && args.length === 1 && args[0] === '-') return servePrestarted();
  if (verb === 'serve') {
    const options = serveOptions(args);
    return (await loadServe())(options);
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
