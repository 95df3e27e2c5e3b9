#!/usr/bin/env node
// Runs a container's health checks for one run: `node health-monitor.js ROOT ID RUN_ID RUNTIME`.
// Started detached by `start` when the container has a HEALTHCHECK; it ends
// with the run. Results go to health.json (docker's State.Health).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ImageStore } from "../image/index.js";
import type { ContainerRecord, HealthConfig } from "./container-record.js";
import { readContainerRecord } from "./container-record.js";
import { readContainerState } from "./container-state.js";
import { execInContainer } from "./exec-container.js";
import { readHealthStatus, writeHealthStatus, type HealthLogEntry, type HealthStatus } from "./health-status.js";
import { RuntimeContext } from "./runtime-context.js";

const KEEP_LOG = 5;
const MAX_OUTPUT = 4096;

/** Start the monitor for run `runId` of `record`, detached from this process. */
export function spawnHealthMonitor(ctx: RuntimeContext, record: ContainerRecord, runId: string): void {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [script, ctx.root, record.id, runId, ctx.runc.binary], { detached: true, stdio: "ignore" });
  child.unref();
}

/** The check's command: CMD args as they are, CMD-SHELL through /bin/sh -c. */
export function healthCommand(test: readonly string[]): string[] {
  if (test[0] === "CMD-SHELL") return ["/bin/sh", "-c", test.slice(1).join(" ")];
  if (test[0] === "CMD") return test.slice(1);
  return [...test];
}

/** The next status after a check that exited `code`, docker's rules (failures in the start period do not count). */
export function nextHealth(prev: HealthStatus, h: HealthConfig, entry: HealthLogEntry, inStartPeriod: boolean): HealthStatus {
  const log = [...prev.log, entry].slice(-KEEP_LOG);
  if (entry.ExitCode === 0) return { ...prev, status: "healthy", failingStreak: 0, log };
  if (inStartPeriod) return { ...prev, log };
  const failingStreak = prev.failingStreak + 1;
  return { ...prev, failingStreak, status: failingStreak >= h.retries ? "unhealthy" : prev.status, log };
}

async function main([root, id, runId, runtime]: readonly string[]): Promise<void> {
  if (root === undefined || id === undefined || runId === undefined) throw new Error("usage: health-monitor ROOT ID RUN_ID [RUNTIME]");
  const ctx = new RuntimeContext(new ImageStore(root), { ...(runtime !== undefined && { runtimeBinary: runtime }) });
  const dir = ctx.dir(id);
  const record = await readContainerRecord(dir);
  const h = record?.health;
  if (record === undefined || h === undefined) return;
  const began = Date.now();
  let status: HealthStatus = { status: "starting", failingStreak: 0, log: [], runId };
  await writeHealthStatus(dir, status);
  for (;;) {
    await new Promise((r) => setTimeout(r, h.intervalMs));
    const state = await readContainerState(dir);
    if (state?.status !== "running" || state.runId !== runId) return;
    const chunks: Buffer[] = [];
    const start = new Date();
    const code = await execInContainer(ctx, record, healthCommand(h.test), { capture: { chunks, maxBytes: MAX_OUTPUT }, timeoutMs: h.timeoutMs }).catch(() => -1);
    const entry: HealthLogEntry = { Start: start.toISOString(), End: new Date().toISOString(), ExitCode: code, Output: Buffer.concat(chunks).toString("utf8") };
    const current = await readHealthStatus(dir);
    status = nextHealth(current?.runId === runId ? current : status, h, entry, Date.now() - began < h.startPeriodMs);
    await writeHealthStatus(dir, status);
    if (status.status === "unhealthy" && h.onFailure !== "none") {
      await onFailure(ctx, record, h.onFailure);
      return;
    }
  }
}

/** podman's --health-on-failure actions. */
async function onFailure(ctx: RuntimeContext, record: ContainerRecord, action: "kill" | "restart" | "stop"): Promise<void> {
  const { stopContainer } = await import("./stop-container.js");
  const { startContainer } = await import("./start-container.js");
  if (action === "kill") await ctx.runc.kill(record.id, "SIGKILL", true);
  else await stopContainer(ctx, record, 10);
  if (action === "restart") await startContainer(ctx, record);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch(() => {
    process.exitCode = 1;
  });
}
