import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { applyConfigInstruction, isConfigInstruction, type Expander } from "./config-instructions.js";
import { parseDockerfile } from "./parse-dockerfile.js";
import { scratchState } from "./stage-base.js";

const literal: Expander = { word: (t) => t, words: (t) => t.split(/\s+/), heredoc: (t) => t };

/** The config after the config instructions of `dockerfile`'s only stage, applied to scratch. */
function configOf(dockerfile: string): Record<string, unknown> {
  const state = scratchState({ os: "linux", architecture: "amd64" }, "2024-01-01T00:00:00Z");
  for (const ins of parseDockerfile(dockerfile, "Dockerfile").stages[0]!.instructions) {
    if (isConfigInstruction(ins)) applyConfigInstruction(state, ins, literal, "Dockerfile");
  }
  return state.config as Record<string, unknown>;
}

describe("applyConfigInstruction", () => {
  it("ENTRYPOINT [] leaves no Entrypoint (docker's null, not []); CMD [] stays []", () => {
    const c = configOf('FROM scratch\nENTRYPOINT ["/bin/sh"]\nENTRYPOINT []\nCMD []\n');
    assert.equal("Entrypoint" in c, false);
    assert.deepEqual(c.Cmd, []);
    assert.deepEqual(configOf('FROM scratch\nENTRYPOINT ["/bin/sh", "-c"]\n').Entrypoint, ["/bin/sh", "-c"]);
  });
});
