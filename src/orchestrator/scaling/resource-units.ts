const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;
const MIB = 1024 * 1024;

/**
 * Bytes in binary units, about three significant digits, trailing zeros cut:
 * `167772160` → `160MiB`, `1610612736` → `1.5GiB`. go-units (and so compose's
 * `memory:`) reads the same text back as the same power of 1024.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "?";
  let unit = 0;
  let n = bytes;
  while (n >= 1024 && unit < BYTE_UNITS.length - 1) {
    n /= 1024;
    unit++;
  }
  return `${trim(n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2))}${BYTE_UNITS[unit]}`;
}

/** CPU cores as compose's `cpus:` takes them, to the millicore: `0.25`, `1`, `0.013`. */
export function formatCores(cores: number): string {
  if (!Number.isFinite(cores) || cores < 0) return "?";
  return trim(cores.toFixed(3));
}

/** Round cores up to a whole millicore. */
export const ceilMillicores = (cores: number): number => Math.ceil(Math.round(cores * 1e6) / 1e3) / 1e3;

/** Round bytes up to a whole MiB. */
export const ceilMiB = (bytes: number): number => Math.ceil(bytes / MIB) * MIB;

function trim(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}
