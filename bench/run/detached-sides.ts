import type { StartedDockerd } from "../../test/support/dockerd.js";
import { mustSucceed } from "../pull/tools.js";
import { BERTH_IMAGE, DOCKER_IMAGE } from "./bench-busybox.js";
import { childrenNamed } from "./proc-memory.js";
import { berthAt, COMMAND_TIMEOUT_MS } from "./run-tools.js";

/**
 * One engine's way to run many detached `sleep` containers, find their processes and get rid
 * of them. Lifecycle: `startOne` N times, `initPids`, `stop`, `remove`; `leftovers` before and after.
 */
export interface DetachedSide {
  /** "berth", "docker". */
  readonly name: string;
  readonly isBerth: boolean;
  /** Kernel name (/proc/PID/status Name) of the per-container monitor: the parent of each container's init. */
  readonly monitor: string;
  /** `run -d --network none IMAGE /bin/busybox sleep 600`; resolves to the full container id. */
  startOne(): Promise<string>;
  /** The host pid of each container's init, in the order of `ids`; throws unless each one runs. */
  initPids(ids: readonly string[]): Promise<number[]>;
  /** `stop -t 1 ids…`, one command. */
  stop(ids: readonly string[]): Promise<void>;
  /** `rm -f ids…`, one command. */
  remove(ids: readonly string[]): Promise<void>;
  /** Ids of every container the engine still has, running or not. */
  leftovers(): Promise<string[]>;
  /** Pids of the engine's daemons (their memory is part of its per-container cost); none for berth. */
  daemonPids(): Promise<number[]>;
}

const SLEEP = ["/bin/busybox", "sleep", "600"];
/** 50 stops of a container that ignores SIGTERM (sleep as pid 1) take ≥ 50 s one after another. */
const BATCH_TIMEOUT_MS = 900_000;

const INSPECT_BATCH = 8;
/** Below the command runner's 64 KiB output tail. */
const OUTPUT_LIMIT = 60 * 1024;

const lines = (s: string): string[] => s.split("\n").map((l) => l.trim()).filter((l) => l !== "");
const fullId = (s: string, what: string): string => {
  const id = s.trim();
  if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`${what}: expected a 64-hex container id, got "${id.slice(0, 100)}"`);
  return id;
};

interface InspectShape {
  readonly Id?: unknown;
  readonly State?: { readonly Pid?: unknown; readonly Running?: unknown };
}

/** Pids from an inspect array, checked: every container there, running, with a pid. */
export function pidsFromInspect(inspected: unknown, ids: readonly string[], what: string): number[] {
  if (!Array.isArray(inspected)) throw new Error(`${what}: not a JSON array`);
  const byId = new Map<string, InspectShape>();
  for (const c of inspected as InspectShape[]) if (typeof c?.Id === "string") byId.set(c.Id, c);
  return ids.map((id) => {
    const c = byId.get(id);
    const pid = c?.State?.Pid;
    if (c === undefined) throw new Error(`${what}: container ${id} missing`);
    if (c.State?.Running !== true || typeof pid !== "number" || !Number.isSafeInteger(pid) || pid < 1) {
      throw new Error(`${what}: container ${id} is not running with a pid (State ${JSON.stringify(c.State)})`);
    }
    return pid;
  });
}

/** berth's CLI on its own root; each container under its own conmon. */
export function berthDetached(root: string): DetachedSide {
  const berth = berthAt(root);
  return {
    name: "berth", isBerth: true, monitor: "conmon",
    startOne: async () => fullId((await berth(["run", "-d", "--network", "none", BERTH_IMAGE, ...SLEEP])).stdout, "berth run -d"),
    initPids: async (ids) => {
      const pids: number[] = [];
      // A few at a time: the command runner keeps only the last 64 KiB of output, and one
      // container's inspect JSON is a few KiB.
      for (let i = 0; i < ids.length; i += INSPECT_BATCH) {
        const batch = ids.slice(i, i + INSPECT_BATCH);
        const out = (await berth(["inspect", ...batch])).stdout;
        if (out.length >= OUTPUT_LIMIT) throw new Error(`berth inspect of ${batch.length} containers: ${out.length} bytes of output, too much to trust untruncated`);
        pids.push(...pidsFromInspect(JSON.parse(out), batch, "berth inspect"));
      }
      return pids;
    },
    stop: async (ids) => void (await berth(["stop", "-t", "1", ...ids], BATCH_TIMEOUT_MS)),
    remove: async (ids) => void (await berth(["rm", "-f", ...ids], BATCH_TIMEOUT_MS)),
    leftovers: async () => lines((await berth(["ps", "-a", "-q", "--no-trunc"])).stdout),
    daemonPids: async () => [],
  };
}

/** The docker CLI on the bench's dockerd; each container under its own containerd-shim-runc-v2. */
export function dockerDetached(d: StartedDockerd): DetachedSide {
  const docker = async (args: readonly string[], timeoutMs = COMMAND_TIMEOUT_MS): Promise<string> =>
    (await mustSucceed(d.docker(args, { timeoutMs }))).stdout;
  return {
    name: "docker", isBerth: false,
    // The kernel keeps 15 bytes of "containerd-shim-runc-v2".
    monitor: "containerd-shim",
    startOne: async () => fullId(await docker(["run", "-d", "--network", "none", DOCKER_IMAGE, ...SLEEP]), "docker run -d"),
    initPids: async (ids) => pidsFromInspect(JSON.parse(await docker(["inspect", ...ids])), ids, "docker inspect"),
    stop: async (ids) => void (await docker(["stop", "-t", "1", ...ids], BATCH_TIMEOUT_MS)),
    remove: async (ids) => void (await docker(["rm", "-f", ...ids], BATCH_TIMEOUT_MS)),
    leftovers: async () => lines(await docker(["ps", "-a", "-q", "--no-trunc"])),
    daemonPids: async () => [d.pid, ...(await childrenNamed(d.pid, "containerd"))],
  };
}
