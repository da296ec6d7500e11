import { Transform, type TransformCallback } from 'node:stream';

/**
 * What a request may carry before it is authenticated: enough for a login form, a Digest
 * exchange or a small JSON call, far too little for thousands of emulated devices in one
 * `latchkey fleet` process to be pushed out of memory by anonymous uploads.
 */
export const DEFAULT_PRE_AUTH_BODY_LIMIT = 64 * 1024;

/** Fastify's own code for an oversized body, so every adapter's error handler maps it (vendor error 13). */
export function bodyTooBigBeforeAuthentication(limit: number): Error {
  return Object.assign(
    new Error(
      `before authentication the device accepts at most ${limit} bytes; authenticate, then send the upload again`,
    ),
    { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' },
  );
}

/** Passes at most `limit` bytes on and fails the stream beyond, for bodies sent without Content-Length. */
export function cappedStream(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > limit) callback(bodyTooBigBeforeAuthentication(limit));
      else callback(null, chunk);
    },
  });
}
