// How a control-plane component (kube-controller-manager, kube-scheduler) reaches the API server,
// as their cmd/<component>/app options build it from --kubeconfig: the server, the cluster CA
// and the component's own credential (a bearer token or a client certificate), a client that
// names the component in its user agent, and the shared informers it caches with
// (informers.WithTransform dropping managedFields, which components never read: memory).

import { errorMessage } from '../api/errors.js';
import { SharedInformerFactory, stripManagedFields } from './informer.js';
import { RestClient, type RestClientOptions } from './rest.js';

/**
 * The connection a component is started with; transport: how its requests travel (HTTPS by
 * default; in-process when the control plane runs the component in the API server's process).
 */
export type ComponentConnection = Pick<RestClientOptions, 'server' | 'token' | 'certData' | 'keyData' | 'caData' | 'transport'>;

/** The component's client, e.g. userAgent 'kube-scheduler/v1.32.0 (k8ts)'. */
export function componentClient(c: ComponentConnection, userAgent: string): RestClient {
  return new RestClient({
    server: c.server,
    token: c.token,
    certData: c.certData,
    keyData: c.keyData,
    caData: c.caData,
    transport: c.transport,
    userAgent,
  });
}

/** The component's shared informers: managedFields dropped from what they cache, errors to log. */
export function componentInformerFactory(client: RestClient, log?: (msg: string) => void): SharedInformerFactory {
  return new SharedInformerFactory(client, {
    onError: (e) => log?.(`informer: ${errorMessage(e)}`),
    transform: stripManagedFields,
  });
}
