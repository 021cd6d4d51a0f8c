// How tests (unit, e2e) and the bench wait for background work: poll a condition with a
// deadline and go on as soon as it holds; never a fixed sleep. waitFor returns what the
// condition found, so a test can assert on it; when the deadline passes it names what it
// waited for and the last error the condition threw. stays is the bounded check that
// something does NOT happen: it holds the condition true for a while and fails the moment it
// is false.

export interface WaitOptions {
  /** The deadline (default 10 s). */
  timeoutMs?: number;
  /** Pause between polls (default 20 ms). */
  intervalMs?: number;
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function options(o: number | WaitOptions | undefined): Required<WaitOptions> {
  const { timeoutMs = 10_000, intervalMs = 20 } = typeof o === 'number' ? { timeoutMs: o } : (o ?? {});
  return { timeoutMs, intervalMs };
}

/** What a condition returns when it does not hold yet. */
type NotYet = undefined | null | false | 0 | '';

/**
 * Polls fn until it returns a truthy value and returns that value. A throw counts as "not yet"
 * and is kept: the timeout error says what was awaited and the last error.
 */
export async function waitFor<T>(what: string, fn: () => T | Promise<T>, opts?: number | WaitOptions): Promise<Exclude<T, NotYet>> {
  const { timeoutMs, intervalMs } = options(opts);
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as Exclude<T, NotYet>;
      last = undefined;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const why = last === undefined ? '' : `: ${last instanceof Error ? last.message : String(last)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await pause(intervalMs);
  }
}

/**
 * Checks that fn keeps holding for forMs (polled every intervalMs): the bounded way to show
 * that something does not happen. Use it only where no positive signal exists, after waiting
 * for one that the system has seen the change (an informer's cache, an observedGeneration).
 */
export async function stays(what: string, fn: () => boolean | Promise<boolean>, forMs: number, intervalMs = 20): Promise<void> {
  const end = Date.now() + forMs;
  for (;;) {
    if (!(await fn())) throw new Error(`${what} stopped holding after ${forMs - Math.max(0, end - Date.now())} ms`);
    if (Date.now() >= end) return;
    await pause(Math.min(intervalMs, Math.max(1, end - Date.now())));
  }
}
