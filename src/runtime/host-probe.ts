import { request } from "node:http";
import { connect } from "node:net";
import type { ContainerState } from "./container-state.js";

/** The first word of a health test run from the host, not in the container: `["HTTP-GET", PORT, PATH]`, `["TCP-CONNECT", PORT]`. */
export const HOST_PROBES = ["HTTP-GET", "TCP-CONNECT"] as const;

export const isHostProbe = (test: readonly string[]): boolean => (HOST_PROBES as readonly string[]).includes(test[0] ?? "");

/** The container's first IPv4 address on its networks, from its recorded network state. */
export function containerAddress(state: ContainerState): string | undefined {
  const networks = (state.network as { networks?: Record<string, { ipv4?: unknown }> } | undefined)?.networks;
  for (const n of Object.values(networks ?? {})) if (typeof n.ipv4 === "string") return n.ipv4;
  return undefined;
}

/**
 * Run a host probe (as Kubernetes' httpGet and tcpSocket probes): an HTTP
 * GET of PATH on the container's address and PORT, healthy on 200–399; or
 * a TCP connect. Needs no program in the image — a distroless image has
 * no shell or curl — and costs no process in the container. Resolves the
 * exit code a command check would give (0 healthy, 1 not) and a line of
 * output for the health log; never rejects.
 */
export async function runHostProbe(test: readonly string[], address: string | undefined, timeoutMs: number): Promise<{ code: number; output: string }> {
  const port = Number(test[1]);
  if (address === undefined) return { code: 1, output: "the container has no network address to probe" };
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { code: 1, output: `bad probe port ${JSON.stringify(test[1])}` };
  return test[0] === "TCP-CONNECT" ? tcpProbe(address, port, timeoutMs) : httpProbe(address, port, test[2] ?? "/", timeoutMs);
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (code: number, output: string): void => {
      socket.destroy();
      resolve({ code, output });
    };
    socket.once("connect", () => done(0, `connected to ${host}:${port}`));
    socket.once("timeout", () => done(1, `no connection to ${host}:${port} within ${timeoutMs} ms`));
    socket.once("error", (e) => done(1, `${host}:${port}: ${e.message}`));
  });
}

function httpProbe(host: string, port: number, path: string, timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const url = `http://${host}:${port}${path.startsWith("/") ? path : `/${path}`}`;
    const req = request(url, { method: "GET", timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve({ code: status >= 200 && status < 400 ? 0 : 1, output: `GET ${url}: HTTP ${status}` });
    });
    req.once("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once("error", (e) => resolve({ code: 1, output: `GET ${url}: ${e.message}` }));
    req.end();
  });
}
