import { request, createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { connect, createServer, type AddressInfo, type Server } from "node:net";

// Helpers shared by the balancer's tests: plain Node servers on 127.0.0.1 and bounded clients. Not part of the layer's API.

/** A backend server on 127.0.0.1 with a free port; `stop()` closes it and every connection it has. */
export interface TestBackend {
  readonly id: string;
  readonly port: number;
  readonly backend: { id: string; host: string; port: number };
  stop(): Promise<void>;
}

async function listenLocal(server: Server | HttpServer): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

function wrap(id: string, server: Server | HttpServer, port: number): TestBackend {
  return {
    id, port, backend: { id, host: "127.0.0.1", port },
    stop: () => new Promise((resolve) => {
      server.close(() => resolve());
      (server as HttpServer).closeAllConnections?.();
    }),
  };
}

/** An HTTP server answering every request with its id (HTTP/1.1, keep-alive as the client asks). */
export async function httpBackend(id: string): Promise<TestBackend> {
  const server = createHttpServer((_req, res) => res.end(id));
  return wrap(id, server, await listenLocal(server));
}

/**
 * A TCP server that answers every chunk with `<id>:<chunk>` and, when the
 * client half-closes, writes `<id>:bye <bytes read>` and closes: what an
 * HTTP/1.0 exchange needs from the balancer.
 */
export async function echoBackend(id: string): Promise<TestBackend> {
  const sockets = new Set<import("node:net").Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    let bytes = 0;
    s.on("data", (b: Buffer) => {
      bytes += b.length;
      s.write(`${id}:${b.toString()}`);
    });
    s.on("end", () => s.end(`${id}:bye ${bytes}`));
    s.on("error", () => undefined);
    s.on("close", () => sockets.delete(s));
  });
  const port = await listenLocal(server);
  return {
    id, port, backend: { id, host: "127.0.0.1", port },
    stop: () => new Promise((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }),
  };
}

/** GET / on a new connection (no keep-alive): the body, or the error's code. Bounded by `timeoutMs`. */
export function fetchOnce(port: number, timeoutMs = 3_000): Promise<{ body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/", agent: false, timeout: timeoutMs, headers: { connection: "close" } }, (res) => {
      let body = "";
      res.on("data", (b: Buffer) => (body += b.toString()));
      res.on("end", () => resolve({ body }));
      res.on("error", (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
    req.on("error", (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end();
  });
}

/** A raw TCP client: write, read what has come, half-close, wait for the close; every wait bounded. */
export class RawClient {
  private text = "";
  private closed = false;
  private ended = false;
  private readonly socket;

  private constructor(port: number) {
    this.socket = connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    this.socket.on("data", (b: Buffer) => (this.text += b.toString()));
    this.socket.on("error", () => undefined);
    this.socket.on("end", () => (this.ended = true));
    this.socket.on("close", () => (this.closed = true));
  }

  static async open(port: number): Promise<RawClient> {
    const c = new RawClient(port);
    await new Promise<void>((resolve, reject) => {
      c.socket.once("connect", () => resolve());
      c.socket.once("error", reject);
    });
    return c;
  }

  write(text: string): void {
    this.socket.write(text);
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Wait until what was read contains `want`; returns all read so far. */
  async until(want: string, timeoutMs = 3_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.text.includes(want) && !this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.text;
  }

  /** Wait for the connection to close; true when it did in time. */
  async whenClosed(timeoutMs = 3_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.closed;
  }

  /** Wait for the other side's FIN (or a close); true when it came in time. */
  async whenEnded(timeoutMs = 3_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended && !this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.ended || this.closed;
  }

  get received(): string {
    return this.text;
  }
}
