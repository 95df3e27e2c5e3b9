import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { readdir, realpath } from "node:fs/promises";
import { join } from "node:path";
import { Runc } from "../../runtime/index.js";
import { discardStepDir } from "./step-rootfs.js";

/**
 * What a build makes in the work dir, named after its process so a later
 * build can tell a killed one's: `step-<pid>-<hex>`, StepRunner's step
 * directories, and `add-<pid>-<6 characters>`, ADD's download directories
 * (mkdtemp of {@link downloadDirPrefix}).
 */
const STALE_DIR = /^(?:step-(\d+)-[0-9a-f]+|add-(\d+)-[0-9A-Za-z]{6})$/;

/** The mkdtemp prefix of an ADD download directory in the work dir: this process's, for {@link removeStaleSteps}. */
export const downloadDirPrefix = (): string => `add-${process.pid}-`;

/** A new step directory's name in the work dir: this process's, for {@link removeStaleSteps}. */
export const stepDirName = (): string => `step-${process.pid}-${randomBytes(6).toString("hex")}`;

/**
 * Remove what builds killed without a chance to clean up (kill -9, a crash,
 * a reboot with a persistent root) left in `workDir`: step directories and
 * ADD's download directories whose build process is gone. A RUN step's container may still be running there
 * (`runc run` outlives its parent): it is killed and deleted from runc's
 * state in `runcStateDir`, then the step's overlay is unmounted and the
 * directory removed. Directories of live processes, this one's included,
 * are left alone. Best effort: a directory that cannot be cleaned is kept
 * for the next build. Returns the directories removed.
 */
export async function removeStaleSteps(workDir: string, runcStateDir: string): Promise<string[]> {
  // Real paths throughout: runc records a bundle's, /proc/self/mountinfo a
  // mount's, and a berth root reached through a symlink would match neither,
  // leaving the container running and its overlay mounted.
  const dir = await resolved(workDir);
  const stale = (await readdir(dir).catch(() => [] as string[]))
    .filter((name) => {
      const m = STALE_DIR.exec(name);
      return m !== null && !isAlive(Number(m[1] ?? m[2]));
    })
    .map((name) => join(dir, name));
  if (stale.length === 0) return [];
  await deleteContainersIn(stale, runcStateDir);
  const removed: string[] = [];
  for (const step of stale) {
    if (await discardStepDir(step).then(() => true, () => false)) removed.push(step);
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

/**
 * Kill and delete the runc containers whose bundle is in one of `dirs` (a
 * step's bundle is `<stepDir>/bundle`), both sides compared as real paths.
 */
async function deleteContainersIn(dirs: readonly string[], runcStateDir: string): Promise<void> {
  const runc = new Runc({ stateDir: runcStateDir });
  const bundles = new Set(await Promise.all(dirs.map((d) => resolved(join(d, "bundle")))));
  for (const c of await runc.listBundles().catch(() => [])) {
    if (bundles.has(await resolved(c.bundle))) await runc.delete(c.id).catch(() => undefined);
  }
}

/** `path` with symlinks resolved; as it is when it cannot be (gone already). */
const resolved = (path: string): Promise<string> => realpath(path).catch(() => path);
