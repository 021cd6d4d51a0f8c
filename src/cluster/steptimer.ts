// Where a start-up's time went, step by step, for its one log line (the control plane's and the
// node's starts, #13): kubeadm's init prints its phases the same way.

export class StepTimer {
  readonly started = performance.now();
  private last = this.started;
  /** "name ms" for each step ended, in order (a step timed apart may be pushed too). */
  readonly steps: string[] = [];

  /** Ends the step begun at the previous one (or at the start). */
  step(name: string): void {
    const now = performance.now();
    this.steps.push(`${name} ${Math.round(now - this.last)}`);
    this.last = now;
  }

  /** Milliseconds since the start. */
  elapsedMs(): number {
    return Math.round(performance.now() - this.started);
  }
}
