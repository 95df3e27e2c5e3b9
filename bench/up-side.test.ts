import assert from "node:assert/strict";
import { test } from "node:test";
import { briefError } from "./up-side.js";

const cases: [string, unknown, string][] = [
  ["one line", new Error("boom"), "boom"],
  ["a few lines, blanks dropped", new Error("a\n\nb\n  c  "), "a | b | c"],
  ["a long stderr keeps its head and its tail", new Error(["cmd exited 1", "stdout:", "x", "y", "z", "error: the reason"].join("\n")), "cmd exited 1 | … | y | z | error: the reason"],
  ["not an Error", "plain\ntext", "plain | text"],
  ["nothing", new Error(""), ""],
];
for (const [name, err, want] of cases) test(`briefError: ${name}`, () => assert.equal(briefError(err), want));
