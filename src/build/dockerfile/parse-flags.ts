import type { InstructionFlags } from "./dockerfile-ast.js";

/**
 * The `--flags` each instruction accepts, checked as docker's BFlags does:
 * unknown names, a value missing or given where it cannot be, a flag given
 * twice. Kinds: `string` (`--from=x`), `bool` (`--link`, `--link=false`),
 * `strings` (may repeat: `--mount=… --mount=…`).
 */
type FlagKind = "string" | "bool" | "strings";

const ACCEPTED: Readonly<Record<string, Readonly<Record<string, FlagKind>>>> = {
  FROM: { platform: "string" },
  RUN: { mount: "strings", network: "string", security: "string" },
  COPY: { from: "string", chown: "string", chmod: "string", link: "bool", parents: "bool", exclude: "strings" },
  ADD: {
    chown: "string", chmod: "string", link: "bool", "keep-git-dir": "bool", checksum: "string",
    exclude: "strings", unpack: "bool",
  },
  HEALTHCHECK: {
    interval: "string", timeout: "string", "start-period": "string", "start-interval": "string", retries: "string",
  },
};

/**
 * Separates the values of a repeated flag in InstructionFlags, whose shape
 * holds one string per name; no value can hold it, since a logical
 * Dockerfile line has no newline. Read them with flagValues.
 */
const REPEAT_SEPARATOR = "\n";

/**
 * The flag words of one instruction (`--name[=value]`, from extractFlags) as
 * InstructionFlags: a true bool flag is `true`, a false one is left out, a
 * repeated flag's values are joined (read them with flagValues). Throws
 * Error with docker's wording; the parser adds the line.
 */
export function parseFlags(keyword: string, words: readonly string[]): InstructionFlags {
  const accepted = (Object.hasOwn(ACCEPTED, keyword) ? ACCEPTED[keyword] : undefined) ?? {};
  const flags: Record<string, string | true> = {};
  const seen = new Set<string>();
  for (const word of words) {
    const body = word.slice(2);
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const value = eq < 0 ? undefined : body.slice(eq + 1);
    // Own keys only: `--constructor` or `--__proto__` must not find Object's.
    const kind = Object.hasOwn(accepted, name) ? accepted[name] : undefined;
    if (kind === undefined) {
      const known = Object.keys(accepted).map((n) => `--${n}`);
      throw new Error(`unknown flag: --${name} (${keyword} accepts ${known.length ? known.join(", ") : "no flags"})`);
    }
    if (seen.has(name) && kind !== "strings") throw new Error(`duplicate flag specified: --${name}`);
    seen.add(name);
    if (kind === "bool") {
      if (value === "") throw new Error(`missing a value on flag: --${name}`);
      const lower = value?.toLowerCase() ?? "true";
      if (lower !== "true" && lower !== "false") throw new Error(`expecting boolean value for flag --${name}, not: ${value}`);
      if (lower === "true") flags[name] = true;
      else delete flags[name];
      continue;
    }
    if (value === undefined) throw new Error(`missing a value on flag: --${name}`);
    const previous = flags[name];
    flags[name] = kind === "strings" && typeof previous === "string" ? previous + REPEAT_SEPARATOR + value : value;
  }
  return flags;
}

/**
 * Every value given for a flag, in order: `[]` when absent, `["true"]` for a
 * bool flag that is set, several for a repeated `--mount` or `--exclude`.
 */
export function flagValues(flags: InstructionFlags, name: string): string[] {
  const v = flags[name];
  if (v === undefined) return [];
  if (v === true) return ["true"];
  return v.split(REPEAT_SEPARATOR);
}
