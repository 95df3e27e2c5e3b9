// @ts-check
// A small redis client over node:net. The cart needs five commands (PING,
// HGETALL, HINCRBY, EXPIRE, DEL) and no pub/sub, cluster or scripting, so
// ~80 lines replace a dependency — and keep the image's build offline.
import { connect } from "node:net";
import { encodeCommand, RedisReplyError, RespParser } from "./resp.js";

/** @typedef {import("./resp.js").Reply} Reply */
/** @typedef {{ resolve: (r: Reply) => void, reject: (e: Error) => void }} Pending */

/** Commands waiting for a reply on one connection; past this, callers are refused at once. */
const MAX_PENDING = 1_000;

/**
 * One connection, opened on the first command and again after a failure.
 * Replies come in the order commands were sent, so a timeout cannot skip one
 * reply: it closes the connection and fails every command still waiting.
 */
export class RedisClient {
  /** @type {import("node:net").Socket | undefined} */
  #socket;
  /** @type {Pending[]} */
  #pending = [];
  #host;
  #port;
  #timeoutMs;

  /** @param {string} url `redis://host[:port]` @param {{ timeoutMs?: number }} [opts] */
  constructor(url, opts = {}) {
    const u = new URL(url);
    if (u.protocol !== "redis:" || u.hostname === "") throw new Error(`REDIS_URL: expected redis://host[:port], got ${JSON.stringify(url)}`);
    this.#host = u.hostname;
    this.#port = Number(u.port || 6379);
    this.#timeoutMs = opts.timeoutMs ?? 2_000;
  }

  /**
   * Send one command; resolves with its reply, rejects with a RedisReplyError
   * for an error reply, or an Error when redis cannot be reached in time.
   * @param {...(string | number)} args
   * @returns {Promise<Reply>}
   */
  command(...args) {
    if (this.#pending.length >= MAX_PENDING) return Promise.reject(new Error(`redis ${this.#host}:${this.#port}: ${MAX_PENDING} commands already waiting`));
    const socket = this.#socket ?? this.#open();
    return new Promise((resolve, reject) => {
      this.#pending.push({
        resolve: (r) => (r instanceof RedisReplyError ? reject(r) : resolve(r)),
        reject,
      });
      socket.write(encodeCommand(args));
    });
  }

  /** Close the connection; commands still waiting fail. */
  close() {
    if (this.#socket) this.#fail(this.#socket, new Error("redis client closed"));
  }

  #open() {
    const socket = connect({ host: this.#host, port: this.#port });
    const parser = new RespParser();
    this.#socket = socket;
    socket.setTimeout(this.#timeoutMs);
    socket.on("timeout", () => {
      if (this.#pending.length > 0) this.#fail(socket, new Error(`redis ${this.#host}:${this.#port}: no reply within ${this.#timeoutMs} ms`));
    });
    socket.on("data", (chunk) => {
      try {
        parser.push(chunk);
        for (let r = parser.next(); r !== undefined; r = parser.next()) this.#pending.shift()?.resolve(r.value);
      } catch (e) {
        this.#fail(socket, /** @type {Error} */ (e));
      }
    });
    socket.on("error", (e) => this.#fail(socket, new Error(`redis ${this.#host}:${this.#port}: ${e.message}`)));
    socket.on("close", () => this.#fail(socket, new Error(`redis ${this.#host}:${this.#port}: connection closed`)));
    return socket;
  }

  /**
   * Give up on `socket`: events of a connection already replaced are ignored.
   * @param {import("node:net").Socket} socket
   * @param {Error} error
   */
  #fail(socket, error) {
    socket.destroy();
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    for (const p of this.#pending.splice(0)) p.reject(error);
  }
}
