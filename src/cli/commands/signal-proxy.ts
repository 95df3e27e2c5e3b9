import { FORWARDED_SIGNALS } from "./run-flags.js";

/**
 * The signals berth gets (FORWARDED_SIGNALS), passed on to what runs in the
 * foreground — a container, an exec'd command — as docker's --sig-proxy, from
 * {@link forward} until {@link stop}.
 */
export class SignalProxy {
  private readonly handlers = new Map<NodeJS.Signals, () => void>();

  /** From now on each forwarded signal goes to `kill` (instead of one given before). */
  readonly forward = (kill: (s: NodeJS.Signals) => void): void => {
    this.stop();
    for (const s of FORWARDED_SIGNALS) {
      const h = (): void => kill(s);
      this.handlers.set(s, h);
      process.on(s, h);
    }
  };

  /** Let go of the signals: berth's own handling of them is back. */
  stop(): void {
    for (const [s, h] of this.handlers) process.off(s, h);
    this.handlers.clear();
  }
}
