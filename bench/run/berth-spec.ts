import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { BERTH_IMAGE } from "./bench-busybox.js";
import { berthAt } from "./run-tools.js";

/** The runtime spec berth gives a container, and the files its bind mounts take from the container's directory. */
export interface BerthSpec {
  readonly spec: RuntimeSpec;
  /**
   * File name (hostname, hosts, resolv.conf) → contents, for the binds whose source was in the
   * container's directory: their source in `spec` is that name alone, to be found in the bundle.
   */
  readonly files: ReadonlyMap<string, Buffer>;
}

/** The parts of an OCI runtime spec the bench rewrites; the rest is kept as berth wrote it. */
export interface RuntimeSpec {
  root?: { path: string; readonly?: boolean };
  process: { terminal?: boolean; args: string[] };
  mounts?: { destination: string; source?: string; type?: string; options?: string[] }[];
  linux?: { cgroupsPath?: string };
  [key: string]: unknown;
}

/**
 * Untimed: the config.json berth writes for `run --network none <image> …` (docker's seccomp
 * profile, capabilities, masked paths, namespaces, cgroup), read from a detached container that is
 * removed again. With it bare runc pays for the same isolation as berth's containers, so the gap
 * to berth is berth's own cost: CLI, daemon, overlay, monitor.
 */
export async function captureBerthSpec(root: string): Promise<BerthSpec> {
  const berth = berthAt(root);
  const id = (await berth(["run", "-d", "--network", "none", BERTH_IMAGE, "/bin/busybox", "sleep", "600"])).stdout.trim();
  try {
    const dir = join(root, "containers", id);
    const spec = JSON.parse(await readFile(join(dir, "config.json"), "utf8")) as RuntimeSpec;
    const files = new Map<string, Buffer>();
    for (const m of spec.mounts ?? []) {
      if (m.source === undefined || !m.source.startsWith(`${dir}/`)) continue;
      files.set(basename(m.source), await readFile(m.source));
      m.source = basename(m.source);
    }
    return { spec, files };
  } finally {
    await berth(["rm", "-f", id]);
  }
}
