// Per-key exponential back-off as client-go's flowcontrol.Backoff, which the kubelet uses for
// crash-looping containers (key: pod and container) and failing image pulls (key: pod and image).

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  now?: () => number;
}

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

export class Backoff {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(private readonly opts: BackoffOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The current back-off of key (0 when it has none). */
  get(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** Starts or doubles key's back-off; an entry idle for 2 x max starts over (the 10-minute reset). */
  next(key: string, eventTime = this.now()): void {
    const e = this.entries.get(key);
    if (!e || this.expired(e, eventTime)) {
      this.entries.set(key, { backoffMs: this.opts.initialMs, lastUpdate: eventTime });
      return;
    }
    e.backoffMs = Math.min(e.backoffMs * 2, this.opts.maxMs);
    e.lastUpdate = eventTime;
  }

  /** True while less than the back-off has passed since eventTime (a container's finishedAt). */
  isInBackOffSince(key: string, eventTime: number): boolean {
    const e = this.entries.get(key);
    if (!e || this.expired(e, eventTime)) return false;
    return this.now() - eventTime < e.backoffMs;
  }

  /** True while less than the back-off has passed since the last next() (image pulls). */
  isInBackOffSinceUpdate(key: string): boolean {
    const e = this.entries.get(key);
    if (!e || this.expired(e, this.now())) return false;
    return this.now() - e.lastUpdate < e.backoffMs;
  }

  /** Ms until key's back-off since eventTime is over (0 when not in back-off). */
  remaining(key: string, eventTime: number): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    return Math.max(0, e.backoffMs - (this.now() - eventTime));
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key starting with prefix (a deleted pod's). */
  resetPrefix(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  private expired(e: Entry, eventTime: number): boolean {
    return eventTime - e.lastUpdate > 2 * this.opts.maxMs;
  }
}
