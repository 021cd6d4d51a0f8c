// `k8ts tutorial`: walks a learner through SCENARIO.md on the live cluster (the steps are in
// tutorial-steps.ts). For each step: the idea in plain words, the exact command, then it runs
// the command (or checks the command the learner typed and runs that), shows the real output
// and points at what matters in it. It waits between steps, remembers where the learner is
// (DATA_DIR/tutorial.json, for --resume) and removes what it made at the end. --yes runs it
// straight through without asking (CI).

import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import readline from 'node:readline';
import { kubectlKubeconfig, resolveKubectl } from './kubectl.js';
import { resolveTarget, type Target } from './target.js';
import { CLEANUP, DEPLOYMENT, type RunResult, STEPS, type Step, type StepContext } from './tutorial-steps.js';

export interface TutorialOptions {
  name?: string;
  dataDir?: string;
  resume?: boolean;
  yes?: boolean;
  skipTag?: string[];
}

interface Progress {
  next: number;
  vars: Record<string, string>;
  steps: number;
}

const WIDTH = 78;

function wrap(text: string, indent = ''): string {
  return text
    .split('\n')
    .map((para) => {
      if (/^\s/.test(para)) return `${indent}${para}`; // pre-formatted (a command)
      const words = para.split(/\s+/).filter(Boolean);
      const lines: string[] = [];
      let line = '';
      for (const w of words) {
        if (line && (indent + line + ' ' + w).length > WIDTH) {
          lines.push(indent + line);
          line = w;
        } else line = line ? `${line} ${w}` : w;
      }
      if (line) lines.push(indent + line);
      return lines.join('\n');
    })
    .join('\n');
}

/** Shell quoting for showing a command the way one would type it. */
function shellQuote(arg: string): string {
  if (/^\$[A-Z_]+$/.test(arg)) return `"${arg}"`;
  if (/^[\w@%+=:,./$-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

function substitute(s: string, vars: Record<string, string>): string {
  return s.replace(/\$([A-Z_]+)/g, (m, n: string) => vars[n] ?? m);
}

/** Splits a typed command line as a shell would (quotes, backslashes; $VAR expanded outside single quotes). */
export function shellSplit(line: string, vars: Record<string, string>): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let i = 0;
  const expand = () => {
    const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/.exec(line.slice(i));
    if (!m) {
      cur += '$';
      i++;
      return;
    }
    cur += vars[m[1]] ?? '';
    i += m[0].length;
  };
  while (i < line.length) {
    const ch = line[i];
    if (/\s/.test(ch)) {
      if (has) {
        out.push(cur);
        cur = '';
        has = false;
      }
      i++;
      continue;
    }
    has = true;
    if (ch === "'") {
      const j = line.indexOf("'", i + 1);
      cur += line.slice(i + 1, j < 0 ? undefined : j);
      i = j < 0 ? line.length : j + 1;
      continue;
    }
    if (ch === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) {
          cur += line[i + 1];
          i += 2;
          continue;
        }
        if (line[i] === '$') {
          expand();
          continue;
        }
        cur += line[i++];
      }
      i++;
      continue;
    }
    if (ch === '\\' && i + 1 < line.length) {
      cur += line[i + 1];
      i += 2;
      continue;
    }
    if (ch === '$') {
      expand();
      continue;
    }
    cur += ch;
    i++;
  }
  if (has) out.push(cur);
  return out;
}

class Tutorial implements StepContext {
  vars: Record<string, string> = {};
  private kubeconfig = '';
  private kubectlBin = '';
  private viaK8ts = false;
  private rl?: readline.Interface;
  private lines: string[] = [];
  private waiters: ((l: string | undefined) => void)[] = [];
  private closed = false;
  private bold = (s: string) => s;
  private dim = (s: string) => s;

  constructor(
    private t: Target,
    private o: TutorialOptions,
  ) {}

  private say(s = ''): void {
    process.stdout.write(`${s}\n`);
  }

