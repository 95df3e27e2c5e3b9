const enabled = process.env.BERTH_TRACE === "1";

/**
 * With BERTH_TRACE=1 in the environment, `trace("step")` writes
 * `berth +12.3 ms 06:12:01.123 step` to stderr: milliseconds from this
 * process's start (performance.now(), so Node's own start-up shows too) and
 * the UTC time of day, which lines up the traces of two processes (the CLI
 * and the daemon it asked). Where a command's time goes, step by step,
 * without a profiler. Otherwise a no-op.
 */
export function trace(step: string): void {
  if (!enabled) return;
  const now = performance.now();
  const wall = new Date(performance.timeOrigin + now).toISOString().slice(11, 23);
  process.stderr.write(`berth +${now.toFixed(1)} ms ${wall} ${step}\n`);
}
