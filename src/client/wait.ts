// wait.Until, as k8s.io/apimachinery/pkg/util/wait (JitterUntil, sliding, no jitter): a
// controller's periodic pass (pod GC, node health monitoring, NoExecute tainting) runs at once,
// then again a period after each pass ends, so passes never overlap however long one takes. A
// pass that fails is reported (runtime.HandleError) and the next one still comes. Stopping
// cancels the next pass and waits for the one running, so a stopped controller writes nothing.

/** Runs pass now and a period after each end until the returned stop is called; stop resolves once no pass runs. */
export function until(pass: () => Promise<void>, periodMs: number, onError: (e: unknown) => void): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = (): void => {
    running = Promise.resolve()
      .then(pass)
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, periodMs);
      });
  };
  tick();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
