import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { InvalidArgumentError } from "../../oci/index.js";
import { RuntimeToolError } from "../errors.js";
import { readSmallFile } from "./cgroup-file.js";
import { CgroupFormatError, ContainerNotRunningError } from "./errors.js";
import { readProcProcess, type ProcProcess } from "./proc-process.js";
import { parsePsArgs, type PsContext } from "./ps-columns.js";

/** `docker top`'s answer: column titles and one row of cells per process, by pid. */
export interface ProcessTable {
  readonly titles: readonly string[];
  readonly processes: readonly (readonly string[])[];
}

/** Options of {@link listProcesses}. */
export interface ListProcessesOptions {
  /** docker top's ps arguments: none or `-ef` for UID PID PPID C STIME TTY TIME CMD, or `-o pid,comm,…`. */
  readonly psArgs?: readonly string[];
  /** Where procfs is mounted; default /proc. */
  readonly procRoot?: string;
  /** Text of the host's /etc/passwd, for user names (ps on the host shows the host's). */
  readonly passwd?: string;
  /** Kill runc after this long; default 30 s. */
  readonly timeoutMs?: number;
}

const RUNC_ID = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,1023}$/;
const MAX_OUTPUT_BYTES = 16 << 20;

/**
 * The container's processes as `docker top` shows them. The pids come from
 * `runc --root RUNC_ROOT ps --format json ID` (host pids, from the
 * container's cgroup); each row is then read from /proc/<pid>/{stat,status,
 * cmdline}, not from ps(1), so the host needs no procps and a process's
 * own text is never parsed out of a column layout. Rows are by pid;
 * processes that exit in between are left out.
 *
 * Throws INVALID_ARGUMENT for an id runc would refuse or take for a flag,
 * or ps arguments outside {@link parsePsArgs}; {@link ContainerNotRunningError}
 * when runc does not know the id; RuntimeToolError when runc fails otherwise.
 */
export async function listProcesses(runcBinary: string, runcRoot: string, id: string, opts: ListProcessesOptions = {}): Promise<ProcessTable> {
  if (!RUNC_ID.test(id)) throw new InvalidArgumentError(`container id ${JSON.stringify(id.slice(0, 80))}: letters, digits, "_.+-", not starting with a sign`);
  const columns = parsePsArgs(opts.psArgs ?? []);
  const procRoot = opts.procRoot ?? "/proc";
  const pids = await runcPids(runcBinary, runcRoot, id, opts.timeoutMs ?? 30_000);
  const ctx = await psContext(procRoot, opts.passwd);
  const procs = (await Promise.all(pids.map((pid) => readProcProcess(pid, procRoot)))).filter((p): p is ProcProcess => p !== undefined);
  return {
    titles: columns.map((c) => c.title),
    processes: procs.sort((a, b) => a.pid - b.pid).map((p) => columns.map((c) => c.cell(p, ctx))),
  };
}

async function runcPids(runc: string, root: string, id: string, timeoutMs: number): Promise<number[]> {
  const args = ["--root", root, "ps", "--format", "json", id];
  const r = await capture(runc, args, timeoutMs);
  if (r.code !== 0) {
    if (/does not exist|not found|not running/i.test(r.stderr)) throw new ContainerNotRunningError(id, r.stderr.trim() || "unknown to runc");
    throw new RuntimeToolError(runc, args, r.stderr.trim() || `exit ${r.code}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(r.stdout);
  } catch {
    throw new RuntimeToolError(runc, args, `output is not JSON: ${JSON.stringify(r.stdout.slice(0, 80))}`);
  }
  // runc prints null for a cgroup without processes.
  if (value === null) return [];
  if (!Array.isArray(value) || !value.every((p) => Number.isSafeInteger(p) && (p as number) > 0)) {
    throw new RuntimeToolError(runc, args, `expected a JSON array of pids, got ${JSON.stringify(r.stdout.slice(0, 80))}`);
  }
  return [...new Set(value as number[])];
}

async function psContext(procRoot: string, passwd: string | undefined): Promise<PsContext> {
  const [uptimeText, statText, passwdText] = await Promise.all([
    readSmallFile(`${procRoot}/uptime`),
    readSmallFile(`${procRoot}/stat`),
    passwd ?? readFile("/etc/passwd", "utf8").catch(() => ""),
  ]);
  const uptime = Number(uptimeText?.split(" ")[0]);
  const bootTime = Number(/^btime (\d+)$/m.exec(statText ?? "")?.[1]);
  if (!Number.isFinite(uptime) || uptime < 0) throw new CgroupFormatError(`${procRoot}/uptime`, "expected seconds since boot");
  if (!Number.isFinite(bootTime) || bootTime <= 0) throw new CgroupFormatError(`${procRoot}/stat`, "no btime line");
  const users = new Map<number, string>();
  for (const line of passwdText.split("\n")) {
    const [name, , uid] = line.split(":");
    if (name && uid && /^\d+$/.test(uid) && !users.has(Number(uid))) users.set(Number(uid), name);
  }
  return { uptime, bootTime, now: new Date(), userName: (uid) => users.get(uid) };
}

/** Run a program without a shell, stdin empty, stdout (bounded) and stderr kept; SIGKILL after `timeoutMs`. */
function capture(cmd: string, args: readonly string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let killedFor = "";
    const stop = (why: string): void => {
      killedFor = why;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(() => stop(`no answer after ${timeoutMs} ms`), timeoutMs);
    child.stdout.on("data", (b: Buffer) => {
      size += b.length;
      if (size > MAX_OUTPUT_BYTES) stop(`more than ${MAX_OUTPUT_BYTES} bytes of output`);
      else out.push(b);
    });
    child.stderr.on("data", (b: Buffer) => {
      if (err.length < 64) err.push(b);
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new RuntimeToolError(cmd, args, e.message, "install Debian's runc (apt-get install runc)"));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: killedFor || Buffer.concat(err).toString("utf8") });
    });
  });
}
