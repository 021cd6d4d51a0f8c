// The Node options of the control plane's own process (`daemon.js serve`, which `k8ts up`'s
// supervisor runs), as a Go component's deployment sets its runtime's GOGC: kept apart so that
// `up`, the supervisor's early start of serve and the workloads bench start it the same way.

/**
 * V8's young generation with 64 MiB semi-spaces (Node 20's default is 16 MiB). The control plane
 * allocates about 1 MiB for each pod it schedules and starts (decoded bodies, answers, events,
 * encodings), nearly all of it dead within its request; with the default, scavenges came so
 * often that what was only in flight (a write waiting for its fsync, an event for its readers)
 * outlived two of them, was promoted, and was collected by full mark-compacts of a heap that
 * holds every cached object. Measured on the workloads bench (NOTES.md, schedrate5): the garbage
 * collector's share of the busy main thread 13.3 / 14.6 % -> 9.0 / 10.7 %, for up to 96 MiB more
 * of the heap reserved. `up --foreground` runs the control plane in the CLI's own process, which
 * Node has started already: it keeps Node's default.
 */
export const SERVE_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=64'];
