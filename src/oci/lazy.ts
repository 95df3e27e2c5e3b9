/**
 * A value made on its first use and kept. For module-level values that cost
 * start-up time in every command whose bundle holds the module while only
 * some commands use them: building a zod schema takes milliseconds, and the
 * first one also initialises zod's own classes (see scripts/bundle.mjs on why
 * start-up counts).
 */
export function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
