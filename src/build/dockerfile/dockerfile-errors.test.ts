import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BerthError, isBerthError } from "../../oci/index.js";
import { DockerfileError, WordExpansionError, excerpt } from "./dockerfile-errors.js";

describe("DockerfileError", () => {
  it("reads file:line: detail, keeps the fields and the hint", () => {
    const e = new DockerfileError("Dockerfile", 12, "unknown instruction: COPPY", "did you mean COPY?");
    assert.equal(e.message, "Dockerfile:12: unknown instruction: COPPY");
    assert.equal(e.name, "DockerfileError");
    assert.equal(e.file, "Dockerfile");
    assert.equal(e.line, 12);
    assert.equal(e.detail, "unknown instruction: COPPY");
    assert.equal(e.hint, "did you mean COPY?");
    assert.ok(e instanceof BerthError);
    assert.ok(isBerthError(e, "INVALID_ARGUMENT"));
  });

  it("line 0 means the whole file", () => {
    assert.equal(new DockerfileError("ci/Dockerfile", 0, "no FROM instruction").message, "ci/Dockerfile: no FROM instruction");
  });

  it("the builder can pick the code and keep the cause", () => {
    const cause = new Error("ENOENT");
    const e = new DockerfileError("Dockerfile", 3, "COPY app.js: not found in the context", "check .dockerignore", { code: "NOT_FOUND", cause });
    assert.ok(isBerthError(e, "NOT_FOUND"));
    assert.equal(e.cause, cause);
    assert.equal(new DockerfileError("Dockerfile", 3, "x").hint, undefined);
    assert.equal(new DockerfileError("Dockerfile", 3, "x").cause, undefined);
  });
});

describe("WordExpansionError", () => {
  it("quotes the word, cut when long, and carries a hint", () => {
    const e = new WordExpansionError("${A:?}", "A: is not allowed to be unset");
    assert.equal(e.message, 'failed to process "${A:?}": A: is not allowed to be unset');
    assert.ok(isBerthError(e, "INVALID_ARGUMENT"));
    assert.match(e.hint ?? "", /\$/);
    const long = new WordExpansionError("x".repeat(1 << 20), "bad");
    assert.ok(long.message.length < 200);
    assert.equal(long.word.length, 1 << 20);
  });

  it("excerpt keeps short text and marks cut text", () => {
    assert.equal(excerpt("short"), "short");
    assert.equal(excerpt("abcdef", 3), "abc…");
  });
});
