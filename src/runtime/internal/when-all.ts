/**
 * Like Promise.all, but settles only once every promise has: it then
 * rejects with the first failure in argument order. Steps started together
 * are all over when the caller moves on (to its undo, to releasing a lock),
 * so none of them still runs behind its back.
 */
export async function whenAll<T extends readonly unknown[]>(values: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(values);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}
