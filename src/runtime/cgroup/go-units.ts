import { formatGoFloat } from "./go-float.js";

// The two size formats of docker's github.com/docker/go-units, which `docker stats` uses.
const DECIMAL_UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"] as const;
const BINARY_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"] as const;

function scale(size: number, base: number, units: readonly string[]): [number, string] {
  let i = 0;
  // Repeated division, as go-units does: the float results (and so the rounding) match.
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i]!];
}

/**
 * go-units `BytesSize`: binary units, 4 significant digits, no space
 * ("1.5KiB", "7.667GiB", "0B"). docker shows memory in it.
 */
export function bytesSize(size: number): string {
  const [n, unit] = scale(size, 1024, BINARY_UNITS);
  return formatGoFloat(n, "g", 4) + unit;
}

/**
 * go-units `HumanSizeWithPrecision`: decimal units, `precision` significant
 * digits ("1.2kB", "12.6MB", and at 3 digits "1e+03kB" for 999 500). docker
 * shows network and block I/O in it with precision 3.
 */
export function humanSizeWithPrecision(size: number, precision: number): string {
  const [n, unit] = scale(size, 1000, DECIMAL_UNITS);
  return formatGoFloat(n, "g", precision) + unit;
}
