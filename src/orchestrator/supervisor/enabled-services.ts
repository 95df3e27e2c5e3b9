/**
 * The services a stack's `up` keeps enabled: those it names, after those an earlier `up SERVICE…`
 * named (`previous`), each once; none for a whole `up` (no names), which goes by the files and
 * profiles alone, as compose's.
 */
export function enabledBy(named: readonly string[] | undefined, previous: readonly string[] | undefined): string[] {
  if (named === undefined || named.length === 0) return [];
  return [...new Set([...(previous ?? []), ...named])];
}
