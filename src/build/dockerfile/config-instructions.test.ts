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

  it("STOPSIGNAL takes what docker takes (names with or without SIG, any case, numbers, real-time), stored as written; refuses others", () => {
    for (const sig of ["SIGQUIT", "term", "9", "SIGRTMIN+3"]) assert.equal(configOf(`FROM scratch\nSTOPSIGNAL ${sig}\n`).StopSignal, sig);
    for (const bad of ["FOO", "0", "SIGNOPE"]) {
      assert.throws(() => configOf(`FROM scratch\nSTOPSIGNAL ${bad}\n`), (e: unknown) => e instanceof Error && e.message === `Dockerfile:2: STOPSIGNAL: invalid signal "${bad}"`);
    }
  });
});
