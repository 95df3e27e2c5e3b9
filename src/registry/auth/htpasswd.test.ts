import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { promisify } from "node:util";
import bcrypt from "bcryptjs";
import { isBerthError } from "../../oci/index.js";
import { Htpasswd, parseHtpasswd } from "./htpasswd.js";

const HTPASSWD_BIN = "/usr/bin/htpasswd";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-htpasswd-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hashOf = (password: string, minor: "2a" | "2b" | "2y" = "2b"): string =>
  bcrypt.hashSync(password, 4).replace(/^\$2b\$/, `$${minor}$`);

describe("parseHtpasswd", () => {
  it("reads user:hash lines, skipping comments and blank lines", () => {
    const a = hashOf("a");
    const b = hashOf("b", "2y");
    const entries = parseHtpasswd(`# users\n\nalice:${a}\r\n  bob:${b}  \n`, "f");
    assert.deepEqual([...entries], [["alice", a], ["bob", b]]);
  });

  const bad: readonly { name: string; text: string; expectErr: RegExp }[] = [
    { name: "apr1", text: "# c\ncarol:$apr1$abc$defghijklmnopqrstuvwx/", expectErr: /^htpasswd f line 2: user "carol" has an MD5 \(apr1\) hash; only bcrypt/ },
    { name: "sha1", text: "dave:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", expectErr: /line 1: user "dave" has a SHA-1 hash/ },
    { name: "crypt", text: "erin:abJnggxhB/yWI", expectErr: /line 1: user "erin" has a crypt\(3\) or plain-text password/ },
    { name: "truncated bcrypt", text: "frank:$2y$05$short", expectErr: /a malformed bcrypt hash/ },
    { name: "no colon", text: "justaname", expectErr: /line 1: expected "user:hash"/ },
    { name: "reserved name", text: `anonymous:${hashOf("x")}`, expectErr: /user name "anonymous" is reserved/ },
    { name: "duplicate", text: `g:${hashOf("x")}\ng:${hashOf("y")}`, expectErr: /line 2: user "g" is already defined on line 1/ },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}`, () => {
      assert.throws(() => parseHtpasswd(c.text, "f"), (e: unknown) => {
        assert.ok(isBerthError(e, "INVALID_ARGUMENT"));
        assert.match(e.message, c.expectErr);
        return true;
      });
    });
  }
});

describe("Htpasswd", () => {
  it("verifies bcrypt passwords of every prefix", async () => {
    const path = join(dir, "htpasswd");
    await writeFile(path, `a:${hashOf("pa", "2a")}\nb:${hashOf("pb", "2b")}\ny:${hashOf("py", "2y")}\n`);
    const h = await Htpasswd.load(path);
    for (const [user, pw] of [["a", "pa"], ["b", "pb"], ["y", "py"]] as const) {
      assert.equal(await h.verify(user, pw), true, user);
      assert.equal(await h.verify(user, `${pw}x`), false, user);
    }
    assert.equal(await h.verify("nobody", "pa"), false);
  });

  it("accepts what htpasswd -B writes", async (t) => {
    try {
      await access(HTPASSWD_BIN);
    } catch {
      t.skip(`${HTPASSWD_BIN} not found (Debian package apache2-utils)`);
      return;
    }
    const { stdout } = await promisify(execFile)(HTPASSWD_BIN, ["-B", "-b", "-n", "user", "p:ss word"]);
    const path = join(dir, "htpasswd");
    await writeFile(path, stdout);
    const h = await Htpasswd.load(path);
    assert.equal(await h.verify("user", "p:ss word"), true);
    assert.equal(await h.verify("user", "pass word"), false);
  });

  it("remembers a success for the TTL only, and forgets it when the password changes", async () => {
    let now = 1_000_000;
    const path = join(dir, "htpasswd");
    // Cost 12 takes ~300 ms in bcryptjs, so ten uncached checks would take seconds.
    await writeFile(path, `u:${bcrypt.hashSync("old", 12)}\n`);
    const h = await Htpasswd.load(path, { cacheTtlMs: 60_000, now: () => now });
    const timed = async (): Promise<number> => {
      const start = performance.now();
      assert.equal(await h.verify("u", "old"), true);
      return performance.now() - start;
    };
    const uncached = await timed();
    let cached = 0;
    for (let i = 0; i < 10; i++) cached += await timed();
    assert.ok(cached < uncached, `10 cached checks took ${cached} ms, one bcrypt check ${uncached} ms`);
    now += 61_000;
    assert.ok((await timed()) > uncached / 3, "the entry should have expired");

    // Rewrite with another size so the change is seen even within one mtime tick.
    await writeFile(path, `# changed\nu:${hashOf("new")}\n`);
    assert.equal(await h.verify("u", "old"), false);
    assert.equal(await h.verify("u", "new"), true);
  });

  it("picks up added users and fails closed on a broken rewrite", async () => {
    const path = join(dir, "htpasswd");
    await writeFile(path, `u:${hashOf("p")}\n`);
    const h = await Htpasswd.load(path);
    assert.equal(await h.hasUser("v"), false);
    await writeFile(path, `u:${hashOf("p")}\nv:${hashOf("q")}\n`);
    assert.equal(await h.verify("v", "q"), true);
    await writeFile(path, `u:$apr1$x$y\n`);
    await assert.rejects(h.verify("u", "p"), (e: unknown) => {
      assert.ok(isBerthError(e, "UNAVAILABLE"));
      assert.match(e.message, /changed and cannot be used: .*only bcrypt/);
      return true;
    });
  });

  it("changes passwordVersion with the password", async () => {
    const path = join(dir, "htpasswd");
    await writeFile(path, `u:${hashOf("p")}\n`);
    const h = await Htpasswd.load(path);
    const v1 = await h.passwordVersion("u");
    assert.ok(v1);
    assert.equal(await h.passwordVersion("nobody"), undefined);
    await writeFile(path, `u:${hashOf("p2")}\n\n`);
    assert.notEqual(await h.passwordVersion("u"), v1);
  });

  it("names a missing file", async () => {
    await assert.rejects(Htpasswd.load(join(dir, "missing")), (e: unknown) => {
      assert.ok(isBerthError(e, "NOT_FOUND"));
      assert.match(e.message, /htpasswd file .*missing: not found/);
      return true;
    });
  });
});
