// The contract between the proxy server (informers, change tracking, sync loop) and a proxier
// that programs the data plane: kube-proxy's proxy.Provider, reduced to what a sync needs.

import type { EndpointInfo } from './endpoints.js';
import type { ServicePortInfo } from './serviceport.js';

export type ProxyMode = 'nftables' | 'userspace';

export interface SyncOutcome {
  /** Endpoint IPs new connections may go to as ready endpoints after this sync. */
  readyEndpointIPs: Set<string>;
  /** Endpoints in use, per "ns/name:port/PROTO". */
  endpoints: Map<string, EndpointInfo[]>;
}

export interface Proxier {
  readonly mode: ProxyMode;
  /** Programs the data plane for this whole state (level-triggered: the same state twice is harmless). */
  sync(svcPortMap: Map<string, ServicePortInfo[]>, endpointsMap: Map<string, EndpointInfo[]>): Promise<SyncOutcome>;
  /** Stops serving but leaves kernel state in place (an agent restart: traffic keeps flowing). */
  close(): Promise<void>;
  /** Removes everything this proxier made on the host (k8ts down). */
  cleanup(): Promise<void>;
}
