import { fileURLToPath } from "node:url";
import { findTool } from "../../test/support/require-root.js";
import { describeResult } from "../../test/support/run.js";
import { CommandRunner, type CommandOptions, type CommandResult } from "../harness/command-runner.js";

// dist/bench/pull/tools.js → <repo>/bin/berth.cjs. The benches run it as an executable, as users run
// the `berth` on their PATH (its shebang starts Node without loading NODE_EXTRA_CA_CERTS, see there),
// not as `node bin/berth.cjs`.
export const BERTH_BIN = fileURLToPath(new URL("../../../bin/berth.cjs", import.meta.url));

/** Every pull, push, copy or unpack of the bench gets this long before it is killed. */
export const OP_TIMEOUT_MS = 300_000;

const OUTPUT_KEEP = 1500;
const tail = (s: string): string => (s.length > OUTPUT_KEEP ? `…${s.slice(-OUTPUT_KEEP)}` : s);

/** Every tool the pull bench runs goes through this, so cleanup can stop what is still running. */
export const commands = new CommandRunner();

/**
 * Run `cmd args` directly (no shell), bounded by `timeoutMs` (default {@link OP_TIMEOUT_MS});
 * resolve on exit 0, else throw with the command, how it ended and the tail of its output.
 */
export async function mustRun(cmd: string, args: readonly string[], opts: Partial<CommandOptions> = {}): Promise<CommandResult> {
  return mustSucceed(commands.run(cmd, args, { timeoutMs: OP_TIMEOUT_MS, ...opts }));
}

/** Resolve a finished command that exited 0; throw {@link describeResult} (output cut to its tail) otherwise. */
export async function mustSucceed<R extends CommandResult>(pending: Promise<R>): Promise<R> {
  const r = await pending;
  if (r.code === 0) return r;
  throw new Error(describeResult({ ...r, stdout: tail(r.stdout), stderr: tail(r.stderr) }));
}

/** `bin/berth.cjs args…`, bounded and checked like {@link mustRun}. */
export const berth = (args: readonly string[]): Promise<CommandResult> => mustRun(BERTH_BIN, [...args]);

/**
 * `skopeo --insecure-policy --tmpdir <tmpDir> args…` (the host's policy.json neither blocks nor
 * is needed; big blobs are staged in the bench's temp dir), checked like {@link mustRun}.
 */
export const skopeo = (args: readonly string[], tmpDir: string): Promise<CommandResult> =>
  mustRun("skopeo", ["--insecure-policy", "--tmpdir", tmpDir, ...args]);

/**
 * Why berth cannot run `command` yet, or undefined when it can: `berth help <command>` exits 0
 * only for a command the CLI has (commander answers `berth <unknown> --help` with the top help
 * and exit 0, so that probe would lie).
 */
export async function berthLacks(command: string): Promise<string | undefined> {
  const r = await commands.run(BERTH_BIN, ["help", command], { timeoutMs: 30_000 });
  if (r.code === 0) return undefined;
  const error = r.stderr.split("\n").find((l) => l.startsWith("error:"));
  return `this berth has no \`${command}\` command (\`berth help ${command}\` exits ${r.code}${error === undefined ? "" : `: ${error}`})`;
}

/** Why `tools` cannot be used here (some missing), or undefined when all are installed. */
export function missing(tools: readonly string[], needsRoot: boolean): string | undefined {
  const gone = tools.filter((t) => findTool(t) === undefined);
  if (gone.length > 0) return `${gone.join(", ")} not installed (apt-get install the Debian package)`;
  if (needsRoot && process.getuid?.() !== 0) return `needs root, running as uid ${process.getuid?.()}`;
  return undefined;
}

/** First line of `cmd args` (a version), or "<cmd> (version unknown)". */
export async function versionOf(cmd: string, args: readonly string[]): Promise<string> {
  const r = await commands.run(cmd, args, { timeoutMs: 10_000 }).catch(() => undefined);
  const line = r?.code === 0 ? `${r.stdout}${r.stderr}`.trim().split("\n")[0] : undefined;
  return line !== undefined && line !== "" ? line : `${cmd} (version unknown)`;
}
