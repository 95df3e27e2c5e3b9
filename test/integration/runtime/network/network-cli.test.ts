import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { run, type RunResult } from "../../../support/run.js";
import { tempDir, type TempDir } from "../../../support/temp-dir.js";

const CHILD = fileURLToPath(new URL("./network-cli-child.js", import.meta.url));

/** `berth --root ROOT network ARGS…` in a child process. Nothing here runs netavark, so no root is needed. */
const network = (root: string, args: readonly string[]): Promise<RunResult> =>
  run(process.execPath, [CHILD, root, ...args], { timeoutMs: 30_000 });

describe("berth network create|ls|inspect|rm", () => {
  let tmp: TempDir;
  before(async () => {
    tmp = await tempDir("berth-netcli-");
  });
  after(async () => tmp.remove());

  it("create prints the id; ls lists it beside the default bridge; inspect shows docker's JSON; rm removes", async () => {
    const created = await network(tmp.path, ["create", "--subnet", "10.231.7.0/24", "--gateway", "10.231.7.254", "--label", "team=web", "--label", "tier", "--internal", "webnet"]);
    assert.equal(created.code, 0, created.stderr);
    const id = created.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);

    const ls = await network(tmp.path, ["ls"]);
    const lines = ls.stdout.trimEnd().split("\n");
    assert.match(lines[0]!, /^NETWORK ID\s+NAME\s+DRIVER$/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/).slice(1)), [["bridge", "bridge"], ["webnet", "bridge"]]);
    assert.ok(lines.some((l) => l.startsWith(id.slice(0, 12))));
    assert.ok((await network(tmp.path, ["ls", "-q", "--no-trunc"])).stdout.includes(`${id}\n`));

    const inspected = await network(tmp.path, ["inspect", "webnet", id.slice(0, 10)]);
    const json = JSON.parse(inspected.stdout) as { Name: string; Id: string; Driver: string; Internal: boolean; IPAM: { Config: unknown }; Labels: unknown; Containers: unknown; Created: string }[];
    assert.equal(json.length, 2);
    assert.deepEqual([json[0]!.Name, json[0]!.Id, json[0]!.Driver, json[0]!.Internal], ["webnet", id, "bridge", true]);
    assert.deepEqual(json[0]!.IPAM.Config, [{ Subnet: "10.231.7.0/24", Gateway: "10.231.7.254" }]);
    assert.deepEqual([json[0]!.Labels, json[0]!.Containers], [{ team: "web", tier: "" }, {}]);
    assert.ok(!Number.isNaN(Date.parse(json[0]!.Created)));

    const templated = await network(tmp.path, ["inspect", "-f", "{{.Name}} {{range .IPAM.Config}}{{.Subnet}}{{end}} {{index .Labels \"team\"}}", "webnet", "bridge"]);
    assert.equal(templated.stdout, "webnet 10.231.7.0/24 web\nbridge 10.88.0.0/16 <no value>\n", templated.stderr);
    const bad = await network(tmp.path, ["inspect", "--format", "{{range .IPAM.Config}}", "webnet"]);
    assert.deepEqual([bad.code, bad.stdout], [2, ""], bad.stderr);
    assert.match(bad.stderr, /^berth: template "\{\{range \.IPAM\.Config\}\}": at 1:3: unexpected EOF: \{\{range\}\} has no \{\{end\}\}/);

    const rm = await network(tmp.path, ["rm", "webnet"]);
    assert.equal(rm.stdout, "webnet\n");
    assert.ok(!(await network(tmp.path, ["ls"])).stdout.includes("webnet"));
  });

  it("bad input gets the library's errors, and rm goes on past a failure", async () => {
    const cases: readonly [string[], number, RegExp][] = [
      [["create", "bad name"], 2, /network name "bad name"/],
      [["create", "--subnet", "10.231.8.1/24", "x"], 2, /host bits are set\nhint: did you mean 10\.231\.8\.0\/24/],
      [["create", "--driver", "overlay", "x"], 2, /only bridge/],
      [["create", "--label", "=v", "x"], 2, /--label "=v"/],
      [["create", "--gateway", "10.1.1.1", "x"], 2, /--gateway needs --subnet/],
      [["create", "host"], 1, /host is a predefined network/],
      [["create"], 2, /missing required argument/],
      [["inspect", "nosuch"], 1, /^berth: no such network: nosuch\n$/],
      [["rm", "bridge"], 1, /default network and cannot be removed/],
      [["rm"], 2, /missing required argument/],
    ];
    for (const [args, code, message] of cases) {
      const r = await network(tmp.path, args);
      assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
    }
    await network(tmp.path, ["create", "keep1"]);
    await network(tmp.path, ["create", "keep2"]);
    const r = await network(tmp.path, ["rm", "nosuch1", "keep1", "nosuch2", "keep2"]);
    assert.equal(r.stdout, "keep1\nkeep2\n");
    assert.equal(r.code, 3);
    assert.match(r.stderr, /network nosuch1 not found[\s\S]*network nosuch2 not found/);
  });

  it("inspect prints the networks it finds, a line for each it does not, and exits 1, as docker", async () => {
    await network(tmp.path, ["create", "seen1"]);
    await network(tmp.path, ["create", "seen2"]);
    const r = await network(tmp.path, ["inspect", "seen1", "nosuch1", "seen2", "nosuch2"]);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { Name: string }[]).map((n) => n.Name), ["seen1", "seen2"]);
    assert.equal(r.stderr, "berth: no such network: nosuch1\nberth: no such network: nosuch2\n");
    const templated = await network(tmp.path, ["inspect", "-f", "{{.Name}}", "nosuch1", "seen2"]);
    assert.equal(templated.code, 1, templated.stderr);
    assert.equal(templated.stdout, "seen2\n");
    assert.equal(templated.stderr, "berth: no such network: nosuch1\n");
  });

  it("each subcommand has --help", async () => {
    for (const sub of ["create", "ls", "inspect", "rm"]) {
      const r = await network(tmp.path, [sub, "--help"]);
      assert.equal(r.code, 0, sub);
      assert.match(r.stdout, /Usage: berth network/);
    }
  });
});
