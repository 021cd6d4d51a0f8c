// Flow control shared by clients and controllers, as client-go's util/flowcontrol: a token
// bucket (qps refill, burst cap) that either answers at once (TryAccept) or says how long to
// wait for a token (the work queue's overall limiter), and a counting limiter on concurrency.

/** A token bucket: qps tokens a second, at most burst at once; qps 0 never gives a token. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private qps: number,
    private readonly burst = 1,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
    this.last = t;
  }

  /** A new rate; the bucket starts full again (or empty, for qps 0). */
  setQPS(qps: number): void {
    if (qps === this.qps) return;
    this.qps = qps;
    this.tokens = qps > 0 ? this.burst : 0;
    this.last = this.now();
  }

  /** Takes a token if one is there now (flowcontrol's TryAccept). */
  tryAccept(): boolean {
    if (this.qps <= 0) return false;
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Reserves the next token; how many ms until it is due (0: now). */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }
}

/** A small counting semaphore: at most `max` of the functions run at once. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  get inFlight(): number {
    return this.active;
  }
  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so active stays the same.
      if (next) next();
      else this.active--;
    }
  }
}
