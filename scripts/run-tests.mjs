#!/usr/bin/env node
// Runs node's test runner on the compiled *.test.js files under the given
// directories (Node 20 given a directory would run every .js file in it).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawn } from "node:child_process";

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith("--"));
const dirs = args.filter((a) => !a.startsWith("--"));
const files = [];
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith(".test.js")) files.push(p);
  }
};
for (const d of dirs.length ? dirs : ["dist"]) walk(d);
files.sort();

// The containers' cgroups (berth's cgroupsPath is /berth/<id>, on every hierarchy): one a test
// leaves is a runc create cut short, which no other check sees. Said with the test files running
// when it appeared, to find the test; it does not fail the run. A cgroup's own times are those of
// its first stat (kernfs), so the directories are looked at every 250 ms while the tests run.
const CGROUPS = "/sys/fs/cgroup";
const berthCgroups = () => {
  const out = new Map();
  let hierarchies = [];
  try {
    hierarchies = readdirSync(CGROUPS);
  } catch {
    return out;
  }
  // "" is the unified (v2) hierarchy mounted at /sys/fs/cgroup itself; the rest are v1 hierarchies.
  for (const h of ["", ...hierarchies]) {
    let ids = [];
    try {
      ids = readdirSync(join(CGROUPS, h, "berth"), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      continue;
    }
    for (const id of ids) if (!out.has(id)) out.set(id, join(CGROUPS, h, "berth", id));
  }
  return out;
};
const before = berthCgroups();
const firstSeen = new Map();
const look = () => {
  const now = Date.now();
  for (const id of berthCgroups().keys()) if (!firstSeen.has(id)) firstSeen.set(id, now);
};
const watch = setInterval(look, 250);
const timelineDir = mkdtempSync(join(tmpdir(), "berth-test-timeline-"));
const timeline = join(timelineDir, "timeline");
const child = spawn(process.execPath, ["--import", fileURLToPath(new URL("./test-timeline.mjs", import.meta.url)), "--test", "--test-reporter=spec", ...flags, ...files], {
  stdio: "inherit", env: { ...process.env, BERTH_TEST_TIMELINE: timeline },
});
// Passed on, so that the runner stays to clean up and to say what was left.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
const status = await new Promise((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal !== null ? 128 + (constants.signals[signal] ?? 0) : 1))));
clearInterval(watch);
const left = [...berthCgroups()].filter(([id]) => !before.has(id));
if (left.length > 0) {
  // Each test file's [start, end], from scripts/test-timeline.mjs.
  const spans = new Map();
  let lines = [];
  try {
    lines = readFileSync(timeline, "utf8").split("\n");
  } catch {
    // No timeline: the files are not named below.
  }
  for (const line of lines) {
    const [at, what, file] = line.split(" ");
    if (file === undefined) continue;
    const span = spans.get(file) ?? { start: Infinity, end: Infinity };
    span[what === "start" ? "start" : "end"] = Date.parse(at);
    spans.set(file, span);
  }
  process.stderr.write("\ncgroups left under berth/ by this run, a container's each:\n");
  for (const [id, path] of left) {
    const seen = firstSeen.get(id);
    // Made within the 250 ms before it was first seen.
    const running = seen === undefined ? [] : [...spans].filter(([, s]) => s.start <= seen && seen - 250 <= s.end).map(([f]) => f);
    process.stderr.write(`  ${id} (${path}) first seen ${seen === undefined ? "at the end" : new Date(seen).toISOString()}, while these ran: ${running.join(", ") || "?"}\n`);
  }
}
rmSync(timelineDir, { recursive: true, force: true });
process.exit(status);