  /** Reads one line typed by the learner (undefined at end of input). */
  private ask(prompt: string): Promise<string | undefined> {
    process.stdout.write(prompt);
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async kubectl(args: string[]): Promise<RunResult> {
    return this.exec(this.kubectlBin, args);
  }

  private exec(cmd: string, args: string[], timeoutMs = 200_000): Promise<RunResult> {
    return new Promise((resolve) => {
      // One buffer for both streams, in the order they come, as a terminal would show them.
      const child = spawn(cmd, args, { env: { ...process.env, KUBECONFIG: this.kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => {
        out += String(d);
      });
      child.stderr.on('data', (d) => {
        out += String(d);
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        resolve({ code: 127, out: `${out}${e.message}\n` });
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 1, out });
      });
    });
  }

  private async curl(url: string): Promise<RunResult> {
    const curl = await new Promise<boolean>((r) => execFile('curl', ['--version'], (e) => r(!e)));
    if (curl) return this.exec('curl', ['-sS', '--max-time', '5', url]);
    // No curl here: the same request, made by k8ts.
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      return { code: 0, out: await res.text() };
    } catch (e) {
      return { code: 7, out: `curl: (7) ${(e as Error).cause ? String((e as { cause: Error }).cause.message) : (e as Error).message}\n` };
    }
  }

