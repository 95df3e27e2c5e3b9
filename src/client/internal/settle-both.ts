/**
 * Wait for two operations started side by side (an upload session and the
 * source stream it will carry). Resolves with both values; when either
 * fails, waits for the other to settle, hands a value whose partner failed
 * to `release` (a stream opened for nothing is closed, not leaked) and
 * throws the first operand's error if it failed, else the second's.
 */
export async function settleBoth<A, B>(a: Promise<A>, b: Promise<B>, release: (b: B) => void): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === "fulfilled" && rb.status === "fulfilled") return [ra.value, rb.value];
  if (rb.status === "fulfilled") release(rb.value);
  throw ra.status === "rejected" ? ra.reason : (rb as PromiseRejectedResult).reason;
}
