import type { Cleanup } from "./cleanup.js";

/** berth's CLI on a root: `(root) => (args) => …`, each bench's own runner. */
export type BerthOnRoot = (root: string) => (args: readonly string[]) => Promise<unknown>;

/**
 * berth's daemon for the roots a bench works in, as docker's side has its dockerd: with a
 * daemon running, `berth build` and `berth run` hand their work to it (docs/daemon.md). One
 * runs at a time — each is a process with a reconcile loop, and idle ones would only add
 * noise — started untimed before a root's first use and stopped when the next root gets one,
 * or at cleanup. Off (`--berth-daemon off`), every command does its work in its own process.
 */
export class BerthDaemons {
  private current: string | undefined;
  private stopDeferred = false;

  constructor(readonly enabled: boolean, private readonly cleanup: Cleanup, private readonly berthAt: BerthOnRoot, private readonly work = "build") {}

  /** Untimed: a daemon for `root`, and none for any other root. */
  async use(root: string): Promise<void> {
    if (!this.enabled || this.current === root) return;
    await this.stopCurrent();
    await this.berthAt(root)(["daemon", "start"]);
    this.current = root;
    if (!this.stopDeferred) this.cleanup.defer("stop berth's daemon", () => this.stopCurrent());
    this.stopDeferred = true;
  }

  /** How berth's commands ran, for the report's setup lines. */
  describe(): string {
    return this.enabled
      ? `berth's daemon runs for the root (berth daemon start, untimed), as dockerd does for docker: the CLI hands each ${this.work} to it`
      : `no berth daemon (--berth-daemon off): each ${this.work} runs in its own CLI process`;
  }

  /** Untimed: stop the daemon running, if any (before its root is removed). */
  stop(): Promise<void> {
    return this.stopCurrent();
  }

  private async stopCurrent(): Promise<void> {
    const root = this.current;
    if (root === undefined) return;
    this.current = undefined;
    await this.berthAt(root)(["daemon", "stop"]).catch(() => undefined);
  }
}
