// The system namespaces controller of kube-apiserver (pkg/controlplane/controller/
// systemnamespaces): default, kube-system, kube-public and kube-node-lease always exist.
// Kubernetes checks every minute; here a namespace gone (deleted from the store by a restore
// or a hand edit: the API refuses to delete them, see admission/namespacelifecycle.ts) is made
// again at once, as the API server's own cache of namespaces tells of it, and every minute besides.

import { StatusError } from '../api/errors.js';
import { apiserverContext } from './registry/strategy.js';
import type { ApiServer } from './server.js';

const RESYNC_MS = 60_000;

export class SystemNamespacesController {
  private watch?: { cancel(): void };
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: ApiServer,
    private readonly namespaces: readonly string[],
    private readonly log: (msg: string) => void = () => undefined,
  ) {}

  start(): void {
    this.follow();
    this.timer = setInterval(() => {
      if (!this.watch) this.follow();
      this.ensure();
    }, RESYNC_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.watch?.cancel();
    await this.running;
  }

  private follow(): void {
    const reg = this.api.registry('', 'namespaces');
    if (!reg) return;
    try {
      const w = reg.cache.watch(
        reg.cache.revision,
        reg.prefix(),
        (ev) => {
          if (ev.type === 'DELETED' && this.namespaces.includes(ev.object.metadata.name ?? '')) this.ensure();
        },
        () => {
          if (this.watch === w) this.watch = undefined;
        },
      );
      this.watch = w;
    } catch (e) {
      this.log(`system namespaces controller: watch: ${(e as Error).message}`);
    }
  }

  /** Creates whichever system namespace is missing; runs one pass at a time. */
  private ensure(): void {
    if (this.stopped) return;
    this.running = this.running.then(async () => {
      for (const name of this.namespaces) {
        if (this.stopped) return;
        if (await this.api.getObject('', 'namespaces', undefined, name)) continue;
        try {
          await this.api
            .registry('', 'namespaces')!
            .create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, apiserverContext());
          this.log(`system namespaces controller: made namespace ${name} again`);
        } catch (e) {
          if (!(e instanceof StatusError && e.code === 409)) this.log(`system namespaces controller: ${name}: ${(e as Error).message}`);
        }
      }
    });
  }
}
