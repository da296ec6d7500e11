import { Readable } from 'node:stream';

/** The highest `fps` the emulated camera pushes (a real intercom's camera runs at up to 30). */
export const MAX_PUSH_FPS = 30;

/** The multipart boundary of the pushed pictures. */
export const PUSH_BOUNDARY = 'latchkey-snapshot';

/**
 * 2N HTTP API §5.8.2: with `fps` ≥ 1 the intercom sends pictures at that rate by HTTP server
 * push, a `multipart/x-mixed-replace` body with one JPEG part per picture, until the client
 * closes the connection (`signal`).
 */
export function snapshotPush(fps: number, picture: () => Buffer, signal: AbortSignal): Readable {
  let timer: NodeJS.Timeout | undefined;
  const part = () => {
    const jpeg = picture();
    const head = `--${PUSH_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`;
    return Buffer.concat([Buffer.from(head, 'latin1'), jpeg, Buffer.from('\r\n', 'latin1')]);
  };
  const stream = new Readable({
    read() {
      if (timer || signal.aborted) return;
      timer = setTimeout(() => {
        timer = undefined;
        if (!signal.aborted) stream.push(part());
      }, 1000 / fps);
    },
    destroy(error, callback) {
      clearTimeout(timer);
      callback(error);
    },
  });
  stream.push(part());
  signal.addEventListener('abort', () => stream.destroy(), { once: true });
  return stream;
}
