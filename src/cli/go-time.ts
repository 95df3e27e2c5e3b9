/**
 * A time as Go's time.Time.String() prints it, which docker's `.CreatedAt`
 * is: `2024-05-01 12:34:56 +0000 UTC`. Always in UTC: Go would use the
 * local zone, whose abbreviation JavaScript cannot give reliably.
 * An unreadable time gives "".
 */
export function goTime(iso: string | undefined): string {
  const t = iso === undefined ? NaN : Date.parse(iso);
  if (Number.isNaN(t)) return "";
  return `${new Date(t).toISOString().slice(0, 19).replace("T", " ")} +0000 UTC`;
}
