import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

// Node has no mknod, setxattr or syncfs; these coreutils and attr programs do
// those system calls for us. They live in sbin dirs that a user's PATH may omit.
const SYSTEM_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
const found = new Map<string, string | undefined>();

/** The absolute path of the program `name` (PATH, then the system dirs), or undefined; remembered. */
export function findProgram(name: string): string | undefined {
  if (found.has(name)) return found.get(name);
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter((d) => d.startsWith("/")), ...SYSTEM_DIRS];
  const path = dirs.map((d) => join(d, name)).find((p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  found.set(name, path);
  return path;
}

/** A program that ran and failed: its exit and what it printed on stderr. */
export class ProgramError extends Error {
  constructor(readonly program: string, readonly args: readonly string[], readonly stderr: string, readonly exitCode: number | string | null) {
    super(`${program} ${args.join(" ")}: exited ${exitCode}: ${stderr.trim()}`);
  }
}

/**
 * Run `program` (an absolute path from {@link findProgram}) with `args`,
 * never through a shell, with a time limit. Throws ProgramError when it
 * exits non-zero, with its stderr.
 */
export function runProgram(program: string, args: readonly string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { timeout: timeoutMs, maxBuffer: 16 << 20, encoding: "utf8" }, (err, stdout, stderr) => {
      if (err === null) resolve(stdout);
      else reject(new ProgramError(program, args, stderr, (err as NodeJS.ErrnoException & { code?: number | string }).code ?? null));
    });
  });
}
