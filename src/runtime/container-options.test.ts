import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../oci/index.js";
import { parseBind, parseCapabilities, parseCpus, parseEnv, parseEnvFile, parseMemory, parsePidsLimit, parseTmpfs } from "./container-options.js";

interface Case<T> {
  readonly input: string;
  readonly want?: T;
  readonly expectErr?: RegExp;
}

function table<T>(name: string, parse: (s: string) => T, cases: readonly Case<T>[]): void {
  describe(name, () => {
    for (const c of cases) {
      it(JSON.stringify(c.input), () => {
        if (c.expectErr) assert.throws(() => parse(c.input), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && c.expectErr!.test(e.message));
        else assert.deepEqual(parse(c.input), c.want);
      });
    }
  });
}

table("parseBind", parseBind, [
  { input: "/srv:/data", want: { source: "/srv", destination: "/data", readOnly: false } },
  { input: "/srv:/data:ro", want: { source: "/srv", destination: "/data", readOnly: true } },
  { input: "/srv:/data:rw", want: { source: "/srv", destination: "/data", readOnly: false } },
  { input: "/srv", expectErr: /^-v \/srv: expected SRC:DST/ },
  { input: "vol:/data", expectErr: /source "vol" must be an absolute host path/ },
  { input: "/srv/../etc:/data", expectErr: /without \. or \.\./ },
  { input: "/srv:data", expectErr: /destination "data" must be an absolute path/ },
  { input: "/srv:/", expectErr: /not \// },
  { input: "/srv:/a/../b", expectErr: /destination/ },
  { input: "/srv:/data:rx", expectErr: /mode "rx" is not ro or rw/ },
  { input: "/a:/b:ro:x", expectErr: /expected SRC:DST/ },
]);

table("parseTmpfs", parseTmpfs, [
  { input: "/run", want: { destination: "/run", options: [] } },
  { input: "/run:size=64m,mode=1777", want: { destination: "/run", options: ["size=64m", "mode=1777"] } },
  { input: "run", expectErr: /^--tmpfs run: "run" must be an absolute path/ },
  { input: "/", expectErr: /not \// },
  { input: "/run:size=1m,lowerdir=/etc;x", expectErr: /option "lowerdir=\/etc;x"/ },
]);

table("parseMemory", parseMemory, [
  { input: "512m", want: 512 * 1024 ** 2 },
  { input: "2g", want: 2 * 1024 ** 3 },
  { input: "1.5g", want: 1.5 * 1024 ** 3 },
  { input: "6291456", want: 6291456 },
  { input: "64MB", want: 64 * 1024 ** 2 },
  { input: "5m", expectErr: /^--memory 5m: the minimum is 6m/ },
  { input: "lots", expectErr: /^--memory lots: not a size/ },
  { input: "-1g", expectErr: /not a size/ },
  { input: "9".repeat(30) + "t", expectErr: /not a size/ },
]);

table("parseCpus", (s) => parseCpus(s, 4), [
  { input: "0.5", want: 0.5 },
  { input: "4", want: 4 },
  { input: ".25", want: 0.25 },
  { input: "0", want: 0 },
  { input: "0.0", want: 0 },
  { input: "0.001", expectErr: /^--cpus 0.001: must be a number from 0.01 to 4/ },
  { input: "5", expectErr: /from 0.01 to 4/ },
  { input: "1e1", expectErr: /--cpus/ },
  { input: "half", expectErr: /--cpus/ },
]);

table("parsePidsLimit", parsePidsLimit, [
  { input: "20", want: 20 },
  { input: "-1", want: -1 },
  { input: "0", want: -1 },
  { input: "1.5", expectErr: /--pids-limit/ },
  { input: "-2", expectErr: /--pids-limit/ },
]);

table("parseEnv", (s) => parseEnv(s, "-e", { HOSTVAR: "h" }), [
  { input: "A=1", want: "A=1" },
  { input: "A=", want: "A=" },
  { input: "A=b=c", want: "A=b=c" },
  { input: "HOSTVAR", want: "HOSTVAR=h" },
  { input: "UNSET", want: undefined },
  { input: "=x", expectErr: /^-e "=x": "" is not a variable name/ },
  { input: "A B=1", expectErr: /is not a variable name/ },
  { input: "A=\0", expectErr: /NUL/ },
]);

table("parseCapabilities", (s) => parseCapabilities(s.split(","), "--cap-add"), [
  { input: "net_admin,CAP_KILL,all", want: ["CAP_NET_ADMIN", "CAP_KILL", "ALL"] },
  { input: "NET_ADMIN,BOGUS", expectErr: /^--cap-add BOGUS: not a Linux capability/ },
]);

describe("parseEnvFile", () => {
  it("skips comments and blank lines, copies bare names, keeps order", () => {
    assert.deepEqual(parseEnvFile("# c\nA=1\n\n  B=2\r\nHOSTVAR\nUNSET\nA=3\n", "f", { HOSTVAR: "h" }), ["A=1", "B=2", "HOSTVAR=h", "A=3"]);
  });
  it("names the file and line of a bad entry", () => {
    assert.throws(() => parseEnvFile("A=1\n=bad\n", "vars.env", {}), (e: unknown) => e instanceof Error && /^--env-file vars\.env:2 "=bad"/.test(e.message));
  });
});
