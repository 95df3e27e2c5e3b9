/**
 * Steps to undo, run in reverse order of their pushing. {@link run} runs
 * every step even when one fails, then throws the first failure: a
 * half-made container is taken apart as far as possible.
 */
export class UndoStack {
  private readonly steps: (() => Promise<void>)[] = [];

  push(step: () => Promise<void>): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    let failure: { error: unknown } | undefined;
    for (let step = this.steps.pop(); step !== undefined; step = this.steps.pop()) {
      await step().catch((error: unknown) => (failure ??= { error }));
    }
    if (failure) throw failure.error;
  }
}
