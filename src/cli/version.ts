import { readFileSync } from "node:fs";

/**
 * The package version, read once from berth's package.json: three levels above
 * dist/src/cli, or two above dist/bundle when this module is in the CLI's bundle.
 */
export const VERSION: string = (() => {
  for (const rel of ["../../../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "berth" && pkg.version !== undefined) return pkg.version;
    } catch {
      // Not there from this file's location: try the other.
    }
  }
  return "0.0.0";
})();
