// @ts-check
// RESP2, the redis wire protocol (https://redis.io/docs/reference/protocol-spec/),
// as much of it as a client needs: commands out, replies in. Replies come from
// the network, so the parser bounds every length and depth it reads.

/** A reply of type error (`-ERR …`): returned as a value, so one bad command does not break the connection. */
export class RedisReplyError extends Error {}

/** The peer broke the protocol; the connection cannot be trusted any more. */
export class RespProtocolError extends Error {}

/** @typedef {string | number | null | RedisReplyError | ReplyList} Reply */
/** @typedef {Array<Reply>} ReplyList */

export const MAX_BULK = 16 * 1024 * 1024;
export const MAX_ARRAY = 1_000_000;
export const MAX_DEPTH = 8;
const MAX_LINE = 64 * 1024;

/**
 * A command as an array of bulk strings, the form redis takes from clients.
 * Each argument is length-prefixed, so no value — CRLF, spaces, quotes — can
 * end its argument early or add a command.
 * @param {readonly (string | number)[]} args
 */
export function encodeCommand(args) {
  const parts = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.from(String(arg), "utf8");
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}

/** Parses replies from a byte stream that arrives in chunks of any size. */
export class RespParser {
  /** @type {Buffer} */
  #buf = Buffer.alloc(0);

  /** @param {Buffer} chunk */
  push(chunk) {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
  }

  /**
   * The next complete reply, or `undefined` until more bytes arrive.
   * @returns {{ value: Reply } | undefined}
   * @throws {RespProtocolError} on bytes that are not RESP2
   */
  next() {
    const r = parseAt(this.#buf, 0, 0);
    if (r === undefined) return undefined;
    this.#buf = this.#buf.subarray(r.end);
    return { value: r.value };
  }
}

/**
 * @param {Buffer} buf
 * @param {number} at
 * @param {number} depth
 * @returns {{ value: Reply, end: number } | undefined}
 */
function parseAt(buf, at, depth) {
  const eol = buf.indexOf("\r\n", at);
  if (eol < 0) {
    if (buf.length - at > MAX_LINE) throw new RespProtocolError(`reply line longer than ${MAX_LINE} bytes`);
    return undefined;
  }
  const type = String.fromCharCode(buf[at] ?? 0);
  const line = buf.toString("utf8", at + 1, eol);
  const end = eol + 2;
  switch (type) {
    case "+": return { value: line, end };
    case "-": return { value: new RedisReplyError(line), end };
    case ":": return { value: integer(line), end };
    case "$": {
      const n = length(line, MAX_BULK);
      if (n < 0) return { value: null, end };
      if (buf.length < end + n + 2) return undefined;
      if (buf[end + n] !== 13 || buf[end + n + 1] !== 10) throw new RespProtocolError(`bulk string of ${n} bytes not followed by CRLF`);
      return { value: buf.toString("utf8", end, end + n), end: end + n + 2 };
    }
    case "*": {
      const n = length(line, MAX_ARRAY);
      if (n < 0) return { value: null, end };
      if (depth >= MAX_DEPTH) throw new RespProtocolError(`arrays nested deeper than ${MAX_DEPTH}`);
      /** @type {Reply[]} */
      const items = [];
      let next = end;
      for (let i = 0; i < n; i++) {
        const r = parseAt(buf, next, depth + 1);
        if (r === undefined) return undefined;
        items.push(r.value);
        next = r.end;
      }
      return { value: items, end: next };
    }
    default: throw new RespProtocolError(`unknown reply type ${JSON.stringify(type)}`);
  }
}

/** @param {string} text */
function integer(text) {
  if (!/^-?\d{1,18}$/.test(text)) throw new RespProtocolError(`bad integer ${JSON.stringify(text.slice(0, 40))}`);
  return Number(text);
}

/** A length field: -1 (null) or 0..max. @param {string} text @param {number} max */
function length(text, max) {
  const n = integer(text);
  if (n < -1 || n > max) throw new RespProtocolError(`length ${n} outside -1..${max}`);
  return n;
}
