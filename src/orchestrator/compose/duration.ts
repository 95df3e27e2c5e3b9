import { InvalidArgumentError } from "../../oci/index.js";

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, "µs": 0.001, "μs": 0.001, ns: 0.000001 };
// Largest unit first, each at most once: compose-spec's schema rejects "1s10h".
const ORDER = ["h", "m", "s", "ms", "us", "ns"];
const PART = /(\d+(?:\.\d+)?|\.\d+)(h|ms|m|s|us|µs|μs|ns)/y;

/**
 * Parse a compose duration (`1m30s`, `10s`, `500ms`, `1h5m30s20ms`, `1.5h`)
 * into milliseconds, as compose-spec 11-extension.md "Specifying durations"
 * and Go's time.ParseDuration read it, but with units in decreasing order and
 * each once, as the compose-spec schema requires. `0` needs no unit. Results
 * below a millisecond keep their fraction (`500us` → 0.5).
 *
 * A bare number other than 0 is refused (Go refuses it too: "missing unit").
 */
export function parseDuration(input: string | number): number {
  const text = typeof input === "number" ? String(input) : input.trim();
  if (text === "0") return 0;
  const bad = (why: string): InvalidArgumentError =>
    new InvalidArgumentError(`invalid duration ${JSON.stringify(input)}: ${why}`, { hint: "write a number and a unit, largest first: 1m30s, 10s, 500ms (units h, m, s, ms, us, ns)" });
  if (/^\d+(\.\d+)?$/.test(text)) throw bad("missing unit");
  if (text === "") throw bad("empty");
  let total = 0;
  let pos = 0;
  let last = -1;
  PART.lastIndex = 0;
  while (pos < text.length) {
    PART.lastIndex = pos;
    const m = PART.exec(text);
    if (m === null) throw bad(`unexpected ${JSON.stringify(text.slice(pos, pos + 10))}`);
    const unit = m[2] === "µs" || m[2] === "μs" ? "us" : m[2]!;
    const rank = ORDER.indexOf(unit);
    if (rank <= last) throw bad(`unit "${unit}" out of order (largest first, each once)`);
    last = rank;
    total += Number(m[1]) * UNIT_MS[unit]!;
    pos = PART.lastIndex;
  }
  if (!Number.isFinite(total) || total > Number.MAX_SAFE_INTEGER) throw bad("too long");
  return total;
}
