import { randomBytes } from "node:crypto";
import { access } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { BerthError, InvalidArgumentError } from "../../oci/index.js";
import { RuntimeToolError } from "../errors.js";
import { runTool } from "./internal/run-tool.js";

/** Where `ip netns` keeps named network namespaces. */
export const NETNS_DIR = "/run/netns";

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/**
 * Make an empty network namespace for a container and return its path,
 * `/run/netns/berth-<first 12 hex of the id>`, for runc's
 * `linux.namespaces[{type: "network", path}]` and for netavark.
 *
 * Made with `ip netns add` rather than a bind mount under the berth root:
 * /run is a tmpfs, so a reboot (which ends every namespace) leaves no dead
 * mount behind; ip makes /run/netns a shared mount, so the bind mount and
 * its unmount reach copies of the mount table (a container's own mount
 * namespace) instead of pinning the namespace there; and `ip netns exec`
 * works on it for debugging, as for podman's.
 *
 * A namespace of that name existing already is a BerthError ALREADY_EXISTS.
 */
export async function createNetns(containerId: string): Promise<string> {
  if (!/^[0-9a-f]{12,64}$/.test(containerId)) {
    throw new InvalidArgumentError(`container id ${JSON.stringify(containerId.slice(0, 80))}: expected 12 to 64 lower-case hex characters`);
  }
  return addNetns(`berth-${containerId.slice(0, 12)}`, containerId);
}

/**
 * Remove a namespace {@link createNetns} made: unmount and delete its file.
 * Processes still inside keep it alive until they exit. Idempotent: a path
 * that is gone already is fine. Only paths under /run/netns are accepted.
 */
export async function removeNetns(path: string): Promise<void> {
  if (dirname(path) !== NETNS_DIR || !/^[a-zA-Z0-9_.-]+$/.test(basename(path))) {
    throw new InvalidArgumentError(`network namespace ${JSON.stringify(path)}: not under ${NETNS_DIR}`, { hint: "pass the path createNetns returned" });
  }
  if (!(await exists(path))) return;
  const args = ["netns", "delete", basename(path)];
  const r = await runTool("ip", args, { timeoutMs: 30_000 });
  if (r.code !== 0 && (await exists(path))) throw new RuntimeToolError("ip", args, r.stderr.trim() || `exit ${r.code}`);
}

/**
 * A short-lived namespace for repairs (see disconnectContainer), named
 * `berth-fix-<random>`; remove it with {@link removeNetns}.
 */
export async function createScratchNetns(): Promise<string> {
  return addNetns(`berth-fix-${randomBytes(4).toString("hex")}`, "scratch");
}

async function addNetns(name: string, owner: string): Promise<string> {
  const path = `${NETNS_DIR}/${name}`;
  if (await exists(path)) {
    throw new BerthError("ALREADY_EXISTS", `network namespace ${path} exists already`, {
      hint: `another container with id ${owner.slice(0, 12)}… holds it, or a crash left it: removeNetns("${path}") if no container uses it`,
    });
  }
  const args = ["netns", "add", name];
  const r = await runTool("ip", args, { timeoutMs: 30_000 });
  if (r.code !== 0) throw new RuntimeToolError("ip", args, r.stderr.trim() || `exit ${r.code}`, "needs root (CAP_SYS_ADMIN) and iproute2");
  return path;
}
