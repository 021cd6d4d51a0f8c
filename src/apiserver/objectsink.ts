// Where an in-process request's answer goes as values instead of bytes (inprocess.ts). The
// handlers write every answer through a ServerResponse; when that response belongs to an
// in-process client, the answers that are objects (a GET, a list, a write's result, a Status,
// watch events) are handed over as they are: the watch cache's own objects, deeply frozen and
// shared, with no encoding on this side and no decoding on the other. kube-apiserver has no
// counterpart (its loopback client still speaks HTTP); client-go's informers share objects the
// same way within a process and demand that readers copy before changing them.

import type { ServerResponse } from 'node:http';

export interface ObjectSink {
  /** A whole answer: the status code, its headers and the body as a value. */
  answer(code: number, value: unknown, headers: Record<string, string>): void;
  /** One watch event (after the response's head was written). */
  event(type: string, object: unknown): void;
}

const SINK = Symbol('k8ts.objectSink');

export function setObjectSink(res: ServerResponse, sink: ObjectSink): void {
  (res as unknown as { [SINK]: ObjectSink })[SINK] = sink;
}

/** The sink of an in-process response; undefined for one that goes to a socket. */
export function objectSinkOf(res: ServerResponse): ObjectSink | undefined {
  return (res as unknown as { [SINK]?: ObjectSink })[SINK];
}
