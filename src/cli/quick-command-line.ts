import type { FlagSpec } from "./flag-table.js";
import type { GlobalOptions } from "./global-options.js";

/** A command line {@link readQuickCommandLine} read: the operands, the command's flags, the global options. */
export interface QuickCommandLine<F> {
  /** From the first operand on: flags stop there (commander's passThroughOptions), so the rest are operands too. */
  readonly operands: readonly string[];
  /** Keyed and valued as commander's `opts()` would give them. */
  readonly flags: F;
  readonly globals: GlobalOptions;
}

interface Flag {
  /** commander's attribute name: `--env-file` envFile, `--no-healthcheck` healthcheck. */
  readonly key: string;
  readonly takesValue: boolean;
  /** A `[value]` flag: commander's rules for it are not followed here. */
  readonly optionalValue: boolean;
  readonly negate: boolean;
  readonly repeatable: boolean;
}

const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** `-e, --env <NAME=value>` as a flag, and the words that name it. */
function flagOf(spec: FlagSpec): { flag: Flag; names: string[] } {
  const [names = "", value] = spec.flags.split(/ (?=[<[])/);
  const words = names.split(/[ ,|]+/).filter((w) => w !== "");
  const long = words.find((w) => w.startsWith("--")) ?? words[0] ?? "";
  const negate = long.startsWith("--no-");
  const key = camel(long.replace(/^--(no-)?/, "").replace(/^-/, ""));
  return {
    flag: { key, takesValue: value !== undefined, optionalValue: value?.startsWith("[") === true, negate, repeatable: spec.repeatable === true },
    names: words,
  };
}

/**
 * Read `argv` (the global options `--root DIR` and `--debug`, then `word`,
 * then its flags from `table`, then its operands) as the whole CLI's
 * commander program reads it, without loading commander — for a client
 * bundle's usual case, where commander's setting up of a command of fifty
 * flags and reading it took 1.5 ms of a `berth run`'s 80 here. Only the
 * common forms are read: `--flag`, `--flag value`, `--flag=value`, `-f`,
 * `-f value`, `-fvalue`, `--`. Anything else — help, an unknown or grouped
 * flag, a missing value, no operand — gives undefined, having printed
 * nothing, and the caller hands the line to the whole command, whose
 * commander reads it (or says what is wrong with it). A test compares the
 * two readings over generated command lines (quick-command-line.test.ts).
 */
export function readQuickCommandLine<F>(word: string, table: readonly FlagSpec[], argv: readonly string[]): QuickCommandLine<F> | undefined {
  const globals: { root?: string; debug?: boolean } = {};
  let i = 0;
  for (; i < argv.length && argv[i] !== word; i++) {
    const a = argv[i]!;
    if (a === "--debug") globals.debug = true;
    else if (a === "--root" && i + 1 < argv.length) globals.root = argv[++i]!;
    else if (a.startsWith("--root=")) globals.root = a.slice("--root=".length);
    else return undefined;
  }
  if (i === argv.length) return undefined;
  const byName = new Map<string, Flag>();
  const flags: Record<string, unknown> = {};
  const read = (from: number): QuickCommandLine<F> => ({ operands: argv.slice(from), flags: flags as F, globals });
  for (const spec of table) {
    const { flag, names } = flagOf(spec);
    for (const n of names) byName.set(n, flag);
    if (flag.repeatable) flags[flag.key] = [];
    else if (spec.default !== undefined) flags[flag.key] = spec.default;
    else if (flag.negate) flags[flag.key] = true;
  }
  const set = (flag: Flag, value: string | undefined): void => {
    if (!flag.takesValue) flags[flag.key] = !flag.negate;
    else if (flag.repeatable) flags[flag.key] = [...(flags[flag.key] as string[]), value!];
    else flags[flag.key] = value;
  };
  for (i++; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") return read(i + 1);
    if (a.length < 2 || !a.startsWith("-")) return read(i);
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const name = eq > 0 ? a.slice(0, eq) : a.startsWith("--") ? a : a.slice(0, 2);
    const flag = byName.get(name);
    if (flag === undefined || flag.optionalValue) return undefined;
    if (eq > 0 || (!a.startsWith("--") && a.length > 2)) {
      // `--flag=value`, `-fvalue`; a group of one-letter flags (`-it`) is left to commander.
      if (!flag.takesValue) return undefined;
      set(flag, eq > 0 ? a.slice(eq + 1) : a.slice(2));
    } else if (flag.takesValue) {
      // commander takes the next word as the value whatever it looks like, as docker does.
      if (i + 1 >= argv.length) return undefined;
      set(flag, argv[++i]);
    } else {
      set(flag, undefined);
    }
  }
  return undefined;
}
