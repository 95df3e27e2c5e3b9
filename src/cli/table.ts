/** Render rows as docker renders its tables: upper-case headers, columns padded with three spaces. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("   ").trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}

/** "3 days ago" as docker prints ages. */
export function formatAge(iso: string | undefined, now = Date.now()): string {
  if (!iso) return "N/A";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "N/A";
  const s = Math.max(0, (now - t) / 1000);
  const units: [number, string][] = [[31536000, "year"], [2592000, "month"], [604800, "week"], [86400, "day"], [3600, "hour"], [60, "minute"]];
  for (const [n, u] of units) if (s >= n) return `${Math.floor(s / n)} ${u}${Math.floor(s / n) === 1 ? "" : "s"} ago`;
  return "Less than a minute ago";
}
