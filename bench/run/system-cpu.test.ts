import assert from "node:assert/strict";
import { test } from "node:test";
import { machineCpuMs } from "./system-cpu.js";

test("machineCpuMs: busy ticks of the cpu line as ms, idle and iowait left out", () => {
  //                  user nice system idle   iowait irq softirq steal guest guest_nice
  const stat = "cpu  100 2 30 999999 888 4 5 6 7 8\ncpu0 50 1 15 500000 444 2 2 3 3 4\n";
  assert.equal(machineCpuMs(stat), (100 + 2 + 30 + 4 + 5 + 6) * 10);
});

test("machineCpuMs: a garbled /proc/stat throws instead of reading as 0", () => {
  for (const bad of ["", "cpu0 1 2 3 4 5 6 7 8\n", "cpu 1 2 3\n", "cpu 1 2 x 4 5 6 7 8\n", "cpu -1 2 3 4 5 6 7 8\n", `cpu ${"9".repeat(30)} 2 3 4 5 6 7 8\n`]) {
    assert.throws(() => machineCpuMs(bad), /\/proc\/stat: first line is not the cpu total/, JSON.stringify(bad));
  }
});

test("machineCpuMs: the real counter does not go backwards while this process spins", () => {
  const before = machineCpuMs();
  const until = Date.now() + 50;
  while (Date.now() < until) Math.sqrt(Math.random());
  assert.ok(machineCpuMs() >= before);
});
