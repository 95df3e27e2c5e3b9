import { InvalidArgumentError } from "../../oci/index.js";

const MULTIPLIER: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
// go-units RAMInBytes: every prefix is binary, whether written k, kb, KiB or K.
const SIZE = /^(\d+(?:\.\d+)?) ?([kmgtp]?)(i?)(b?)$/i;

/**
 * Parse a compose byte value (`512m`, `1g`, `1.5GB`, `300M`, `1024kb`,
 * `2b`, or a plain number of bytes) as docker compose does with go-units'
 * RAMInBytes: k, m, g, t and p are powers of 1024 with or without a trailing
 * `b`/`ib`, in any case, and the fraction is truncated (`1.5GB` → 1610612736).
 */
export function parseByteSize(input: string | number): number {
  if (typeof input === "number") {
    if (!Number.isSafeInteger(input) || input < 0) throw bad(input, "must be a whole number of bytes, 0 or more");
    return input;
  }
  const m = SIZE.exec(input.trim());
  if (m === null) throw bad(input, "not a byte value");
  const [, amount, prefix, i, b] = m;
  if (i !== "" && (prefix === "" || b === "")) throw bad(input, "not a byte value");
  const bytes = Math.trunc(Number(amount) * MULTIPLIER[prefix!.toLowerCase()]!);
  if (!Number.isSafeInteger(bytes)) throw bad(input, "too large");
  return bytes;
}

const bad = (input: string | number, why: string): InvalidArgumentError =>
  new InvalidArgumentError(`invalid byte value ${JSON.stringify(input)}: ${why}`, { hint: "write a number and an optional unit: 512m, 1g, 1.5GB, 2048k, 100 (bytes)" });
