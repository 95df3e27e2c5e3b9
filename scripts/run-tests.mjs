#!/usr/bin/env node
// Runs node's test runner on the compiled *.test.js files under the given
// directories (Node 20 given a directory would run every .js file in it).
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

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
// leaves is a runc create cut short, which no other check sees. Said with when it was made, to
// find the test; it does not fail the run.
const CGROUPS = "/sys/fs/cgroup";
const berthCgroups = () => {
  const out = new Map();
  let hierarchies = [];
  try {
    hierarchies = readdirSync(CGROUPS);
  } catch {
    return out;
  }
  for (const h of hierarchies) {
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
const started = new Date();
const r = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...flags, ...files], { stdio: "inherit" });
const left = [...berthCgroups()].filter(([id]) => !before.has(id));
if (left.length > 0) {
  process.stderr.write(`\ncgroups left under berth/ by this run (started ${started.toISOString()}), a container's each:\n`);
  for (const [id, path] of left) {
    let made = "?";
    try {
      made = statSync(path).ctime.toISOString();
    } catch {
      // Gone meanwhile.
    }
    process.stderr.write(`  ${id} made ${made} (${path})\n`);
  }
}
process.exit(r.status ?? 1);
