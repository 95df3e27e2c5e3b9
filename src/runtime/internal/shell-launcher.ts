import { spawn, type ChildProcessByStdio } from "node:child_process";
import { accessSync, constants, mkdtempSync } from "node:fs";
import { readFile, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type { Readable, Writable } from "node:stream";
import type { ToolResult } from "./exec-tool.js";

/**
 * The shell's side: one line in, `ID 'prog' 'arg'…` (a newline in a word
 * written as "$nl"), runs that program in the background (stdin and stdout
 * /dev/null, stderr to DIR/ID) and writes `ID pid PID`, then `ID exit CODE`
 * (128 + N for signal N), with ` quiet` after it when the program wrote
 * nothing to stderr. Each line is one short write, so programs
 * running at once never mix their lines. An ID starting with `d` is a
 * detached program: all its output goes to /dev/null and nothing is
 * reported. At the end of its input (Node gone) it waits for what runs and
 * removes DIR.
 */
const SCRIPT = String.raw`dir=$1
nl='
'
run() {
  id=$1
  shift
  case $id in
  d*) "$@" </dev/null >/dev/null 2>&1 & return ;;
  esac
  {
    "$@" </dev/null >/dev/null 2>"$dir/$id" &
    echo "$id pid $!"
    wait $!
    c=$?
    if [ -s "$dir/$id" ]; then echo "$id exit $c"; else echo "$id exit $c quiet"; fi
  } &
}
while IFS= read -r line; do
  eval "run $line"
done
wait
exec /bin/rm -rf "$dir"`;

interface Pending {
  readonly resolve: (r: ToolResult) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
  pid?: number;
  killed?: boolean;
}

// A newline in a word (a script given to sh -c, say) would end the line the shell reads: it goes as
// "$nl", a variable holding one, outside the single quotes.
const quote = (word: string): string => `'${word.replaceAll("'", `'\\''`).replaceAll("\n", `'"$nl"'`)}'`;

/**
 * Starts programs through one long-lived /bin/sh instead of forking this
 * Node process for each. Forking Node copies its page tables and waits
 * until the child has exec'd, which blocks the event loop for 10 to 40 ms
 * per program on a loaded machine; the shell, a few hundred KiB, forks in
 * a fraction of that, in its own process, while Node goes on. berth runs
 * four to six programs per container (mount, runc start, kill and delete,
 * umount): a `stop` of 50 containers runs 200.
 *
 * One launcher per process ({@link shellLauncher}), started on first use
 * in a process group of its own (a Ctrl-C at the terminal is berth's to
 * handle, not the half-done `runc delete`'s); it never keeps Node alive
 * while idle, and ends when Node does. Should the shell die, programs
 * waiting for it fail and later ones are forked directly.
 */
export class ShellLauncher {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private out = "";
  private dead = false;

  private constructor(
    private readonly shell: ChildProcessByStdio<Writable, Readable, null>,
    private readonly dir: string,
  ) {
    shell.stdout.setEncoding("utf8");
    shell.stdout.on("data", (chunk: string) => this.onOutput(chunk));
    shell.on("error", () => this.onDeath());
    shell.on("exit", () => this.onDeath());
    shell.stdin.on("error", () => this.onDeath());
    this.idle();
  }

  /** A launcher, or undefined when no shell can be started here. */
  static start(): ShellLauncher | undefined {
    try {
      const dir = mkdtempSync(join(tmpdir(), "berth-launch-"));
      const shell = spawn("/bin/sh", ["-c", SCRIPT, "berth-launcher", dir], { stdio: ["pipe", "pipe", "ignore"], detached: true });
      return new ShellLauncher(shell, dir);
    } catch {
      return undefined;
    }
  }

  /** False once the shell is gone: run programs some other way. */
  get usable(): boolean {
    return !this.dead;
  }

  /**
   * Run `cmd` (a path, or a name found on PATH) with `args`, killed after
   * `timeoutMs`; resolves with its exit code and stderr. Rejects when the
   * shell dies first (whether the program ran is then unknown), and for an
   * argument holding a NUL.
   */
  run(cmd: string, args: readonly string[], timeoutMs: number): Promise<ToolResult> {
    return new Promise<ToolResult>((resolve, reject) => {
      if ([cmd, ...args].some((a) => a.includes("\0"))) throw new Error("a program's arguments cannot hold a NUL");
      const id = this.nextId++;
      const timer = setTimeout(() => this.kill(id), timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.busy();
      this.shell.stdin.write(`${id} ${[cmd, ...args].map(quote).join(" ")}\n`);
    });
  }

  /**
   * Start `cmd` with `args` and forget it: no result, no timeout, and it
   * goes on after this process ends (the shell waits for it before it
   * ends). Resolves once the shell has been told; rejects when it cannot be
   * (an argument holding a NUL, which no program's arguments can).
   */
  launchDetached(cmd: string, args: readonly string[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if ([cmd, ...args].some((a) => a.includes("\0"))) throw new Error("a program's arguments cannot hold a NUL");
      this.shell.stdin.write(`d${this.nextId++} ${[cmd, ...args].map(quote).join(" ")}\n`, (e) => (e ? reject(e) : resolve()));
    });
  }

  /** The shell's pid: while it lives, a detached program may still be running. */
  get pid(): number | undefined {
    return this.shell.pid;
  }

  private onOutput(chunk: string): void {
    this.out += chunk;
    for (let nl = this.out.indexOf("\n"); nl >= 0; nl = this.out.indexOf("\n")) {
      const [id, what, value, quiet] = this.out.slice(0, nl).split(" ");
      this.out = this.out.slice(nl + 1);
      const p = this.pending.get(Number(id));
      if (p === undefined) continue;
      if (what === "pid") {
        p.pid = Number(value);
        if (p.killed) this.kill(Number(id));
      } else if (what === "exit") {
        this.settle(Number(id), p, Number(value), quiet === "quiet");
      }
    }
  }

  private settle(id: number, p: Pending, code: number, quiet: boolean): void {
    clearTimeout(p.timer);
    this.pending.delete(id);
    if (this.pending.size === 0) this.idle();
    const file = join(this.dir, String(id));
    // Nothing on stderr (the usual case): no file to read before the caller goes on, on the path of a start.
    if (quiet) {
      void unlink(file).catch(() => undefined);
      return p.resolve({ code, stderr: "" });
    }
    void readFile(file, "utf8").catch(() => "").then((stderr) => {
      void unlink(file).catch(() => undefined);
      p.resolve({ code, stderr: stderr.trim() });
    });
  }

  /** Kill program `id`; when its pid is not known yet, as soon as it is. */
  private kill(id: number): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    p.killed = true;
    if (p.pid !== undefined) {
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {
        // Already gone: its exit line is on the way.
      }
    }
  }

  private onDeath(): void {
    if (this.dead) return;
    this.dead = true;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new Error("the shell that started the program ended before the program did"));
    }
    this.idle();
  }

  /** While programs run, their results keep Node alive; idle, the shell does not. */
  private busy(): void {
    this.shell.ref();
    (this.shell.stdout as Readable & { ref?: () => void }).ref?.();
  }

  private idle(): void {
    this.shell.unref();
    (this.shell.stdout as Readable & { unref?: () => void }).unref?.();
    (this.shell.stdin as Writable & { unref?: () => void }).unref?.();
  }
}

let launcher: ShellLauncher | undefined;
let launcherTried = false;

/** This process's launcher, started on first call; undefined when there can be none (or it died). */
export function shellLauncher(): ShellLauncher | undefined {
  if (!launcherTried) {
    launcherTried = true;
    launcher = ShellLauncher.start();
  }
  return launcher?.usable ? launcher : undefined;
}

const found = new Map<string, boolean>();

/**
 * Whether `cmd` names an executable (a path, or a name on PATH as execvp
 * searches it); remembered per process. A program that is not there is
 * left to spawn(), whose ENOENT error callers already turn into a message.
 */
export function isLaunchable(cmd: string): boolean {
  let ok = found.get(cmd);
  if (ok === undefined) {
    const dirs = cmd.includes("/") ? [""] : (process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(delimiter).filter((d) => d !== "");
    ok = dirs.some((d) => {
      try {
        accessSync(d === "" ? cmd : join(d, cmd), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
    found.set(cmd, ok);
  }
  return ok;
}
