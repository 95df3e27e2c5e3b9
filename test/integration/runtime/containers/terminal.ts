import { spawn } from "node:child_process";

/** What a command run under a terminal did. */
export interface TerminalResult {
  /** Exit code (script -e passes the command's on), or null when killed. */
  readonly code: number | null;
  /** Everything the terminal showed, \r\n line ends and echoed input included. */
  readonly output: string;
  readonly timedOut: boolean;
}

/** Options for {@link runInTerminal}. */
export interface TerminalOptions {
  /** Typed one at a time, each once the output shows one more shell prompt ("# ") than before. */
  readonly lines?: readonly string[];
  /** Kill after this long (default 30 000 ms). */
  readonly timeoutMs?: number;
}

const quote = (arg: string): string => `'${arg.replaceAll("'", "'\\''")}'`;

/**
 * Run `argv` with a real terminal as its stdin, stdout and stderr, made by
 * util-linux's `script -qec CMD /dev/null`. stdin stays open until the
 * command ends: at end of input runc's terminal proxy types a NUL (echoed as
 * ^@), which a person at a keyboard never sees.
 */
export function runInTerminal(argv: readonly string[], opts: TerminalOptions = {}): Promise<TerminalResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", argv.map(quote).join(" "), "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    let sent = 0;
    let timedOut = false;
    const pending = [...(opts.lines ?? [])];
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 30_000);
    const onData = (b: Buffer): void => {
      output += b.toString("utf8");
      const prompts = output.split("# ").length - 1;
      if (pending.length > 0 && prompts > sent) {
        sent = prompts;
        child.stdin.write(`${pending.shift()}\n`);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.stdin.on("error", () => undefined);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`script: cannot start: ${e.message}`, { cause: e }));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, output, timedOut });
    });
  });
}
