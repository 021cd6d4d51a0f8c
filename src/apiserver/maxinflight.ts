// The in-flight request limit, as kube-apiserver's WithMaxInFlightLimit filter
// (staging/src/k8s.io/apiserver/pkg/server/filters/maxinflight.go): two pools, mutating
// (POST, PUT, PATCH, DELETE; --max-mutating-requests-inflight, 200) and the rest
// (--max-requests-inflight, 400); a request finding its pool full is answered 429 with
// Retry-After: 1 at once, never queued. Long-running requests (watches, exec, attach,
// port-forward, proxy, logs: BasicLongRunningRequestCheck) are not counted: they would hold a
// slot for their whole life. A member of system:masters finding its pool full is served anyway,
// without a slot ("a super-admin or a loopback connection ... should always get an answer", as
// maxinflight.go says); everyone else, components included, counts (the user is the one after
// impersonation, as WithMaxInFlightLimit sits inside WithImpersonation).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../api/errors.js';
import { SystemPrivilegedGroup, type UserInfo } from './authn/user.js';
import type { RequestInfo } from './request.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const LONG_RUNNING_SUBRESOURCES = new Set(['attach', 'exec', 'proxy', 'log', 'portforward']);

/** BasicLongRunningRequestCheck(verbs watch/proxy, subresources attach/exec/proxy/log/portforward). */
export function isLongRunning(info: RequestInfo | undefined): boolean {
  if (!info) return false;
  return info.verb === 'watch' || (info.subresource !== undefined && LONG_RUNNING_SUBRESOURCES.has(info.subresource));
}

export class MaxInFlightLimit {
  private readOnly = 0;
  private mutating = 0;

  /** 0 disables a pool's limit, as the flags' 0 does. */
  constructor(
    private readonly maxReadOnly: number,
    private readonly maxMutating: number,
  ) {}

  /** Takes a slot until the response closes, or throws 429 TooManyRequests (system:masters excepted). */
  admit(req: IncomingMessage, res: ServerResponse, info: RequestInfo | undefined, user?: UserInfo): void {
    if (isLongRunning(info)) return;
    const mutating = MUTATING.has(req.method ?? 'GET');
    const limit = mutating ? this.maxMutating : this.maxReadOnly;
    if (limit <= 0) return;
    if ((mutating ? this.mutating : this.readOnly) >= limit) {
      if (user?.groups.includes(SystemPrivilegedGroup)) return;
      throw errors.tooManyRequests('Too many requests, please try again later.', 1);
    }
    if (mutating) this.mutating++;
    else this.readOnly++;
    res.once('close', () => {
      if (mutating) this.mutating--;
      else this.readOnly--;
    });
  }

  /** Requests in flight now, per pool (for metrics and tests). */
  get inFlight(): { readOnly: number; mutating: number } {
    return { readOnly: this.readOnly, mutating: this.mutating };
  }
}
