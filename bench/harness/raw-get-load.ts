import { connect, type Socket } from "node:net";
import { timed } from "./timing.js";

/** What {@link rawGetLoad} sends and how hard. */
export interface RawGetLoadOptions {
  /** http://127.0.0.1:<port>/<path>; nothing else is accepted. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** GETs in total, spread over the connections. */
  readonly count: number;
  /** Keep-alive connections, one request in flight on each. */
  readonly connections: number;
  /** Give up (and close every socket) after this long. */
  readonly timeoutMs: number;
  /** Every response must have this status and a Content-Length body of this many bytes. */
  readonly expectStatus: number;
  readonly expectBytes: number;
}

const HEADER_END = Buffer.from("\r\n\r\n");

/**
 * One keep-alive connection that sends the same prebuilt GET and waits for a response framed by
 * Content-Length. Only what a registry manifest GET needs: no chunked bodies, no pipelining.
 */
class RawGetConnection {
  private buf: Buffer = Buffer.alloc(0);
  private waiter: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket, private readonly request: Buffer, private readonly opts: RawGetLoadOptions) {
    socket.setNoDelay(true);
    socket.on("data", (c: Buffer) => this.onData(c));
    socket.on("error", (e) => this.fail(e));
    socket.on("close", () => this.fail(new Error(`${opts.url}: server closed the connection`)));
  }

  static open(host: string, port: number, request: Buffer, opts: RawGetLoadOptions): Promise<RawGetConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => {
        socket.off("error", reject);
        resolve(new RawGetConnection(socket, request, opts));
      });
      socket.once("error", reject);
    });
  }

  get(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.socket.write(this.request);
    });
  }

  close(why: Error): void {
    this.fail(why);
    this.socket.destroy();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(this.failure);
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const end = this.buf.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.buf.subarray(0, end).toString("latin1");
    const status = Number(head.slice(9, 12));
    const len = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!len) return this.fail(new Error(`${this.opts.url}: response without Content-Length (status ${status})`));
    const total = end + HEADER_END.length + Number(len[1]);
    if (this.buf.length < total) return;
    if (this.buf.length > total) return this.fail(new Error(`${this.opts.url}: ${this.buf.length - total} bytes after the response`));
    this.buf = Buffer.alloc(0);
    if (status !== this.opts.expectStatus || Number(len[1]) !== this.opts.expectBytes) {
      return this.fail(new Error(`${this.opts.url}: got ${status} with ${len[1]} bytes, expected ${this.opts.expectStatus} with ${this.opts.expectBytes}`));
    }
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve();
  }
}

/**
 * GET one URL `count` times over `connections` keep-alive sockets, closed loop (each socket sends
 * its next request when the previous response is complete), like wrk but bounded by a count. The
 * sockets connect before the clock starts. A hand-rolled client because node's http client costs
 * more CPU per request than a fast server does, and client and server share 2 cores: with it,
 * the bench would measure the client. Returns the batch's wall time and every latency in ms.
 */
export async function rawGetLoad(opts: RawGetLoadOptions): Promise<{ ms: number; latenciesMs: number[] }> {
  const url = new URL(opts.url);
  if (url.protocol !== "http:" || url.hostname !== "127.0.0.1") throw new Error(`rawGetLoad: ${opts.url} is not http://127.0.0.1`);
  const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, ...Object.entries(opts.headers).map(([k, v]) => `${k}: ${v}`)];
  const request = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  const conns: RawGetConnection[] = [];
  const timeout = new Error(`${opts.url}: ${opts.count} GETs did not finish in ${opts.timeoutMs} ms`);
  const timer = setTimeout(() => conns.forEach((c) => c.close(timeout)), opts.timeoutMs);
  try {
    for (let i = 0; i < opts.connections; i++) conns.push(await RawGetConnection.open(url.hostname, Number(url.port), request, opts));
    const latenciesMs: number[] = [];
    let next = 0;
    const loop = async (c: RawGetConnection): Promise<void> => {
      while (next < opts.count) {
        next++;
        const start = process.hrtime.bigint();
        await c.get();
        latenciesMs.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    };
    const { ms } = await timed(() => Promise.all(conns.map(loop)));
    return { ms, latenciesMs };
  } finally {
    clearTimeout(timer);
    conns.forEach((c) => c.close(new Error("load finished")));
  }
}
