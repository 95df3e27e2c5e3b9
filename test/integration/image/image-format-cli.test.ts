// `berth images --format` and `berth image inspect -f`: docker's Go templates over the local store.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { berth } from "../../support/berth-server.js";
import { missingTools } from "../../support/require-root.js";
import { assertSucceeded, describeResult } from "../../support/run.js";
import { makeRuntimeFixture, type RuntimeFixture } from "../runtime/runtime-fixture.js";

const missing = missingTools(["/bin/busybox"]);

describe("images --format, image inspect -f", { skip: missing.length > 0 ? `needs ${missing.join(", ")}` : false }, () => {
  let fx: RuntimeFixture;
  const b = (...args: string[]) => berth(["--root", fx.root, ...args]);
  before(async () => {
    fx = await makeRuntimeFixture();
  });
  after(async () => fx?.tmp.remove());

  it("prints docker's image fields per image, a table with docker's headers, and refuses a bad template (exit 2, not the table)", async () => {
    const [inspected] = JSON.parse(assertSucceeded(await b("image", "inspect", "localhost/busybox:t1")).stdout) as { Id: string }[];
    const id = inspected!.Id;
    assert.equal(assertSucceeded(await b("image", "inspect", "-f", "{{.Id}}", "localhost/busybox:t1")).stdout, `${id}\n`);

    assert.equal(assertSucceeded(await b("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}")).stdout, `localhost/busybox:t1 ${id.slice(7, 19)}\n`);
    assert.equal(assertSucceeded(await b("images", "--no-trunc", "--format", "{{.ID}}")).stdout, `${id}\n`);
    const table = assertSucceeded(await b("images", "--format", "table {{.Repository}}\\t{{.Tag}}")).stdout;
    assert.equal(table, "REPOSITORY          TAG\nlocalhost/busybox   t1\n");
    assert.match(assertSucceeded(await b("images", "--format", "{{.CreatedAt}}|{{.CreatedSince}}|{{.Digest}}|{{.Size}}")).stdout,
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC\|.+\|sha256:[0-9a-f]{64}\|[\d.]+ [KM]?i?B\n$/);
    assert.equal((JSON.parse(assertSucceeded(await b("images", "--format", "json")).stdout) as unknown[]).length, 1, "json stays berth's array");

    for (const args of [["images", "--format", "{{.Repository"], ["images", "--format", "{{.Nope}}"], ["image", "inspect", "-f", "{{.Id", "localhost/busybox:t1"]]) {
      const r = await b(...args);
      assert.equal(r.code, 2, describeResult(r));
      assert.equal(r.stdout, "");
      assert.match(r.stderr, /^berth: template /);
    }
  });
});
