import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { commandWord } from "./command-word.js";
import { buildProgram, COMMAND_MODULES } from "./main.js";

const names = (p: { commands: readonly { name(): string; aliases(): string[] }[] }): string[] =>
  p.commands.flatMap((c) => [c.name(), ...c.aliases()]).sort();

describe("COMMAND_MODULES", () => {
  it("names exactly the commands each module defines", async () => {
    const globals = () => ({});
    for (const m of COMMAND_MODULES) {
      const defined = (await m.load(globals)).flatMap((c) => [c.name(), ...c.aliases()]).sort();
      assert.deepEqual(defined, [...m.names].sort(), `module of ${m.names[0]}`);
    }
  });

  it("names the file each module loads (the bundle script makes one bundle per file)", () => {
    for (const m of COMMAND_MODULES) assert.ok(m.load.toString().includes(`./commands/${m.file}.js`), `module of ${m.names[0]}: ${m.file}`);
    assert.equal(new Set(COMMAND_MODULES.map((m) => m.file)).size, COMMAND_MODULES.length);
  });

  it("each name once, so a command line loads one module", () => {
    const all = COMMAND_MODULES.flatMap((m) => m.names);
    assert.equal(new Set(all).size, all.length);
  });
});

describe("buildProgram", () => {
  it("loads only the module of the command named", async () => {
    assert.deepEqual(names(await buildProgram("stop")), names(await buildProgram("ps")));
    assert.deepEqual(names(await buildProgram("run")), ["create", "run"]);
  });

  it("loads every command for help, an unknown word or none, and none for the version", async () => {
    const every = COMMAND_MODULES.flatMap((m) => m.names).sort();
    for (const word of [undefined, "--help", "help", "no-such-command"]) assert.deepEqual(names(await buildProgram(word)), every, String(word));
    assert.deepEqual(names(await buildProgram("--version")), []);
  });
});

describe("commandWord", () => {
  const cases: readonly [string[], string | undefined][] = [
    [["run", "img"], "run"],
    [["--root", "/r", "ps", "-a"], "ps"],
    [["--root=/r", "--debug", "rm", "x"], "rm"],
    [["--debug", "--root", "run", "logs"], "logs"],
    [["--version"], "--version"],
    [["-h"], "-h"],
    [["--root"], undefined],
    [[], undefined],
  ];
  for (const [argv, want] of cases) it(`${JSON.stringify(argv)} → ${String(want)}`, () => assert.equal(commandWord(argv), want));
});
