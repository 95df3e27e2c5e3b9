/**
 * Undo steps run last-in first-out, once: servers stop before their temp dirs go. `run()` is
 * called from `finally` and from the signal handler in run.ts; the second call waits for the
 * first to finish (so the handler exits only when everything is undone). A step that throws is
 * reported and the rest still run.
 */
export class Cleanup {
  private readonly steps: { name: string; fn: () => Promise<void> }[] = [];
  private running: Promise<void> | undefined;

  /** Register `fn` to run at cleanup time, before everything registered earlier. */
  defer(name: string, fn: () => Promise<void>): void {
    this.steps.push({ name, fn });
  }

  /** Run the steps; a second call (the signal handler's while `finally` runs them) waits for the same run. */
  run(): Promise<void> {
    this.running ??= this.runSteps();
    return this.running;
  }

  private async runSteps(): Promise<void> {
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.fn();
      } catch (err) {
        process.stderr.write(`cleanup: ${step.name}: ${(err as Error).message}\n`);
      }
    }
  }
}
