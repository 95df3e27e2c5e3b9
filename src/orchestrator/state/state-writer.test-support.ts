import { readFileSync } from "node:fs";
import { OrchestratorState } from "./orchestrator-state.js";

/**
 * A child process for the state tests: `node state-writer.test-support.js
 * MODE PATH NAME COUNT`. It opens the state database at PATH, prints
 * "ready", waits for the end of its stdin (so that several writers, however
 * slow to load, start writing at one moment) and writes COUNT times, printing "ok <i>" after write i is committed, then "done".
 * An error is printed as "error <code> <message>" with exit code 1.
 *
 * MODE events: append an event whose detail is `<NAME>:<i>`, then pause 1 ms
 * (as the daemon does between its writes; without it one writer's tight loop
 * takes the lock back before the other's busy handler wakes up).
 * MODE batches: add 10 samples taken at time i (one transaction) and then append an event.
 */
function main(argv: readonly string[]): number {
  const [mode, path, name, countText] = argv;
  const count = Number(countText);
  if ((mode !== "events" && mode !== "batches") || path === undefined || name === undefined || !Number.isSafeInteger(count)) {
    console.error("usage: state-writer.test-support.js events|batches PATH NAME COUNT");
    return 2;
  }
  const state = OrchestratorState.open(path);
  try {
    const sleeper = new Int32Array(new SharedArrayBuffer(4));
    process.stdout.write("ready\n");
    readFileSync(0);
    for (let i = 0; i < count; i++) {
      if (mode === "batches") {
        state.addSamples(Array.from({ length: 10 }, (_, n) => ({ project: "shop", service: name, container: `c${n}`, time: i, cpu: n / 10, memoryBytes: i * 10 + n })));
      }
      state.appendEvent({ time: new Date().toISOString(), project: "shop", service: name, action: "create", detail: `${name}:${i}` });
      if (mode === "batches") process.stdout.write(`ok ${i}\n`);
      else Atomics.wait(sleeper, 0, 0, 1);
    }
    process.stdout.write("done\n");
    return 0;
  } finally {
    state.close();
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  const e = err as { code?: unknown; message?: unknown };
  process.stdout.write(`error ${String(e.code)} ${String(e.message)}\n`);
  process.exitCode = 1;
}
