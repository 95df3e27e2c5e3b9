import { BerthError } from "../../oci/index.js";
import { formatYamlPath, type YamlPath } from "./yaml-path.js";

/** Where in which compose file a problem is. Every field is optional: some problems have no single place. */
export interface ComposeLocation {
  readonly file?: string;
  readonly path?: YamlPath;
  /** 1-based line of the node in `file`. */
  readonly line?: number;
}

/** Render a location as `file:line: path` (parts that are unknown are left out). */
export function formatLocation(loc: ComposeLocation): string {
  const where = loc.file === undefined ? "" : loc.line === undefined ? loc.file : `${loc.file}:${loc.line}`;
  const path = loc.path === undefined ? "" : formatYamlPath(loc.path);
  return [where, path].filter((s) => s !== "").join(": ");
}

/**
 * A compose file (or a set of them) that cannot be loaded: bad YAML, a value
 * of the wrong shape, a missing required variable, a reference to something
 * undefined. The message starts with the file, the line and the YAML path:
 *
 *     compose.yaml:12: services.web.ports[1]: invalid port "80:80:80:80"
 */
export class ComposeFileError extends BerthError {
  readonly file: string | undefined;
  readonly path: YamlPath | undefined;
  readonly line: number | undefined;

  constructor(
    loc: ComposeLocation,
    readonly detail: string,
    opts: { hint?: string; cause?: unknown } = {},
  ) {
    const where = formatLocation(loc);
    super("INVALID_ARGUMENT", where === "" ? detail : `${where}: ${detail}`, opts);
    this.file = loc.file;
    this.path = loc.path;
    this.line = loc.line;
  }
}

/** Something in a compose file that berth accepts but the user should know about; returned, never thrown. */
export interface ComposeWarning extends ComposeLocation {
  readonly message: string;
}

/** Render a warning as `file:line: path: message`. */
export const formatComposeWarning = (w: ComposeWarning): string => {
  const where = formatLocation(w);
  return where === "" ? w.message : `${where}: ${w.message}`;
};
