#!/usr/bin/env node
// Runs node's test runner on the compiled *.test.js files under the given
// directories (Node 20 given a directory would run every .js file in it).
import { readdirSync } from "node:fs";
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
const r = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...flags, ...files], { stdio: "inherit" });
process.exit(r.status ?? 1);
