import type { Cleanup } from "../harness/cleanup.js";
import { berthAt } from "./build-tools.js";

/**
 * berth's daemon for the roots the bench builds in, as docker's side has its dockerd: with a
 * daemon running, `berth build` hands the build to it (docs/daemon.md). One runs at a time —
 * each is a process with a reconcile loop, and idle ones would only add noise — started
 * untimed before a root's first build and stopped when the next root gets one, or at cleanup.
 * Off (`--berth-daemon off`), every build runs in its own CLI process.
 */
export class BerthDaemons {
  private current: string | undefined;
  private stopDeferred = false;

  constructor(readonly enabled: boolean, private readonly cleanup: Cleanup) {}

  /** Untimed: a daemon for `root`, and none for any other root. */
  async use(root: string): Promise<void> {
    if (!this.enabled || this.current === root) return;
    await this.stopCurrent();
    await berthAt(root)(["daemon", "start"]);
    this.current = root;
    if (!this.stopDeferred) this.cleanup.defer("stop berth's daemon", () => this.stopCurrent());
    this.stopDeferred = true;
  }

  /** How berth's builds ran, for the report's setup lines. */
  describe(): string {
    return this.enabled
      ? "berth's daemon runs for the root (berth daemon start, untimed), as dockerd does for docker: the CLI hands each build to it"
      : "no berth daemon (--berth-daemon off): each build runs in its own CLI process";
  }

  /** Untimed: stop the daemon running, if any (before its root is removed). */
  stop(): Promise<void> {
    return this.stopCurrent();
  }

  private async stopCurrent(): Promise<void> {
    const root = this.current;
    if (root === undefined) return;
    this.current = undefined;
    await berthAt(root)(["daemon", "stop"]).catch(() => undefined);
  }
}
