#!/usr/bin/env node
// The health monitor's process (see health-monitor.ts). An entry file of its own: in the CLI's
// bundle the monitor's module shares a chunk, so it cannot tell by import.meta.url that it is the entry.
import { runHealthMonitor } from "./health-monitor.js";

runHealthMonitor(process.argv.slice(2)).catch(() => {
  process.exitCode = 1;
});
