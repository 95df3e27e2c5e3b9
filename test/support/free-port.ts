import { createServer } from "node:net";

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: listen on port 0, read
 * the port the kernel picked, close. Another process may take it before the
 * caller binds it, so servers started on it should retry on EADDRINUSE.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error(`freePort: expected a TCP address, got ${String(address)}`));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
