import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import type { TestContext } from "node:test";

/** Where root's tools live even when the test runner's PATH leaves them out. */
const SYSTEM_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/** True when this process runs as uid 0. */
export const isRoot = (): boolean => process.getuid?.() === 0;

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * The absolute path of `tool`, or undefined. A name containing "/" is checked
 * as given; a bare name is searched in PATH, then in the usual system dirs.
 */
export function findTool(tool: string): string | undefined {
  if (tool.includes("/")) return isExecutable(tool) ? tool : undefined;
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter((d) => d !== ""), ...SYSTEM_DIRS];
  return dirs.map((d) => join(d, tool)).find(isExecutable);
}

/** The tools from `tools` that {@link findTool} cannot find, in the given order. */
export const missingTools = (tools: readonly string[]): string[] => tools.filter((t) => findTool(t) === undefined);

/**
 * Skip the test (with the reason printed by the reporter) unless it runs as
 * root. Returns true when the test may go on: `if (!requireRoot(t)) return;`.
 */
export function requireRoot(t: TestContext): boolean {
  if (isRoot()) return true;
  t.skip(`needs root (uid 0), running as uid ${process.getuid?.() ?? "unknown"}`);
  return false;
}

/**
 * Skip the test unless every tool is installed, naming the missing ones.
 * Returns true when the test may go on: `if (!requireTools(t, ["skopeo"])) return;`.
 */
export function requireTools(t: TestContext, tools: readonly string[]): boolean {
  const missing = missingTools(tools);
  if (missing.length === 0) return true;
  t.skip(`needs ${missing.join(", ")} (not found in PATH or ${SYSTEM_DIRS.join(":")}); apt-get install the Debian package`);
  return false;
}
