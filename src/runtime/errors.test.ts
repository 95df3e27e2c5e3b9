import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classifyStartFailure, ContainerStartError, execStartError } from "./errors.js";

describe("classifyStartFailure", () => {
  const cases: readonly [string, number][] = [
    ['runc run failed: unable to start container process: exec: "/nosuch": stat /nosuch: no such file or directory', 127],
    ['runc run failed: unable to start container process: exec: "nosuch": executable file not found in $PATH', 127],
    ['runc run failed: unable to start container process: exec: "/etc/passwd": permission denied', 126],
    ['runc run failed: unable to start container process: exec: "/bin/x": exec format error', 126],
    ["runc run failed: unable to start container process: error during container init: error mounting \"/nope\" to rootfs: no such file or directory", 125],
    ["runc run failed: cgroup: permission denied", 125],
    ["", 125],
  ];
  for (const [message, want] of cases) it(message || "(empty)", () => assert.equal(classifyStartFailure(message), want));

  it("ContainerStartError carries the code and a hint", () => {
    const e = new ContainerStartError("f".repeat(64), 127, "exec: \"x\": executable file not found in $PATH");
    assert.equal(e.exitCode, 127);
    assert.match(e.message, /^container ffffffffffff: exec/);
    assert.match(e.hint ?? "", /--entrypoint/);
  });
});

describe("execStartError", () => {
  it("126 for a command not found, as docker's exec, with the hint for a missing command", () => {
    const e = execStartError("f".repeat(64), 'exec failed: unable to start container process: exec: "/nosuch": stat /nosuch: no such file or directory');
    assert.equal(e.exitCode, 126);
    assert.match(e.hint ?? "", /image's PATH/);
  });
  it("126 for one that cannot execute, with its hint", () => {
    const e = execStartError("f".repeat(64), 'exec failed: unable to start container process: exec: "/etc/passwd": permission denied');
    assert.equal(e.exitCode, 126);
    assert.match(e.hint ?? "", /mode bits/);
  });
  it("125 for a failure that is not the command's", () => assert.equal(execStartError("f".repeat(64), "exec failed: cgroup: permission denied").exitCode, 125));
});
