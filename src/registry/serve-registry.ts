import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { BerthError, InvalidArgumentError } from "../oci/index.js";
import { createRegistry, type Registry, type RegistryOptions } from "./registry.js";

export interface ServeRegistryOptions extends Omit<RegistryOptions, "baseUrl"> {
  /** host:port to listen on; port 0 picks a free one. */
  readonly addr: string;
  /** PEM files; both given means HTTPS. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/** A registry listening on an address. Close it to stop accepting and release files. */
export interface RunningRegistry extends AsyncDisposable {
  readonly url: string;
  /** host:port as clients name it in image references. */
  readonly host: string;
  readonly registry: Registry;
  readonly server: Server;
  close(): Promise<void>;
}

/** Split "host:port" (IPv6 in brackets); a bare ":5000" listens on all addresses. */
export function parseListenAddress(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr);
  if (!m) throw new InvalidArgumentError(`--addr: "${addr}" is not host:port`, { hint: "for example 127.0.0.1:5000" });
  const port = Number(m[3]);
  if (port > 65535) throw new InvalidArgumentError(`--addr: port ${port} is out of range`);
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port };
}

/** Start a registry server on `opts.addr`. */
export async function serveRegistry(opts: ServeRegistryOptions): Promise<RunningRegistry> {
  const { host, port } = parseListenAddress(opts.addr);
  let url = "";
  const registry = await createRegistry({ ...opts, baseUrl: () => url });
  const server = opts.tls
    ? createHttpsServer({ cert: await readFile(opts.tls.cert), key: await readFile(opts.tls.key) }, registry.handle)
    : createHttpServer(registry.handle);
  // Large blobs stream for minutes; only idle keep-alive sockets time out.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      void registry.close();
      reject(listenError(opts.addr, e));
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const hostPart = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
  const hostPort = `${hostPart === "0.0.0.0" ? "127.0.0.1" : hostPart}:${bound.port}`;
  url = `${opts.tls ? "https" : "http"}://${hostPort}`;
  const close = async (): Promise<void> => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await registry.close();
  };
  return { url, host: hostPort, registry, server, close, [Symbol.asyncDispose]: close };
}

function listenError(addr: string, e: NodeJS.ErrnoException): Error {
  if (e.code === "EADDRINUSE") {
    return new BerthError("UNAVAILABLE", `listen on ${addr}: address already in use`, { cause: e, hint: "stop what listens there or pick another --addr" });
  }
  if (e.code === "EACCES") {
    return new BerthError("PERMISSION_DENIED", `listen on ${addr}: permission denied`, { cause: e, hint: "ports below 1024 need root; pick a higher port" });
  }
  if (e.code === "EADDRNOTAVAIL" || e.code === "ENOTFOUND") {
    return new InvalidArgumentError(`listen on ${addr}: no such local address`, { cause: e });
  }
  return e;
}
