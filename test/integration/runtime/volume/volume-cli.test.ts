// `berth volume …` end to end: the built CLI in child processes, a temp --root per test.
import assert from "node:assert/strict";
import { mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { VolumeStore } from "../../../../src/runtime/volume/index.js";
import { berth } from "../../../support/berth-server.js";
import { assertSucceeded, describeResult, type RunResult } from "../../../support/run.js";
import { tempDir, type TempDir } from "../../../support/temp-dir.js";

interface InspectedVolume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Options: Record<string, string>;
  Scope: string;
}

const CONTAINER = "c".repeat(64);

describe("berth volume (the built CLI)", () => {
  let tmp: TempDir;
  let root = "";
  const vol = (args: readonly string[], input?: string): Promise<RunResult> =>
    berth(["--root", root, "volume", ...args], { timeoutMs: 30_000, ...(input !== undefined && { input }) });
  const failed = (r: RunResult, code: number, stderr: RegExp): void => {
    assert.equal(r.code, code, describeResult(r));
    assert.match(r.stderr, stderr, describeResult(r));
  };
  const listed = async (): Promise<string[]> => assertSucceeded(await vol(["ls", "-q"])).stdout.split("\n").filter((l) => l !== "");
  /** Record `id` as a user of `volume`, with the container directory berth checks a claim against. */
  const useAs = async (id: string, volume: string): Promise<void> => {
    await mkdir(join(root, "containers", id), { recursive: true });
    await new VolumeStore(root).acquire(volume, id);
  };

  beforeEach(async () => {
    tmp = await tempDir("berth-volcli-");
    root = join(tmp.path, "root");
  });
  afterEach(async () => {
    await tmp.remove();
  });

  it("creates, lists, inspects and removes volumes as docker prints them", async () => {
    assert.equal(assertSucceeded(await vol(["create", "--label", "team=web", "--label", "tier", "site"])).stdout, "site\n");
    assert.equal(assertSucceeded(await vol(["create", "site"])).stdout, "site\n", "an existing name is returned, as docker");
    const anon = assertSucceeded(await vol(["create"])).stdout.trim();
    assert.match(anon, /^[0-9a-f]{64}$/);
    const table = assertSucceeded(await vol(["ls"])).stdout;
    assert.equal(table, `DRIVER   VOLUME NAME\nlocal    ${anon}\nlocal    site\n`);
    assert.deepEqual(await listed(), [anon, "site"]);

    const inspected = JSON.parse(assertSucceeded(await vol(["inspect", "site", anon])).stdout) as InspectedVolume[];
    assert.equal(inspected.length, 2);
    const site = inspected[0]!;
    assert.deepEqual({ ...site, CreatedAt: "" }, {
      Name: "site", Driver: "local", Mountpoint: join(root, "volumes", "site", "_data"), CreatedAt: "",
      Labels: { team: "web", tier: "" }, Options: {}, Scope: "local",
    });
    assert.ok(Math.abs(Date.parse(site.CreatedAt) - Date.now()) < 120_000, site.CreatedAt);
    assert.ok((await stat(site.Mountpoint)).isDirectory());

    assert.equal(assertSucceeded(await vol(["inspect", "-f", "{{.Name}} {{.Driver}} {{.Labels.team}} {{json .Options}}", "site"])).stdout, "site local web {}\n");
    failed(await vol(["inspect", "--format", "{{.Name", "site"]), 2, /^berth: template "\{\{\.Name": at 1:1: unclosed action/);

    await writeFile(join(site.Mountpoint, "index.html"), "hello\n");
    assert.equal(assertSucceeded(await vol(["rm", "site", anon])).stdout, `site\n${anon}\n`);
    assert.deepEqual(await listed(), []);
    assert.deepEqual(await readdir(join(root, "volumes")), [], "the data went with it");
  });

  it("refuses bad input with a clear message and a non-zero exit", async () => {
    failed(await vol(["create", "../x"]), 2, /^berth: volume name "\.\.\/x" holds characters a volume name may not/m);
    failed(await vol(["create", "x"]), 2, /volume name "x" is too short/);
    failed(await vol(["create", "--label", "=v", "ok1"]), 2, /--label "=v": the label key is empty/);
    failed(await vol(["create", "--driver", "nfs", "ok2"]), 2, /--driver nfs: only the local driver exists/);
    failed(await vol(["create", "a1", "a2"]), 2, /too many arguments/);
    failed(await vol(["frobnicate"]), 2, /unknown command 'frobnicate'/);
    failed(await vol(["rm"]), 2, /missing required argument 'names'/);
    failed(await vol(["rm", "../../etc"]), 2, /volume name "\.\.\/\.\.\/etc" holds characters/);
    const escape = await vol(["inspect", "../volumes"]);
    failed(escape, 1, /volume name "\.\.\/volumes"/); // an inspect fails with 1 whatever the name's fault, as docker's
    assert.equal(escape.stdout, "[]\n");
    assert.deepEqual(await listed(), [], "nothing was made");
  });

  it("inspect prints what exists, a line for each name that does not, and exits 1, as docker", async () => {
    assertSucceeded(await vol(["create", "here"]));
    assertSucceeded(await vol(["create", "there"]));
    const r = await vol(["inspect", "here", "nowhere", "there", "nowhere2"]);
    failed(r, 1, /^berth: no such volume: nowhere\nberth: no such volume: nowhere2\n$/);
    assert.deepEqual((JSON.parse(r.stdout) as InspectedVolume[]).map((v) => v.Name), ["here", "there"]);
    const templated = await vol(["inspect", "-f", "{{.Name}}", "nowhere", "here"]);
    failed(templated, 1, /^berth: no such volume: nowhere\n$/);
    assert.equal(templated.stdout, "here\n");
    const none = await vol(["inspect", "nowhere"]);
    failed(none, 1, /^berth: no such volume: nowhere\n$/);
    assert.equal(none.stdout, "[]\n");
  });

  it("rm refuses a volume in use, naming the container, with -f too; -f ignores a missing one", async () => {
    assertSucceeded(await vol(["create", "busy"]));
    await useAs(CONTAINER, "busy");
    failed(await vol(["rm", "busy"]), 1, /volume busy is in use by container cccccccccccc\nhint: remove those containers first/);
    assert.deepEqual(await listed(), ["busy"]);
    failed(await vol(["rm", "ghost"]), 3, /no such volume: ghost/);
    const r = await vol(["rm", "ghost", "busy", "ghost2"]);
    failed(r, 3, /^berth: no such volume: ghost\n[^]*^berth: volume busy is in use[^]*^berth: no such volume: ghost2\n/m);
    assert.equal(r.stdout, "", "busy stayed: in use");
    // docker: "remove busy: volume is in use", exit 1, -f or not.
    const forced = await vol(["rm", "-f", "busy", "ghost"]);
    failed(forced, 1, /^berth: volume busy is in use by container cccccccccccc\n/);
    assert.equal(forced.stdout, "ghost\n", "-f ignores the missing volume only");
    assert.deepEqual(await listed(), ["busy"]);
    await new VolumeStore(root).release("busy", CONTAINER);
    assert.equal(assertSucceeded(await vol(["rm", "-f", "busy"])).stdout, "busy\n");
    assert.deepEqual(await listed(), []);
  });

  it("a claim whose container is gone (lost in a crash) does not keep a volume in use", async () => {
    assertSucceeded(await vol(["create", "orphaned"]));
    await new VolumeStore(root).acquire("orphaned", "d".repeat(64));
    assert.equal(assertSucceeded(await vol(["rm", "orphaned"])).stdout, "orphaned\n");
    assert.deepEqual(await listed(), []);
  });

  it("prune asks first, removes only unused volumes and reports the space", async () => {
    for (const n of ["used", "idle", "empty"]) assertSucceeded(await vol(["create", n]));
    await useAs(CONTAINER, "used");
    await writeFile(join(root, "volumes", "idle", "_data", "blob"), Buffer.alloc(2048));

    for (const answer of ["n\n", "", "maybe\n"]) {
      const r = await vol(["prune"], answer);
      failed(r, 1, /volume prune cancelled: nothing was removed/);
      assert.match(r.stdout, /^WARNING! This will remove all local volumes not used by at least one container\.\nAre you sure you want to continue\? \[y\/N\] /);
    }
    assert.deepEqual(await listed(), ["empty", "idle", "used"]);

    const yes = assertSucceeded(await vol(["prune"], "y\n"));
    assert.match(yes.stdout, /\nDeleted Volumes:\nempty\nidle\n\nTotal reclaimed space: 2\.0 KiB\n$/);
    assert.deepEqual(await listed(), ["used"]);
    assert.equal(assertSucceeded(await vol(["prune", "-f"])).stdout, "Total reclaimed space: 0 B\n");
    await new VolumeStore(root).release("used", CONTAINER);
    assert.equal(assertSucceeded(await vol(["prune", "--force"])).stdout, "Deleted Volumes:\nused\n\nTotal reclaimed space: 0 B\n");
  });

  it("two processes creating one name at once get one volume", async () => {
    const runs = await Promise.all([0, 1, 2].map(() => vol(["create", "raced"])));
    for (const r of runs) assert.equal(assertSucceeded(r).stdout, "raced\n");
    assert.deepEqual(await listed(), ["raced"]);
    assert.deepEqual((await readdir(join(root, "volumes"))).filter((n) => n.startsWith(".")), [], "no staging dir or lock left");
  });

  it("--help explains volume and each subcommand", async () => {
    const help = assertSucceeded(await vol(["--help"])).stdout;
    for (const c of ["create", "inspect", "ls|list", "prune", "rm|remove"]) assert.match(help, new RegExp(`\\n  ${c.replace("|", "\\|")} `), c);
    const expected: readonly [string, RegExp][] = [
      ["create", /--label <key=value>/], ["ls", /-q, --quiet/], ["inspect", /<names\.\.\.>/], ["rm", /-f, --force/], ["prune", /-f, --force/],
    ];
    for (const [c, want] of expected) {
      const r = assertSucceeded(await vol([c, "--help"]));
      assert.match(r.stdout, new RegExp(`^Usage: berth volume ${c}`), c);
      assert.match(r.stdout, want, c);
    }
  });
});
