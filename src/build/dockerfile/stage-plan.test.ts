import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isBerthError } from "../../oci/index.js";
import { DockerfileError } from "./dockerfile-errors.js";
import { parseDockerfile } from "./parse-dockerfile.js";
import { planStages, resolveGlobalArgs, type PlannedStage, type StagePlanOptions } from "./stage-plan.js";

/** The plan in a compact form: [index, base, dependsOn, imageSources]. */
function summary(plan: readonly PlannedStage[]): unknown[] {
  return plan.map((s) => [s.index, "stage" in s.base ? s.base.stage : s.base.image, s.dependsOn, s.imageSources]);
}

interface Case {
  readonly name: string;
  readonly dockerfile: string;
  readonly target?: string;
  readonly options?: StagePlanOptions;
  readonly want?: unknown[];
  readonly expectErr?: RegExp;
  readonly hint?: RegExp;
}

const MULTI = `
FROM golang:1.22 AS build
RUN go build -o /app
FROM debian AS tools
RUN apt-get install x
FROM gcr.example/distroless AS runtime
COPY --from=build /app /app
`;

const CASES: readonly Case[] = [
  { name: "one stage from an image", dockerfile: "FROM debian\nRUN x", want: [[0, "debian", [], []]] },
  { name: "the last stage by default; stages it does not need are skipped", dockerfile: MULTI, want: [[0, "golang:1.22", [], []], [2, "gcr.example/distroless", [0], []]] },
  { name: "--target picks a stage and what it needs", dockerfile: MULTI, target: "tools", want: [[1, "debian", [], []]] },
  { name: "--target is case-insensitive", dockerfile: MULTI, target: "BUILD", want: [[0, "golang:1.22", [], []]] },
  { name: "an unknown --target lists the stage names", dockerfile: MULTI, target: "test", expectErr: /^Dockerfile: target stage "test" could not be found$/, hint: /build, tools, runtime/ },
  { name: "an unknown --target when no stage has a name", dockerfile: "FROM a\nFROM b", target: "x", expectErr: /could not be found/, hint: /no stage has a name/ },
  { name: "a --target given as an index is not a name", dockerfile: "FROM a AS x\nFROM b", target: "0", expectErr: /target stage "0" could not be found/ },
  { name: "FROM an earlier stage by name (any case)", dockerfile: "FROM debian AS base\nFROM BASE\nRUN x", want: [[0, "debian", [], []], [1, 0, [0], []]] },
  { name: "COPY --from by name, by index, and from an image", dockerfile: "FROM a AS one\nFROM b\nFROM c\nCOPY --from=one /x /x\nCOPY --from=1 /y /y\nCOPY --from=nginx:1.27 /z /z\nCOPY --from=nginx:1.27 /w /w", want: [[0, "a", [], []], [1, "b", [], []], [2, "c", [0, 1], ["nginx:1.27"]]] },
  { name: "transitive dependencies come first, in Dockerfile order", dockerfile: "FROM a AS one\nFROM one AS two\nFROM x AS unused\nFROM two AS three\nCOPY --from=one / /", want: [[0, "a", [], []], [1, 0, [0], []], [3, 1, [0, 1], []]] },
  { name: "a diamond is built once per stage", dockerfile: "FROM a AS root\nFROM root AS l\nFROM root AS r\nFROM scratch\nCOPY --from=l / /l\nCOPY --from=r / /r", want: [[0, "a", [], []], [1, 0, [0], []], [2, 0, [0], []], [3, "scratch", [1, 2], []]] },
  // docker's classic builder looks names up among the stages built so far: a later
  // or the current stage's name is an image reference, so no cycle can be written.
  { name: "a stage naming itself in FROM gets an image of that name, not a cycle", dockerfile: "FROM app AS app\nRUN x", want: [[0, "app", [], []]] },
  { name: "COPY --from a later stage's name is an image, not a cycle", dockerfile: "FROM a AS first\nCOPY --from=second /x /x\nFROM b AS second\nCOPY --from=first /y /y", target: "first", want: [[0, "a", [], ["second"]]] },
  { name: "COPY --from its own stage's name is an image", dockerfile: "FROM a AS me\nCOPY --from=me /x /y", want: [[0, "a", [], ["me"]]] },
  { name: "--from the current stage's index is an error", dockerfile: "FROM a\nFROM b\nCOPY --from=1 /x /y", expectErr: /^Dockerfile:3: --from=1: stage 1 is not an earlier stage \(this is stage 1\)$/ },
  { name: "--from a later index is an error", dockerfile: "FROM a\nCOPY --from=5 /x /y\nFROM b", target: undefined, expectErr: /Dockerfile:2: --from=5: stage 5 is not an earlier stage/ },
  { name: "--from a negative index is an error", dockerfile: "FROM a\nFROM b\nCOPY --from=-1 /x /y", expectErr: /--from=-1: stage -1 is not an earlier stage/ },
  { name: "RUN --mount from= names a stage or an image", dockerfile: "FROM a AS deps\nFROM b\nRUN --mount=type=bind,from=deps,target=/d --mount=type=cache,target=/c --mount=from=alpine:3,source=/x,target=/y make", want: [[0, "a", [], []], [1, "b", [0], ["alpine:3"]]] },
  { name: "RUN --mount keys are case-insensitive and values may be quoted", dockerfile: 'FROM a AS deps\nFROM b\nRUN --mount=type=bind,"FROM=deps",target=/d make', want: [[0, "a", [], []], [1, "b", [0], []]] },
  { name: "FROM ${ARG} naming a stage through a global ARG default", dockerfile: "ARG BASE=builder\nFROM a AS builder\nFROM ${BASE}", want: [[0, "a", [], []], [1, 0, [0], []]] },
  { name: "a --build-arg overrides the global default", dockerfile: "ARG BASE=builder\nFROM a AS builder\nFROM ${BASE}", options: { buildArgs: { BASE: "debian:12" } }, want: [[1, "debian:12", [], []]] },
  { name: "a build-arg not declared before FROM is not seen by FROM", dockerfile: "FROM ${BASE:-debian}", options: { buildArgs: { BASE: "alpine" } }, want: [[0, "debian", [], []]] },
  { name: "built-in args are seen without an ARG", dockerfile: "FROM golang:1.22-${TARGETARCH}", options: { builtinArgs: { TARGETARCH: "arm64" } }, want: [[0, "golang:1.22-arm64", [], []]] },
  { name: "a global default uses the ARGs before it", dockerfile: "ARG V=12\nARG IMG=debian:${V}\nFROM $IMG", want: [[0, "debian:12", [], []]] },
  { name: "--from=${STAGE} expands with the global ARGs", dockerfile: "ARG SRC=one\nFROM a AS one\nFROM b\nCOPY --from=${SRC} /x /y", want: [[0, "a", [], []], [1, "b", [0], []]] },
  { name: "a FROM that does not expand names its line", dockerfile: "ARG BASE\nFROM ${BASE:?required}", expectErr: /^Dockerfile:2: failed to process "\$\{BASE:\?required\}": BASE: required$/ },
  { name: "an unterminated ${ in FROM names its line", dockerfile: "FROM ${BASE", expectErr: /^Dockerfile:1: failed to process "\$\{BASE": syntax error: missing '}'$/ },
  { name: "a global ARG default that does not expand names its line", dockerfile: "ARG A=${B:?no}\nFROM a", expectErr: /^Dockerfile:1: .*B: no$/ },
];

