// Loaded (node --import) into each test file's process by scripts/run-tests.mjs: when each file
// started and ended, appended to $BERTH_TEST_TIMELINE, so that what a run left behind (a
// container's cgroup) can be put beside the files that ran at the time it was made. Node's test
// runner reports a file's events only once the file is done, too late to time them.
import { appendFileSync } from "node:fs";

const out = process.env.BERTH_TEST_TIMELINE;
const file = process.argv[1];
// A process a test forks inherits this preload (fork passes execArgv on): only test files are timed.
if (out !== undefined && out !== "" && file !== undefined && file.endsWith(".test.js")) {
  const note = (what) => {
    try {
      appendFileSync(out, `${new Date().toISOString()} ${what} ${file}\n`);
    } catch {
      // Not timed.
    }
  };
  note("start");
  process.on("exit", () => note("end"));
}
