// The client machinery in one import: `import { RestClient, Informer, WorkQueue } from '../client/index.js'`.

export * from './events.js';
export * from './informer.js';
export * from './kubeconfig.js';
export * from './leaderelection.js';
export * from './rest.js';
export * from './workqueue.js';
