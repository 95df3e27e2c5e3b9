// The OCI distribution-spec conformance suite (our TypeScript port, see
// test/conformance/README.md) against berth's registry: all four workflows,
// nothing skipped, run twice — anonymous and behind Basic auth.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import bcrypt from "bcryptjs";
import { conformanceSuite } from "../../conformance/suite.js";
import { parseAuthConfig, serveRegistry, type RunningRegistry } from "../../../src/registry/index.js";

for (const mode of ["anonymous", "basic-auth"] as const) {
  describe(`OCI conformance against berth (${mode})`, () => {
    let dir: string | undefined;
    let reg: RunningRegistry | undefined;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "berth-conformance-"));
      let auth;
      if (mode === "basic-auth") {
        await writeFile(join(dir, "htpasswd"), `conformance:${bcrypt.hashSync("secret", 4)}\n`);
        auth = parseAuthConfig({ htpasswd: join(dir, "htpasswd") });
      }
      reg = await serveRegistry({ addr: "127.0.0.1:0", root: join(dir, "root"), ...(auth && { auth }) });
    });
    after(async () => {
      await reg?.close();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });
    conformanceSuite({
      rootUrl: () => reg?.url ?? "",
      namespace: "conformance/main",
      crossmountNamespace: "conformance/other",
      // berth mounts only with ?from= (a blob is never reachable through a repository that did not get it).
      automaticCrossmount: false,
      ...(mode === "basic-auth" && { username: "conformance", password: "secret" }),
    });
  });
}
