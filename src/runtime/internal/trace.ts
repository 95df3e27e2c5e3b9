const enabled = process.env.BERTH_TRACE === "1";

/**
 * With BERTH_TRACE=1 in the environment, `trace("step")` writes
 * `berth +12.3 ms step` to stderr, counted from this process's start
 * (performance.now(), so Node's own start-up shows too): where a command's
 * time goes, step by step, without a profiler. Otherwise a no-op.
 */
export function trace(step: string): void {
  if (enabled) process.stderr.write(`berth +${performance.now().toFixed(1)} ms ${step}\n`);
}
