// A nesting limit for JSON bodies, checked on the raw bytes before they are parsed. Deeply
// nested input costs nothing to send and a lot to handle: recursive validation, serialising it
// back (JSON.stringify throws a RangeError past a few thousand levels) or walking it in a
// service. One linear pass over the bytes refuses it before any of that can happen.
export const MAX_JSON_DEPTH = 64;

/**
 * Thrown from the body parser's `verify` hook; the body parser decorates it (status, type), so
 * it is a plain Error, and the error handler turns its `type` into a validation_error.
 */
export class BodyTooDeepError extends Error {
  readonly type = "entity.too.deep";
  constructor(readonly max: number) {
    super(`The request body nests objects or arrays deeper than ${max} levels`);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** Throws BodyTooDeepError when objects and arrays nest deeper than `max` in `bytes`. */
export function assertJsonDepth(bytes: Uint8Array, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > max) throw new BodyTooDeepError(max);
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    }
  }
}
