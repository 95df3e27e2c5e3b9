import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startChildServer, type StartedChildServer } from "../harness/child-server.js";
import { freePort } from "../harness/free-port.js";

/** A registry under test: its process and the base URL on 127.0.0.1. */
export interface BenchRegistry {
  readonly side: "berth" | "peer";
  readonly url: string;
  readonly server: StartedChildServer;
}

/** `node <berthBin> --root <dir>/berth registry serve --addr 127.0.0.1:<free>`. */
export async function startBerth(berthBin: string, dir: string): Promise<BenchRegistry> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = await startChildServer({
    name: "berth",
    command: process.execPath,
    args: [berthBin, "--root", join(dir, "berth"), "registry", "serve", "--addr", `127.0.0.1:${port}`],
    readyUrl: `${url}/v2/`,
  });
  return { side: "berth", url, server };
}

/** Which blob descriptor cache distribution runs with; "none" is its default when storage.cache is absent. */
export type PeerCache = "none" | "inmemory";

export const DISTRIBUTION_BIN = "/usr/bin/docker-registry";

/**
 * Distribution's config: filesystem storage under `dir`, delete enabled, log level error and the
 * access log off (berth logs nothing per request unless --log, so both skip per-request logging),
 * everything else at distribution's defaults.
 */
export function distributionConfig(root: string, port: number, cache: PeerCache): string {
  return [
    "version: 0.1",
    "log:",
    "  level: error",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${JSON.stringify(root)}`,
    "  delete:",
    "    enabled: true",
    ...(cache === "inmemory" ? ["  cache:", "    blobdescriptor: inmemory"] : []),
    "http:",
    `  addr: 127.0.0.1:${port}`,
    "",
  ].join("\n");
}

/** `docker-registry serve <dir>/distribution.yml` with storage in `<dir>/distribution`. */
export async function startDistribution(dir: string, cache: PeerCache): Promise<BenchRegistry> {
  const port = await freePort();
  const root = join(dir, "distribution");
  await mkdir(root, { recursive: true });
  const configPath = join(dir, "distribution.yml");
  await writeFile(configPath, distributionConfig(root, port, cache));
  const url = `http://127.0.0.1:${port}`;
  const server = await startChildServer({
    name: "distribution",
    command: DISTRIBUTION_BIN,
    args: ["serve", configPath],
    readyUrl: `${url}/v2/`,
  });
  return { side: "peer", url, server };
}
