// Back-pressure for the streams the node serves (a log follower's response, a SPDY
// connection): after a write that returns false, wait for the writable to drain, or to close,
// as the peer that stops reading may also go away.

import type { Writable } from 'node:stream';

/** Waits for 'drain' or 'close', whichever comes first, leaving no listener behind. */
export function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}
