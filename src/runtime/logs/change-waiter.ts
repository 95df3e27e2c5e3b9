import { watch, type FSWatcher } from "node:fs";

/**
 * Sleeps until something changes in a directory, or `pollMs` at the most.
 * inotify (fs.watch on the log's directory, which sees appends, renames and
 * truncations of the files in it) makes a follower quick; the poll makes it
 * correct where inotify is missing or out of watches. A change that comes
 * while nobody waits is remembered, so the next wait returns at once.
 */
export class ChangeWaiter {
  private watcher: FSWatcher | undefined;
  private changed = false;
  private wake: (() => void) | undefined;

  constructor(
    dir: string,
    private readonly pollMs: number,
  ) {
    try {
      this.watcher = watch(dir, { persistent: false }, () => this.poke());
      this.watcher.on("error", () => this.unwatch());
    } catch {
      // No inotify here (or no watches left): polling alone.
      this.watcher = undefined;
    }
  }

  /** Resolve after a change, `pollMs`, a {@link poke} or an abort of `signal`, whichever comes first. */
  wait(signal?: AbortSignal): Promise<void> {
    if (this.changed || signal?.aborted) {
      this.changed = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.wake = undefined;
        this.changed = false;
        resolve();
      };
      const timer = setTimeout(done, this.pollMs);
      signal?.addEventListener("abort", done, { once: true });
      this.wake = done;
    });
  }

  /** End the current wait now (or the next one, if none is waiting). */
  poke(): void {
    this.changed = true;
    this.wake?.();
  }

  close(): void {
    this.unwatch();
    this.wake?.();
  }

  private unwatch(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
