import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Runc } from "../../runtime/index.js";
import { discardStepDir } from "./step-rootfs.js";

/** `step-<pid of the build>-<random>`: the name StepRunner gives each step directory. */
const STEP_DIR = /^step-(\d+)-[0-9a-f]+$/;

/**
 * Remove what builds killed without a chance to clean up (kill -9, a crash,
 * a reboot with a persistent root) left in `workDir`: step directories whose
 * build process is gone. A RUN step's container may still be running there
 * (`runc run` outlives its parent): it is killed and deleted from runc's
 * state in `runcStateDir`, then the step's overlay is unmounted and the
 * directory removed. Directories of live processes, this one's included,
 * are left alone. Best effort: a directory that cannot be cleaned is kept
 * for the next build. Returns the directories removed.
 */
export async function removeStaleSteps(workDir: string, runcStateDir: string): Promise<string[]> {
  const stale = (await readdir(workDir).catch(() => [] as string[]))
    .filter((name) => {
      const m = STEP_DIR.exec(name);
      return m !== null && !isAlive(Number(m[1]));
    })
    .map((name) => join(workDir, name));
  if (stale.length === 0) return [];
  await deleteContainersIn(stale, runcStateDir);
  const removed: string[] = [];
  for (const dir of stale) {
    if (await discardStepDir(dir).then(() => true, () => false)) removed.push(dir);
  }
  return removed;
}

/**
 * True when `pid` names a running process (EPERM: one of another user, alive
 * too). A zombie is dead: a build killed a moment ago may not be reaped yet.
 */
function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  // /proc/<pid>/stat: "pid (comm) S …", the state after the last ")" (comm may hold spaces and parentheses).
  const stat = readProcStat(pid);
  return stat === undefined || !/\)\s+Z\s/.test(stat);
}

function readProcStat(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
}

/** Kill and delete the runc containers whose bundle is in one of `dirs` (a step's bundle is `<stepDir>/bundle`). */
async function deleteContainersIn(dirs: readonly string[], runcStateDir: string): Promise<void> {
  const runc = new Runc({ stateDir: runcStateDir });
  for (const id of await readdir(runcStateDir).catch(() => [] as string[])) {
    const bundle = await readFile(join(runcStateDir, id, "state.json"), "utf8")
      .then((text) => bundleOf(JSON.parse(text) as unknown), () => undefined);
    if (bundle !== undefined && dirs.some((d) => bundle === join(d, "bundle"))) await runc.delete(id).catch(() => undefined);
  }
}

/** The `bundle=` label runc records in a container's state.json. */
function bundleOf(state: unknown): string | undefined {
  const labels = (state as { config?: { labels?: unknown } } | null)?.config?.labels;
  if (!Array.isArray(labels)) return undefined;
  const label = labels.find((l): l is string => typeof l === "string" && l.startsWith("bundle="));
  return label?.slice("bundle=".length);
}
