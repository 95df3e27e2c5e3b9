import { InvalidArgumentError } from "../../oci/index.js";

/** Looks a variable up; undefined when it is unset (an empty string is set). */
export type VariableLookup = (name: string) => string | undefined;

/** What {@link interpolate} made of one string. */
export interface Interpolated {
  readonly value: string;
  /** Variables that were unset, had no default, and so became "" (compose warns about these). */
  readonly missing: readonly string[];
}

/** A `${VAR:?message}` or `${VAR?message}` whose variable is missing. */
export class RequiredVariableError extends InvalidArgumentError {
  constructor(readonly variable: string, readonly reason: string) {
    super(`required variable ${variable} is missing a value${reason === "" ? "" : `: ${reason}`}`, {
      hint: `set ${variable} in the environment or in the project's .env file`,
    });
  }
}

/** A template compose cannot read: `${` without `}`, `${1X}`, `${X/a/b}`, nesting too deep. */
export class InvalidTemplateError extends InvalidArgumentError {
  constructor(readonly template: string, reason: string) {
    super(`invalid interpolation in ${JSON.stringify(truncate(template))}: ${reason}`, {
      hint: "write a literal $ as $$; variables are $NAME or ${NAME} with an optional :-, -, :?, ?, :+ or + part",
    });
  }
}

const truncate = (s: string): string => (s.length > 80 ? `${s.slice(0, 77)}...` : s);
const NAME_START = /[_A-Za-z]/;
const NAME = /^[_A-Za-z][_A-Za-z0-9]*/;
// Defaults may nest (${A:-${B:-${C}}}); real files nest two or three deep.
const MAX_DEPTH = 32;
const OPERATORS = [":-", ":?", ":+", "-", "?", "+"] as const;

/**
 * Substitute variables in one string as compose-spec's interpolation.md and
 * docker compose (compose-go's template package) do: `$VAR`, `${VAR}`,
 * `${VAR:-default}` (unset or empty), `${VAR-default}` (unset),
 * `${VAR:?err}`, `${VAR?err}`, `${VAR:+alt}`, `${VAR+alt}`, `$$` for a
 * literal `$`. The text after an operator is itself interpolated, only when
 * it is used. A `$` not followed by a name or `{` stays as it is (`$1`, `a $ b`).
 *
 * Throws {@link RequiredVariableError} or {@link InvalidTemplateError}.
 */
export function interpolate(template: string, lookup: VariableLookup): Interpolated {
  const missing: string[] = [];
  const value = expand(template, lookup, missing, 0);
  return { value, missing: [...new Set(missing)] };
}

function expand(s: string, lookup: VariableLookup, missing: string[], depth: number): string {
  if (depth > MAX_DEPTH) throw new InvalidTemplateError(s, `defaults nested more than ${MAX_DEPTH} deep`);
  if (!s.includes("$")) return s;
  let out = "";
  let i = 0;
  while (i < s.length) {
    const dollar = s.indexOf("$", i);
    if (dollar < 0) {
      out += s.slice(i);
      break;
    }
    out += s.slice(i, dollar);
    const next = s[dollar + 1];
    if (next === "$") {
      out += "$";
      i = dollar + 2;
    } else if (next === "{") {
      const close = closingBrace(s, dollar + 2);
      if (close < 0) throw new InvalidTemplateError(s, "\"${\" is never closed with \"}\"");
      out += substitute(s.slice(dollar + 2, close), s, lookup, missing, depth);
      i = close + 1;
    } else if (next !== undefined && NAME_START.test(next)) {
      const name = NAME.exec(s.slice(dollar + 1))![0];
      out += valueOf(name, lookup, missing);
      i = dollar + 1 + name.length;
    } else {
      out += "$";
      i = dollar + 1;
    }
  }
  return out;
}

// As compose-go's getFirstBraceClosingIndex: only "${" opens, any "}" closes.
function closingBrace(s: string, from: number): number {
  let open = 1;
  for (let j = from; j < s.length; j++) {
    if (s[j] === "}") {
      open--;
      if (open === 0) return j;
    } else if (s[j] === "$" && s[j + 1] === "{") {
      open++;
      j++;
    }
  }
  return -1;
}

function valueOf(name: string, lookup: VariableLookup, missing: string[]): string {
  const v = lookup(name);
  if (v === undefined) {
    missing.push(name);
    return "";
  }
  return v;
}

function substitute(body: string, whole: string, lookup: VariableLookup, missing: string[], depth: number): string {
  const m = NAME.exec(body);
  if (m === null) throw new InvalidTemplateError(whole, `"\${${truncate(body)}}" does not start with a variable name`);
  const name = m[0];
  const rest = body.slice(name.length);
  if (rest === "") return valueOf(name, lookup, missing);
  const op = OPERATORS.find((o) => rest.startsWith(o));
  if (op === undefined) throw new InvalidTemplateError(whole, `unsupported "${truncate(rest)}" after \${${name} (only :-, -, :?, ?, :+, + are supported)`);
  const arg = (): string => expand(rest.slice(op.length), lookup, missing, depth + 1);
  const v = lookup(name);
  const set = v !== undefined;
  const nonEmpty = set && v !== "";
  switch (op) {
    case ":-": return nonEmpty ? v : arg();
    case "-": return set ? v : arg();
    case ":?": if (nonEmpty) return v; throw new RequiredVariableError(name, arg());
    case "?": if (set) return v; throw new RequiredVariableError(name, arg());
    case ":+": return nonEmpty ? arg() : "";
    case "+": return set ? arg() : "";
  }
}
