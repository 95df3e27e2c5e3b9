/** What {@link whenDrained} listens to: a Node stream, or a stream that only looks like one (tar-stream's). */
export interface DrainSource {
  on(event: "drain" | "close", listener: () => void): unknown;
  off(event: "drain" | "close", listener: () => void): unknown;
}

/**
 * Resolves when `stream`, whose last write returned false, wants more bytes,
 * or is gone: a loop that writes then awaits this stops on the next write to a
 * closed stream instead of waiting forever for a `drain` that never comes.
 */
export function whenDrained(stream: DrainSource): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
  });
}