describe("planStages", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const df = parseDockerfile(c.dockerfile);
      if (c.expectErr) {
        assert.throws(() => planStages(df, c.target, c.options), (e: unknown) => {
          assert.ok(e instanceof DockerfileError, String(e));
          assert.match(e.message, c.expectErr!);
          if (c.hint) assert.match(e.hint ?? "", c.hint);
          return true;
        });
        return;
      }
      assert.deepEqual(summary(planStages(df, c.target, c.options)), c.want);
    });
  }

  it("an unknown target is NOT_FOUND; a bad stage index is INVALID_ARGUMENT", () => {
    const df = parseDockerfile(MULTI);
    assert.throws(() => planStages(df, "nope"), (e) => isBerthError(e, "NOT_FOUND"));
    assert.throws(() => planStages(parseDockerfile("FROM a\nCOPY --from=0 / /"), undefined), (e) => isBerthError(e, "INVALID_ARGUMENT"));
  });

  it("planned stages are the parsed stages with the plan added", () => {
    const df = parseDockerfile(MULTI);
    const [first] = planStages(df, "build");
    assert.equal(first!.from, df.stages[0]!.from);
    assert.equal(first!.instructions, df.stages[0]!.instructions);
    assert.equal(first!.index, 0);
  });

  it("names the file given in options", () => {
    assert.throws(() => planStages(parseDockerfile("FROM a"), "x", { file: "ci/Dockerfile" }), /^DockerfileError: ci\/Dockerfile: target/m);
  });

  it("plans 5 000 chained stages quickly (a worklist, no deep recursion)", () => {
    const lines = ["FROM a AS s0"];
    for (let i = 1; i < 5_000; i++) lines.push(`FROM s${i - 1} AS s${i}`, `COPY --from=${Math.floor(i / 2)} / /`);
    const started = Date.now();
    const plan = planStages(parseDockerfile(lines.join("\n")));
    assert.equal(plan.length, 5_000);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });
});

describe("resolveGlobalArgs", () => {
  it("built-ins, then each global ARG: build-arg, else expanded default, else unset", () => {
    const df = parseDockerfile("ARG TARGETOS\nARG A=1\nARG B=${A}-x\nARG C\nARG D=d\nFROM a");
    const vars = resolveGlobalArgs(df, { builtinArgs: { TARGETOS: "linux" }, buildArgs: { D: "given", E: "undeclared" } });
    assert.deepEqual(Object.fromEntries(vars), { TARGETOS: "linux", A: "1", B: "1-x", D: "given" });
  });

  it("a build arg called __proto__ or constructor is an ordinary name", () => {
    const df = parseDockerfile("ARG constructor\nARG __proto__=p\nFROM a");
    const buildArgs: Record<string, string> = JSON.parse('{"__proto__": "x"}');
    assert.deepEqual([...resolveGlobalArgs(df, { buildArgs })], [["__proto__", "x"]]);
  });
});
