import { request } from "node:http";
import type { ObservedReplica } from "./up-readiness.js";

/** A response body the bench will read from dockerd; its containers list is small. */
const MAX_BODY = 8 * 1024 * 1024;
const API_TIMEOUT_MS = 10_000;

/**
 * GET `path` from the Engine API on the unix socket `socketPath` (the bench's own dockerd) and
 * parse the JSON. Bounded in time and size; a non-2xx status throws with the daemon's message.
 * Polling through the API rather than the docker CLI keeps a process start out of every
 * observation, as berth's side reads its state in-process.
 */
export function dockerGet(socketPath: string, path: string, timeoutMs = API_TIMEOUT_MS): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: "GET", headers: { Host: "docker" }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) req.destroy(new Error(`docker API ${path}: answer over ${MAX_BODY} bytes`));
        else chunks.push(c);
      });
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) > 299) return reject(new Error(`docker API ${path}: ${res.statusCode}: ${text.slice(0, 300)}`));
        try {
          resolve(JSON.parse(text));
        } catch (err) {
          reject(new Error(`docker API ${path}: not JSON: ${text.slice(0, 100)}`, { cause: err }));
        }
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`docker API ${path}: no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** The health in a `docker ps` status (`Up 5 seconds (healthy)`, `(health: starting)`), or undefined when it shows none. */
export function healthOfStatus(status: string): ObservedReplica["health"] {
  const m = /\((healthy|unhealthy|health: starting)\)\s*$/.exec(status);
  if (m === null) return undefined;
  return m[1] === "health: starting" ? "starting" : (m[1] as "healthy" | "unhealthy");
}

interface ListedContainer {
  readonly Id: string;
  readonly State: string;
  readonly Status: string;
  readonly Labels: Record<string, string> | null;
}

const isListed = (v: unknown): v is ListedContainer =>
  typeof v === "object" && v !== null && typeof (v as ListedContainer).Id === "string" &&
  typeof (v as ListedContainer).State === "string" && typeof (v as ListedContainer).Status === "string";

/**
 * Every container (running or not) carrying `label` (`key=value`), as replicas of the service
 * that `serviceOf` reads from its labels; containers it maps to undefined are left out.
 */
export async function dockerReplicas(socketPath: string, label: string, serviceOf: (labels: Readonly<Record<string, string>>) => string | undefined): Promise<ObservedReplica[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
  const listed = await dockerGet(socketPath, `/containers/json?all=1&filters=${filters}`);
  if (!Array.isArray(listed)) throw new Error("docker API /containers/json: not a list");
  const out: ObservedReplica[] = [];
  for (const c of listed) {
    if (!isListed(c)) throw new Error("docker API /containers/json: an entry without Id, State or Status");
    const service = serviceOf(c.Labels ?? {});
    if (service !== undefined) out.push({ service, id: c.Id, running: c.State === "running", health: healthOfStatus(c.Status) });
  }
  return out;
}

/** The host pid of a running container's main process (`docker inspect -f {{.State.Pid}}`); throws when it has none. */
export async function dockerPid(socketPath: string, id: string): Promise<number> {
  if (!/^[0-9a-f]{12,64}$/.test(id)) throw new Error(`docker container id "${id}" is not hex`);
  const info = (await dockerGet(socketPath, `/containers/${id}/json`)) as { State?: { Pid?: unknown } } | null;
  const pid = info?.State?.Pid;
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 1) throw new Error(`docker container ${id.slice(0, 12)}: no main process (State.Pid ${JSON.stringify(pid)})`);
  return pid;
}
