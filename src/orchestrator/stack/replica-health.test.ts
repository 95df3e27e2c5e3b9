import assert from "node:assert/strict";
import { it } from "node:test";
import { replicaHealth } from "./replica-health.js";

const image = { Test: ["CMD-SHELL", "curl -f localhost"], Interval: 5e9, Retries: 5 };
const off = { disabled: false };

it("replicaHealth merges the file's healthcheck over the image's as docker does", () => {
  const cases: [string, Parameters<typeof replicaHealth>[0], Parameters<typeof replicaHealth>[1], unknown][] = [
    ["no healthcheck: the image's", undefined, image, { test: image.Test, intervalMs: 5000, timeoutMs: 30000, startPeriodMs: 0, retries: 5, onFailure: "none" }],
    ["no healthcheck, none in the image: none", undefined, undefined, undefined],
    ["disable: true: none, not even the image's", { disabled: true }, image, undefined],
    ["test: [NONE]: none", { ...off, test: ["NONE"] }, image, undefined],
    ["only interval: the image's test with it", { ...off, intervalMs: 1000 }, image, { test: image.Test, intervalMs: 1000, timeoutMs: 30000, startPeriodMs: 0, retries: 5, onFailure: "none" }],
    ["only interval, no image check: none", { ...off, intervalMs: 1000 }, undefined, undefined],
    ["a test of its own with docker's defaults", { ...off, test: ["CMD", "true"] }, undefined, { test: ["CMD", "true"], intervalMs: 30000, timeoutMs: 30000, startPeriodMs: 0, retries: 3, onFailure: "none" }],
    ["a start period without start_interval: checked every second in it (berth's default)", { ...off, test: ["CMD", "true"], intervalMs: 3000, startPeriodMs: 20000 }, undefined,
      { test: ["CMD", "true"], intervalMs: 3000, timeoutMs: 30000, startPeriodMs: 20000, startIntervalMs: 1000, retries: 3, onFailure: "none" }],
    ["an interval under a second: that in the start period too", { ...off, test: ["CMD", "true"], intervalMs: 500, startPeriodMs: 5000 }, undefined,
      { test: ["CMD", "true"], intervalMs: 500, timeoutMs: 30000, startPeriodMs: 5000, startIntervalMs: 500, retries: 3, onFailure: "none" }],
    ["start_interval given: kept", { ...off, test: ["CMD", "true"], startPeriodMs: 5000, startIntervalMs: 200 }, undefined,
      { test: ["CMD", "true"], intervalMs: 30000, timeoutMs: 30000, startPeriodMs: 5000, startIntervalMs: 200, retries: 3, onFailure: "none" }],
  ];
  for (const [name, file, img, want] of cases) assert.deepEqual(replicaHealth(file, img), want, name);
});

it("x-berth.probe becomes a host probe with the file's timings, whatever the test", () => {
  assert.deepEqual(replicaHealth({ ...off, test: ["CMD", "true"], intervalMs: 2000, startPeriodMs: 10_000 }, image, { kind: "http", port: 3001, path: "/healthz" }),
    { test: ["HTTP-GET", "3001", "/healthz"], intervalMs: 2000, timeoutMs: 30000, startPeriodMs: 10_000, startIntervalMs: 1000, retries: 3, onFailure: "none" });
  assert.deepEqual(replicaHealth(undefined, image, { kind: "tcp", port: 6379 }),
    { test: ["TCP-CONNECT", "6379"], intervalMs: 30000, timeoutMs: 30000, startPeriodMs: 0, retries: 3, onFailure: "none" });
  assert.equal(replicaHealth({ disabled: true }, image, { kind: "tcp", port: 1 }), undefined);
});
