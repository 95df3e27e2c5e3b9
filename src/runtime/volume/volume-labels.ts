import { InvalidArgumentError } from "../../oci/index.js";

/** Labels of a volume: free-form `key → value` strings, as docker's. */
export type VolumeLabels = Readonly<Record<string, string>>;

const MAX_LABEL_BYTES = 64 * 1024;

/**
 * `KEY=VALUE` (or `KEY`, value empty) from `--label` or `volume-label=`;
 * `flag` names the flag in the error. Throws InvalidArgumentError for an
 * empty key, a key with spaces or control characters, a NUL anywhere, or a
 * label over 64 KiB.
 */
export function parseLabel(spec: string, flag: string): [string, string] {
  const i = spec.indexOf("=");
  const key = i < 0 ? spec : spec.slice(0, i);
  const value = i < 0 ? "" : spec.slice(i + 1);
  const shown = `${flag} ${JSON.stringify(spec.length > 80 ? `${spec.slice(0, 80)}…` : spec)}`;
  if (key === "") throw new InvalidArgumentError(`${shown}: the label key is empty`, { hint: "give KEY=VALUE, e.g. --label team=web" });
  if (/[\s\u0000-\u001f\u007f]/.test(key)) throw new InvalidArgumentError(`${shown}: the label key holds a space or a control character`);
  if (value.includes("\0")) throw new InvalidArgumentError(`${shown}: the label value holds a NUL byte`);
  if (Buffer.byteLength(spec) > MAX_LABEL_BYTES) throw new InvalidArgumentError(`${shown}: longer than 64 KiB`);
  return [key, value];
}

/**
 * Labels from repeated `--label` values; a later key wins, as in docker.
 * Built with Object.fromEntries so a key such as `__proto__` is an own
 * property, not a prototype.
 */
export function parseLabels(specs: readonly string[], flag: string): Record<string, string> {
  return Object.fromEntries(new Map(specs.map((s) => parseLabel(s, flag))));
}
