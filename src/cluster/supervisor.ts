// The background half of `k8ts up`: it runs the control plane as its child and restarts it
// within a second when it dies, as systemd's Restart=always does for k3s. Pods are processes of
// their own (the runtime starts them detached), so a restart leaves them running and the new
// node agent adopts them. The supervisor also owns the control plane's output and writes it to
// the rotated cluster log.

import { type ChildProcess, spawn } from 'node:child_process';
import type { RotatingLog } from './logfile.js';
import { STOP_BUDGET_MS } from './process.js';

export interface SuperviseOptions {
  /** argv for the control plane (after node itself). */
  args: string[];
  log: RotatingLog;
  env?: NodeJS.ProcessEnv;
  /** The control plane's process started ahead of its command (daemon.js `serve -`): used for the first start. */
  prestarted?: Prestarted;
  /** First restart delay; doubled while the control plane keeps dying young, up to maxDelayMs. */
  restartDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * A control plane process already started, with the IPC channel and piped stdout/stderr
 * supervise gives its children, that stands for the argv `prefix` and waits for the rest of its
 * command (`{args, env}` as one message). It is what the first start uses when args begin with
 * prefix; otherwise it is ended.
 */
export interface Prestarted {
  child: ChildProcess;
  prefix: string[];
}

/** A run shorter than this counts as a crash loop and backs off. */
const STABLE_MS = 10_000;

export function supervise(o: SuperviseOptions): Promise<number> {
  const base = o.restartDelayMs ?? 200;
  const max = o.maxDelayMs ?? 10_000;
  const log = o.log;
  let child: ChildProcess | undefined;
  let stopping = false;
  let everReady = false;
  let restarts = 0;
  let delay = base;
  let timer: NodeJS.Timeout | undefined;
  let prestarted = o.prestarted;

  /** The prestarted process given the rest of its command, if it stands for this one and still waits. */
  const takePrestarted = (): ChildProcess | undefined => {
    const p = prestarted;
    prestarted = undefined;
    if (!p) return undefined;
    const fits = p.prefix.length <= o.args.length && p.prefix.every((a, i) => a === o.args[i]);
    if (fits && p.child.exitCode === null && p.child.signalCode === null && p.child.connected) {
      try {
        p.child.send({ args: o.args.slice(p.prefix.length), env: o.env ?? {} });
        return p.child;
      } catch {
        /* its channel just closed: started anew below */
      }
    }
    p.child.kill('SIGKILL');
    return undefined;
  };

  return new Promise<number>((resolve) => {
    const start = () => {
      timer = undefined;
      const started = Date.now();
      const c =
        takePrestarted() ??
        spawn(process.execPath, o.args, {
          env: { ...(o.env ?? process.env), K8TS_SUPERVISED: '1' },
          stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        });
      child = c;
      c.stdout!.on('data', (d: Buffer) => log.write(d));
      c.stderr!.on('data', (d: Buffer) => log.write(d));
      c.on('message', (m: unknown) => {
        if ((m as { ready?: boolean })?.ready) {
          everReady = true;
          if (restarts) log.line(`k8ts supervisor: the control plane (pid ${c.pid}) is serving again after restart ${restarts}`);
        }
      });
      c.on('error', (e) => log.line(`k8ts supervisor: cannot start the control plane: ${e.message}`));
      c.on('exit', (code, signal) => {
        child = undefined;
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        if (stopping) {
          resolve(0);
          return;
        }
        if (!everReady) {
          // It never came up: a bad option or a taken port, not a crash; `up` shows the log.
          log.line(`k8ts supervisor: the control plane (pid ${c.pid}) failed to start (${how}); not restarting`);
          resolve(code || 1);
          return;
        }
        const ran = Date.now() - started;
        delay = ran < STABLE_MS ? Math.min(max, restarts ? delay * 2 : base) : base;
        restarts++;
        log.line(
          `k8ts supervisor: the control plane (pid ${c.pid}) died (${how}) after ${(ran / 1000).toFixed(1)}s; restarting it in ${delay} ms (restart ${restarts}); pods keep running`,
        );
        timer = setTimeout(start, delay);
      });
    };

    const stop = (sig: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.line(`k8ts supervisor: ${sig}, stopping the control plane`);
      if (timer) {
        clearTimeout(timer);
        resolve(0);
        return;
      }
      if (!child) {
        resolve(0);
        return;
      }
      child.kill('SIGTERM');
      // The control plane's own stop budget (pods' grace, then sandboxes, mounts, bridge), and a little more.
      const budget = STOP_BUDGET_MS + 2_000;
      const hard = setTimeout(() => {
        log.line(`k8ts supervisor: the control plane did not stop within ${budget / 1000}s; killing it`);
        child?.kill('SIGKILL');
      }, budget);
      hard.unref();
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    // Detached from the terminal that ran `up`: a hang-up there is not ours.
    process.on('SIGHUP', () => undefined);
    start();
  });
}