  private freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
  }

  /** What the learner sees as the command, and what it runs. */
  private commandOf(step: Step): { display: string[]; run: () => Promise<RunResult>; expected: string[][] } {
    const kubectlWord = this.viaK8ts ? `k8ts kubectl${this.t.flag}${this.t.flag ? ' --' : ''}` : 'kubectl';
    if (step.kubectl) {
      const args = step.kubectl.map((a) => substitute(a, this.vars));
      return {
        display: [`${kubectlWord} ${step.kubectl.map(shellQuote).join(' ')}`],
        run: () => this.kubectl(args),
        expected: [['kubectl', ...args]],
      };
    }
    if (step.curl) {
      const url = substitute(step.curl, this.vars);
      return { display: [`curl ${url}`], run: () => this.curl(url), expected: [['curl', url]] };
    }
    const p = step.proxyPath!;
    let port = 8001;
    const self = this;
    return {
      display: [`${kubectlWord} proxy --port=PORT &`, `curl http://localhost:PORT${p}`],
      async run() {
        port = await self.freePort();
        const proxy = spawn(self.kubectlBin, ['proxy', `--port=${port}`], {
          env: { ...process.env, KUBECONFIG: self.kubeconfig },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        try {
          let said = '';
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 10_000);
            proxy.stdout.on('data', (d) => {
              said += String(d);
              if (/Starting to serve/.test(said)) {
                clearTimeout(t);
                resolve();
              }
            });
            proxy.on('exit', () => {
              clearTimeout(t);
              resolve();
            });
          });
          const r = await self.curl(`http://localhost:${port}${substitute(p, self.vars)}`);
          return { code: r.code, out: `${said}${r.out}` };
        } finally {
          proxy.kill('SIGTERM');
        }
      },
      expected: [],
    };
  }

  /** Whether what the learner typed is the step's command. */
  private typedMatches(typed: string, expected: string[][]): boolean {
    let words = shellSplit(typed.trim(), this.vars);
    if (words[0] === 'k8ts' && words[1] === 'kubectl') {
      words = words.slice(2);
      while (words[0] === '--name' || words[0] === '--data-dir') words = words.slice(2);
      if (words[0] === '--') words = words.slice(1);
      words = ['kubectl', ...words];
    }
    if (words[0] === 'curl') words = ['curl', ...words.slice(1).filter((w) => !w.startsWith('-'))];
    return expected.some((e) => e.length === words.length && e.every((w, i) => w === words[i]));
  }

  private progress(): Progress | undefined {
    try {
      const p = JSON.parse(fs.readFileSync(this.t.files.tutorial, 'utf8')) as Progress;
      return Number.isInteger(p.next) && p.steps === STEPS.length ? p : undefined;
    } catch {
      return undefined;
    }
  }

  private save(next: number): void {
    fs.writeFileSync(this.t.files.tutorial, JSON.stringify({ next, vars: this.vars, steps: STEPS.length } satisfies Progress, null, 2), {
      mode: 0o600,
    });
  }

  private async cleanup(quiet: boolean, next: number): Promise<void> {
    if (!quiet) this.say(this.bold('\nCleaning up what the tutorial made:'));
    const cordon = STEPS.findIndex((s) => s.id === 'cordon');
    const uncordon = STEPS.findIndex((s) => s.id === 'uncordon');
    const steps = [...CLEANUP];
    if (next > cordon && next <= uncordon && this.vars.NODE_NAME)
      steps.push({ display: `kubectl uncordon ${this.vars.NODE_NAME}`, kubectl: ['uncordon', this.vars.NODE_NAME] });
    for (const c of steps) {
      const r = await this.kubectl(c.kubectl);
      if (!quiet) {
        this.say(`  $ ${c.display}`);
        if (r.out.trim()) this.say(wrap(r.out.trim(), '    '));
      }
    }
    // The pods go after their Deployment; wait, so "nothing left" is true when it says so.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const r = await this.kubectl(['get', 'pods', '-l', `app=${DEPLOYMENT}`, '-o', 'name']);
      if (r.code === 0 && !r.out.trim()) break;
      if (Date.now() > deadline) {
        this.say(`  (some pods are still stopping: ${r.out.trim().split('\n').join(', ')})`);
        break;
      }
      await new Promise((res) => setTimeout(res, 500));
    }
    try {
      fs.rmSync(this.t.files.tutorial);
    } catch {
      /* none */
    }
    if (!quiet) this.say('  Done: the cluster is as it was before the tutorial.');
  }

  async run(): Promise<number> {
    const tty = !!process.stdin.isTTY && !!process.stdout.isTTY;
    if (!this.o.yes && !process.stdin.isTTY) {
      console.error(
        'k8ts tutorial waits for you between steps, so it needs a terminal. Run it in one, or with --yes to go straight through.',
      );
      return 2;
    }
    if (tty && process.env.TERM !== 'dumb' && !process.env.NO_COLOR) {
      this.bold = (s) => `\x1b[1m${s}\x1b[0m`;
      this.dim = (s) => `\x1b[2m${s}\x1b[0m`;
    }
    let resolved;
    try {
      resolved = await resolveKubectl(this.t, (m) => console.error(m));
    } catch (e) {
      console.error(`k8ts tutorial: ${(e as Error).message}`);
      return 1;
    }
    this.kubectlBin = resolved.kubectl;
    this.viaK8ts = !(process.env.PATH ?? '').split(':').some((d) => resolved.kubectl === `${d}/kubectl`);
    this.kubeconfig = kubectlKubeconfig(this.t, resolved.url);
    if (!this.o.yes) {
      this.rl = readline.createInterface({ input: process.stdin, terminal: false });
      this.rl.on('line', (l) => {
        const w = this.waiters.shift();
        if (w) w(l);
        else this.lines.push(l);
      });
      this.rl.on('close', () => {
        this.closed = true;
        for (const w of this.waiters.splice(0)) w(undefined);
      });
    }
    try {
      return await this.steps();
    } finally {
      this.rl?.close();
    }
  }

  private async steps(): Promise<number> {
    const skip = new Set(this.o.skipTag ?? []);
    const saved = this.progress();
    let start = 0;
    if (this.o.resume && saved) {
      start = saved.next;
      this.vars = saved.vars;
      this.say(this.bold(`Welcome back. Continuing at step ${start + 1} of ${STEPS.length}.`));
    } else {
      if (saved) {
        this.say(
          `You left the tutorial at step ${saved.next + 1} (k8ts tutorial --resume continues there). Starting from the beginning: first removing what it made.`,
        );
        this.vars = saved.vars;
        await this.cleanup(true, saved.next);
        this.vars = {};
      } else if (this.o.resume) {
        this.say('There is no tutorial to resume; starting from the beginning.');
      }
      this.say(this.bold('Kubernetes, one step at a time.'));
      this.say(
        wrap(
          `This tutorial runs on your cluster "${this.t.name}". Each step explains one idea, shows the command for it, runs it and points at what to look at in the answer.${this.o.yes ? '' : ' Press Enter to run a command, or type it yourself; q stops (k8ts tutorial --resume continues later).'} At the end it removes everything it made.`,
        ),
      );
    }
    for (let i = start; i < STEPS.length; i++) {
      const step = STEPS[i];
      if (step.tags?.some((t) => skip.has(t))) {
        this.save(i + 1);
        continue;
      }
      await step.prepare?.(this);
      const cmd = this.commandOf(step);
      this.say('');
      this.say(this.bold(`Step ${i + 1} of ${STEPS.length} · ${step.section} · ${step.title}`));
      this.say(wrap(step.concept, '  '));
      this.say('');
      for (const d of cmd.display) this.say(`  $ ${d}`);
      if (step.kubectl?.some((a) => /\$[A-Z_]+/.test(a)) || step.curl || step.proxyPath) {
        const used = [...new Set([...(step.kubectl ?? []), step.curl ?? '', step.proxyPath ?? ''].join(' ').match(/\$[A-Z_]+/g) ?? [])];
        const known = used.filter((v) => this.vars[v.slice(1)]);
        if (known.length) this.say(this.dim(`    (${known.map((v) => `${v} is ${this.vars[v.slice(1)]}`).join(', ')})`));
      }
      if (!this.o.yes) {
        for (;;) {
          const a = await this.ask(
            cmd.expected.length
              ? '\nPress Enter to run it, or type the command yourself (q to stop): '
              : '\nPress Enter to run it (q to stop): ',
          );
          if (a === undefined || a.trim() === 'q') {
            this.save(i);
            this.say(`\nStopped at step ${i + 1}. Continue with: k8ts tutorial${this.t.flag} --resume`);
            return 0;
          }
          if (a.trim() === '') break;
          if (cmd.expected.length && this.typedMatches(a, cmd.expected)) {
            this.say('  Right, that is the command. Running it:');
            break;
          }
          this.say(
            `  That is not quite it. The command is:\n    ${cmd.display.join('\n    ')}\n  Type it again, or press Enter and I will run it.`,
          );
        }
      }
      let r = await cmd.run();
      if (step.retry && !step.retry.until(r, this)) {
        process.stdout.write(`  (${step.retry.waiting}`);
        const deadline = Date.now() + step.retry.timeoutMs;
        while (!step.retry.until(r, this) && Date.now() < deadline) {
          await new Promise((res) => setTimeout(res, 1000));
          process.stdout.write('.');
          r = await cmd.run();
        }
        process.stdout.write(')\n');
      }
      this.say('');
      this.say(
        r.out.trim()
          ? r.out
              .replace(/\s+$/, '')
              .split('\n')
              .map((l) => `    ${l}`)
              .join('\n')
          : '    (no output)',
      );
      await step.capture?.(r, this);
      const problem = step.expect?.(r, this);
      this.say('');
      this.say(this.bold('  What to look at:'));
      for (const l of step.look(r, this)) this.say(wrap(`- ${l}`, '    ').replace(/^ {4}-/, '  -'));
      this.save(i + 1);
      if (problem) {
        this.say(`\n  This did not go as it should: ${problem}.`);
        if (this.o.yes) {
          console.error(`k8ts tutorial: step ${i + 1} (${step.id}): ${problem}`);
          return 1;
        }
      }
      if (!this.o.yes && i + 1 < STEPS.length) {
        const a = await this.ask('\nPress Enter for the next step (q to stop): ');
        if (a === undefined || a.trim() === 'q') {
          this.say(`\nStopped after step ${i + 1}. Continue with: k8ts tutorial${this.t.flag} --resume`);
          return 0;
        }
      }
    }
    await this.cleanup(false, STEPS.length);
    this.say(this.bold('\nThat was the tour: Pods, Deployments and ReplicaSets, Services, rolling updates and rollbacks, nodes.'));
    this.say(wrap('Everything you did works the same on any Kubernetes cluster. To go on: https://kubernetes.io/docs/tutorials/'));
    return 0;
  }
}

export async function tutorial(o: TutorialOptions): Promise<number> {
  const t = resolveTarget(o);
  return new Tutorial(t, o).run();
}
