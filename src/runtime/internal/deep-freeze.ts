/**
 * Freeze `v` and everything it holds, and return it: for what a memo hands
 * to every caller (a parsed profile, an image's config), so that a caller
 * that changes it by mistake throws instead of changing it for the others.
 */
export function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
