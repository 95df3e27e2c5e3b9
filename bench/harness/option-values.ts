// Values of the benches' flags (parsed by node:util's parseArgs as strings), checked the same way
// in every bench: a bad value throws a message naming the flag.

/** A whole number in min..max, or `dflt` when the flag is absent. */
export function intIn(flag: string, v: string | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new Error(`${flag}: "${v}" is not a whole number`);
  if (n < min || n > max) throw new Error(`${flag}: ${n} is outside ${min}..${max}`);
  return n;
}

/** `on` or `off`, or `dflt` when the flag is absent. */
export function onOff(flag: string, v: string | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (v === "on" || v === "off") return v === "on";
  throw new Error(`${flag}: "${v}" is not on or off`);
}

/** `--parts a,b`: the parts named, in the bench's own order, each once; all of them when the flag is absent. */
export function partsList<P extends string>(v: string | undefined, all: readonly P[]): P[] {
  const named = new Set<string>();
  for (const p of (v ?? all.join(",")).split(",").map((s) => s.trim())) {
    if (!(all as readonly string[]).includes(p)) throw new Error(`--parts: "${p}" is not one of ${all.join(", ")}`);
    named.add(p);
  }
  return all.filter((p) => named.has(p));
}
