import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { locate, MAX_COMPOSE_FILE_BYTES, parseComposeSource } from "./compose-source.js";
import { ComposeFileError } from "./compose-file-error.js";

const refused = (text: string, match: RegExp, line?: number) => {
  assert.throws(() => parseComposeSource(text, "compose.yaml"), (e: Error) => {
    assert.ok(e instanceof ComposeFileError, String(e));
    assert.equal(e.file, "compose.yaml");
    if (line !== undefined) assert.equal(e.line, line);
    assert.match(e.message, match);
    return true;
  });
};

describe("parseComposeSource", () => {
  it("reads YAML 1.1 octal as docker compose does (0440 is 288)", () => {
    const s = parseComposeSource("a: 0440\nb: 0o17\nc: 440\nd: '0440'\ne: 08\n", "f");
    assert.deepEqual(s.documents[0]!.value, { a: 288, b: 15, c: 440, d: "0440", e: 8 });
  });

  it("keeps yes/no/on/off as strings (YAML 1.2, as yaml.v3 does untyped)", () => {
    assert.deepEqual(parseComposeSource("a: yes\nb: no\nc: true\n", "f").documents[0]!.value, { a: "yes", b: "no", c: true });
  });

  it("records !reset and !override paths and drops reset values", () => {
    const s = parseComposeSource("services:\n  app:\n    ports: !reset []\n    environment:\n      FOO: !reset null\n      BAR: x\n    volumes: !override\n      - a:/a\n", "f");
    const d = s.documents[0]!;
    assert.deepEqual(d.resets, [["services", "app", "ports"], ["services", "app", "environment", "FOO"]]);
    assert.deepEqual(d.overrides, [["services", "app", "volumes"]]);
    assert.deepEqual(d.value, { services: { app: { environment: { BAR: "x" }, volumes: ["a:/a"] } } });
    assert.deepEqual(s.warnings, []);
  });

  it("merges << keys and reads several documents", () => {
    const s = parseComposeSource("x-a: &a {image: x}\nservices:\n  web:\n    <<: *a\n---\nservices:\n  db: {image: y}\n", "f");
    assert.equal(s.documents.length, 2);
    assert.deepEqual((s.documents[0]!.value.services as Record<string, unknown>).web, { image: "x" });
  });

  it("reads an empty file as no documents", () => {
    assert.deepEqual(parseComposeSource("", "f").documents.map((d) => d.value), []);
    assert.deepEqual(parseComposeSource("# only a comment\n", "f").documents.map((d) => d.value), []);
  });

  it("finds lines by path, through short-syntax lists", () => {
    const s = parseComposeSource("services:\n  web:\n    image: x\n    ports:\n      - 80\n      - 81\n    depends_on:\n      - db\n", "f");
    assert.equal(locate(s, ["services", "web", "ports", 1]).line, 6);
    assert.equal(locate(s, ["services", "web", "depends_on", "db"]).line, 8);
    assert.deepEqual(locate(s, ["services", "web", "nothing", "here"]), { line: 2, depth: 2 }, "the deepest ancestor that exists");
  });

  it("refuses invalid YAML with the line", () => refused("services:\n  web:\n    image: x\n   bad: indent\n", /invalid YAML/, 4));
  it("refuses duplicate keys", () => refused("services:\n  web: {}\n  web: {}\n", /services\.web: duplicate key "web"/, 3));
  it("refuses duplicate keys in a flow mapping", () => refused("services:\n  web: {image: a,\n    image: b}\n", /duplicate key "image"/, 3));
  it("refuses a top level that is not a mapping", () => refused("- a\n- b\n", /must be a mapping/, 1));
  it("refuses a scalar document", () => refused("just text\n", /must be a mapping/));
  it("refuses an alias to nothing", () => refused("services: *nowhere\n", /alias|YAML/));

  it("refuses a billion-laughs alias bomb, quickly", () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [i, c] of "bcdefghi".split("").entries()) lines.push(`${c}: &${c} [${Array(9).fill(`*${"abcdefghi"[i]}`).join(",")}]`);
    const started = Date.now();
    refused(lines.join("\n") + "\n", /aliases expand too far/);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });

  it("refuses a merge-key bomb", () => {
    const lines = ["a0: &a0 {k: v}"];
    for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} {${Array.from({ length: 8 }, (_, j) => `m${j}: *a${i - 1}`).join(", ")}}`);
    refused(lines.join("\n") + "\n", /aliases expand too far/);
  });

  it("refuses 10 000 levels of flow nesting without overflowing the stack", () => {
    refused(`services: ${"[".repeat(10_000)}${"]".repeat(10_000)}\n`, /nested more than 64 levels|invalid YAML/);
  });

  it("refuses deep block nesting", () => {
    const text = Array.from({ length: 200 }, (_, i) => `${" ".repeat(i * 2)}k${i}:`).join("\n") + " x\n";
    refused(text, /nested more than 64 levels/);
  });

  it("refuses a 10 MB document before parsing it", () => {
    const big = "x-pad: '" + "a".repeat(10 * 1024 * 1024) + "'\n";
    assert.ok(big.length > MAX_COMPOSE_FILE_BYTES);
    const started = Date.now();
    refused(big, /more than the \d+ a compose file may have/);
    assert.ok(Date.now() - started < 1000);
  });

  it("parses a 1 MB file of 5 000 services in bounded time", () => {
    const text = "services:\n" + Array.from({ length: 5_000 }, (_, i) => `  s${i}:\n    image: registry.example/app:${i}\n    environment: {A: "${"x".repeat(150)}"}\n`).join("");
    assert.ok(text.length > 1024 * 1024 && text.length < MAX_COMPOSE_FILE_BYTES);
    const started = Date.now();
    const s = parseComposeSource(text, "big.yaml");
    assert.equal(Object.keys(s.documents[0]!.value.services as object).length, 5_000);
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
  });

  it("reports unknown tags as warnings with the line", () => {
    const s = parseComposeSource("a: 1\nb: !custom x\n", "f");
    assert.equal(s.warnings.length, 1);
    assert.equal(s.warnings[0]!.line, 2);
  });
});
