import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { link, mkdir, readdir, readFile, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dependencyOrder, loadComposeProject } from "../../../src/orchestrator/index.js";
import { freePort } from "../../support/free-port.js";
import { terminate } from "../../support/process.js";
import { findTool, missingTools } from "../../support/require-root.js";
import { describeResult, run } from "../../support/run.js";
import { tempDir } from "../../support/temp-dir.js";
import { BUILD_CACHE } from "../build/base-fixture.js";
import { fetchWhenUp, requireBuildPrerequisites, seedBuildCache } from "../build/node-app/node-app-fixture.js";
import { networkingUnsupported } from "../runtime/network/network-fixture.js";
import { containersUnsupported } from "../runtime/runtime-fixture.js";
import { BerthSession, CONMON } from "../runtime/containers/berth-session.js";

// examples/shop, berth's example stack (its README): the compose file as berth
// and docker-compose read it, the services' own code on the host, and, as
// root, the images build.sh makes run by berth one container per service.
const SHOP = fileURLToPath(new URL("../../../../examples/shop/", import.meta.url));
const COMPOSE = join(SHOP, "compose.yaml");
const PRODUCTS = JSON.parse(await readFile(join(SHOP, "catalog", "products.json"), "utf8")) as { sku: string; name: string }[];

/** examples/shop/cart/resp.js, the cart's RESP2 codec (plain JS in the image; typed here by what the tests use). */
interface RespModule {
  encodeCommand(args: readonly (string | number)[]): Buffer;
  RespParser: new () => { push(chunk: Buffer): void; next(): { value: unknown } | undefined };
  RespProtocolError: abstract new (...args: never[]) => Error;
  RedisReplyError: abstract new (...args: never[]) => Error;
}

/** GET or POST `url` (5 s bound); status, headers and body. */
async function http(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Headers; body: string }> {
  const r = await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(5_000) });
  return { status: r.status, headers: r.headers, body: await r.text() };
}

describe("examples/shop: the compose file", () => {
  it("loads with berth's compose loader: no error, no warning, the stack the README describes", async () => {
    const { project, warnings } = await loadComposeProject({ files: [COMPOSE], env: {} });
    assert.deepEqual(warnings, []);
    assert.equal(project.name, "shop", "named after its directory");
    const s = project.services;
    assert.deepEqual(Object.keys(s).sort(), ["cart", "catalog", "gateway", "redis"]);
    assert.deepEqual(Object.fromEntries(Object.values(s).map((x) => [x.name, x.deploy.replicas])), { gateway: 1, catalog: 4, cart: 4, redis: 1 });
    assert.deepEqual(s.gateway!.ports.map((p) => [p.hostIp, p.published, p.target]), [["127.0.0.1", { start: 8080, end: 8080 }, 8080]]);
    assert.deepEqual(s.gateway!.dependsOn, { catalog: { condition: "service_healthy", required: true, restart: false }, cart: { condition: "service_healthy", required: true, restart: false } });
    assert.deepEqual(Object.keys(s.cart!.dependsOn), ["redis"]);
    const order = dependencyOrder(project);
    assert.ok(order.indexOf("redis") < order.indexOf("cart") && order.indexOf("cart") < order.indexOf("gateway"), order.join(" "));
    assert.ok(order.indexOf("catalog") < order.indexOf("cart"), "a zero-config build, which makes the Node.js base, comes before the cart's Dockerfile FROM it");
    for (const name of ["gateway", "catalog", "cart"]) {
      assert.deepEqual(s[name]!.healthcheck?.test, ["CMD", "node", "/app/healthcheck.js"], `${name}: exec form, the image has no shell`);
      assert.equal(s[name]!.image, `localhost/shop/${name}:latest`);
      assert.equal(s[name]!.build?.context, join(SHOP, name));
      await stat(join(SHOP, name, "healthcheck.js"));
    }
    assert.deepEqual(s.redis!.healthcheck?.test, ["CMD", "redis-cli", "-h", "127.0.0.1", "ping"]);
    assert.equal(s.redis!.build, undefined, "made by berth base build, not by compose");
    for (const x of Object.values(s)) assert.equal(x.restart.policy, "unless-stopped", x.name);
    assert.deepEqual(s.catalog!.berth.autoscale, { min: 2, max: 8, cpuPercent: 70, cooldownMs: 60_000 });
    const hasDockerfile = async (name: string) => stat(join(SHOP, name, "Dockerfile")).then(() => true, () => false);
    assert.deepEqual(await Promise.all(["gateway", "catalog", "cart"].map(hasDockerfile)), [false, false, true], "two zero-config builds, one Dockerfile");
  });

  it("is read by Debian's docker-compose too (the benchmark's peer runs the same file)", async (t) => {
    if (!findTool("docker-compose")) return t.skip("needs docker-compose (apt-get install docker-compose)");
    const r = await run("docker-compose", ["-f", COMPOSE, "config", "-q"], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, describeResult(r));
  });
});

describe("examples/shop: the cart's RESP codec", () => {
  let resp: RespModule;
  before(async () => {
    resp = (await import(pathToFileURL(join(SHOP, "cart", "resp.js")).href)) as RespModule;
  });
  const parseAll = (bytes: Buffer, chunk: number): unknown[] => {
    const p = new resp.RespParser();
    const out: unknown[] = [];
    for (let i = 0; i < bytes.length; i += chunk) {
      p.push(bytes.subarray(i, i + chunk));
      for (let r = p.next(); r !== undefined; r = p.next()) out.push(r.value);
    }
    return out;
  };

  it("encodes a command as bulk strings, so CRLF in a value stays in the value", () => {
    assert.equal(resp.encodeCommand(["HINCRBY", "cart:a", "x\r\nFLUSHALL", 2]).toString(), "*4\r\n$7\r\nHINCRBY\r\n$6\r\ncart:a\r\n$11\r\nx\r\nFLUSHALL\r\n$1\r\n2\r\n");
    assert.equal(resp.encodeCommand(["SET", "k", "ü"]).toString("hex").endsWith(Buffer.from("$2\r\nü\r\n").toString("hex")), true, "lengths in bytes");
  });

  it("parses every reply type whatever the chunking, errors as values", () => {
    const wire = Buffer.from("+PONG\r\n:-42\r\n$5\r\nhe\r\nl\r\n$-1\r\n*-1\r\n*0\r\n*2\r\n*1\r\n$1\r\na\r\n:7\r\n-ERR wrong type\r\n$0\r\n\r\n");
    for (const chunk of [1, 2, 3, 7, wire.length]) {
      const got = parseAll(wire, chunk);
      assert.deepEqual(got.slice(0, 7), ["PONG", -42, "he\r\nl", null, null, [], [["a"], 7]], `chunks of ${chunk}`);
      assert.ok(got[7] instanceof resp.RedisReplyError && got[7].message === "ERR wrong type");
      assert.equal(got[8], "");
    }
  });

  it("refuses hostile replies: unknown type, bad or huge lengths, deep nesting, endless lines, missing CRLF", () => {
    const cases: [string, RegExp][] = [
      ["!3\r\n", /unknown reply type "!"/],
      [":12x\r\n", /bad integer/],
      [":1234567890123456789\r\n", /bad integer/],
      ["$-2\r\n", /length -2 outside/],
      [`$${16 * 1024 * 1024 + 1}\r\n`, /outside -1\.\.16777216/],
      ["*1000001\r\n", /outside -1\.\.1000000/],
      ["*1\r\n".repeat(9) + ":1\r\n", /nested deeper than 8/],
      ["+" + "a".repeat(70_000), /longer than 65536/],
      ["$3\r\nabcd\r\n", /not followed by CRLF/],
    ];
    for (const [wire, re] of cases) {
      assert.throws(() => parseAll(Buffer.from(wire), wire.length), (e: unknown) => e instanceof resp.RespProtocolError && re.test(e.message), JSON.stringify(wire.slice(0, 30)));
    }
  });
});

describe("examples/shop: catalog and gateway as host processes (no containers)", () => {
  const stops: (() => Promise<void>)[] = [];
  after(async () => {
    for (const s of stops.reverse()) await s().catch((e: unknown) => console.error(`cleanup: ${(e as Error).message}`));
  });
  /** Start `examples/shop/<dir>/server.js` with Node on 127.0.0.1 and a free port; stopped by pid after the tests. */
  const service = async (dir: string, env: Record<string, string> = {}): Promise<string> => {
    const port = await freePort();
    const child = spawn(process.execPath, [join(SHOP, dir, "server.js")], { env: { PATH: process.env.PATH, ...env, PORT: String(port), HOST: "127.0.0.1" }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    stops.push(() => terminate(child.pid!, 3_000));
    const url = `http://127.0.0.1:${port}`;
    await fetchWhenUp(`${url}/healthz`, 10_000).catch((e: unknown) => assert.fail(`${dir} did not start: ${(e as Error).message}; output: ${output}`));
    return url;
  };
  /** A catalog the test controls: answers `/products` with `body()`. */
  const fakeCatalog = async (body: () => string): Promise<string> => {
    const server: Server = createServer((_req, res) => res.end(body()));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    stops.push(() => new Promise((r) => server.close(() => r())));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  };

  it("catalog: JSON products, one by sku, 404 for unknown and odd paths, read-only", async () => {
    const url = await service("catalog");
    const all = await http(`${url}/products`);
    assert.equal(all.status, 200);
    assert.match(all.headers.get("content-type") ?? "", /^application\/json/);
    assert.deepEqual((JSON.parse(all.body) as { sku: string }[]).map((p) => p.sku), PRODUCTS.map((p) => p.sku));
    assert.equal((JSON.parse((await http(`${url}/products/deck-shoes`)).body) as { name: string }).name, "Deck shoes");
    for (const path of ["/products/nope", "/products/../etc/passwd", "/products/%00", "/", "//products"]) assert.equal((await http(`${url}${path}`)).status, 404, path);
    assert.equal((await http(`${url}/products`, { method: "POST", body: "{}" })).status, 405);
  });

  it("gateway: lists the catalog, escapes what it shows, survives a missing cart and a bad catalog", async () => {
    let catalogBody = JSON.stringify([{ sku: "mug", name: "<script>alert(1)</script>", description: "\" onmouseover=\"x", priceCents: 150 }, { bad: true }, null]);
    const catalog = await fakeCatalog(() => catalogBody);
    const deadCart = `http://127.0.0.1:${await freePort()}`;
    const url = await service("gateway", { CATALOG_URL: catalog, CART_URL: deadCart });
    const first = await http(`${url}/`);
    assert.equal(first.status, 200);
    assert.match(first.headers.get("set-cookie") ?? "", /^cart=[A-Za-z0-9_-]{16}; Path=\/; HttpOnly; SameSite=Lax/);
    assert.ok(first.body.includes("<strong>&#60;script&#62;alert(1)&#60;/script&#62;</strong> — 1.50 €"), first.body);
    assert.ok(!first.body.includes("<script>") && !first.body.includes("\" onmouseover"), "nothing from the catalog is markup");
    assert.match(first.body, /Served by replica <code>[^<]+<\/code>, instance <code>[0-9a-f]{8}<\/code>/);
    const withCart = await http(`${url}/`, { headers: { cookie: "cart=0123456789abcdef" } });
    assert.match(withCart.body, /The cart is unavailable: GET http:\/\/127\.0\.0\.1:\d+\/carts\/0123456789abcdef: connect ECONNREFUSED/);
    const add = await http(`${url}/cart/items`, { method: "POST", body: "sku=mug", headers: { "content-type": "application/x-www-form-urlencoded", cookie: "cart=0123456789abcdef" } });
    assert.equal(add.status, 502, "the cart is down");
    assert.equal((await http(`${url}/cart/items`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } })).status, 400);
    assert.equal((await http(`${url}/cart/items`, { method: "POST", body: `sku=${"a".repeat(2_000)}`, headers: { "content-type": "application/x-www-form-urlencoded" } })).status, 400);
    catalogBody = "x".repeat(2 * 1024 * 1024);
    assert.match((await http(`${url}/`)).body, /The catalog is unavailable: .*answer larger than 1048576 bytes/);
    catalogBody = "{not json";
    assert.match((await http(`${url}/`)).body, /The catalog is unavailable: .*not JSON/);
    const who = JSON.parse((await http(`${url}/api/whoami`)).body) as { instance: string; pid: number };
    assert.match(who.instance, /^[0-9a-f]{8}$/);
    assert.equal((await http(`${url}/nope`)).status, 404);
  });
});

/** Why the stack cannot be built and run here, or undefined. */
async function stackUnsupported(): Promise<string | undefined> {
  return (await containersUnsupported()) ?? (await networkingUnsupported())
    ?? (missingTools([CONMON]).length > 0 ? `needs ${CONMON} (apt-get install conmon)` : undefined);
}

/** Hard-link the .debs a build in `root` downloaded into the shared cache, so the next run needs no download. */
async function keepDownloads(root: string): Promise<void> {
  const [from, to] = [join(root, "build-cache", "sha256"), join(BUILD_CACHE, "sha256")];
  await mkdir(to, { recursive: true });
  const have = new Set(await readdir(to));
  for (const f of await readdir(from).catch(() => [] as string[])) if (!have.has(f)) await link(join(from, f), join(to, f)).catch(() => undefined);
}

/** Poll `check` every 250 ms until it returns true, at most `timeoutMs`; fails with `what`. */
async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 1_000 && Date.now() < deadline; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`${what}: not within ${timeoutMs} ms`);
}

// build.sh into a fresh berth root (the shared .deb cache and node base lock
// seeded, as the build tests do), then each service in its own container on
// one user network, found by name as in the stack, the way `berth up` will run them.
describe("examples/shop: build.sh, then each service run by berth", () => {
  let session: BerthSession | undefined;
  after(async () => session?.cleanup());

  it("builds the four images; catalog answers JSON, cart keeps items in redis, gateway's page lists products and names its replica", { timeout: 900_000 }, async (t: TestContext) => {
    const why = await stackUnsupported();
    if (why) return t.skip(why);
    if (!(await requireBuildPrerequisites(t, { npm: false }))) return;
    const tmp = await tempDir("berth-shop-");
    const root = join(tmp.path, "root");
    session = new BerthSession({ tmp, root, location: "" });
    await seedBuildCache(BUILD_CACHE, root);
    await mkdir(join(BUILD_CACHE, "shop"), { recursive: true });
    const started = Date.now();
    const built = await run("sh", [join(SHOP, "build.sh"), "--root", root], { env: { ...process.env, REDIS_LOCK: join(BUILD_CACHE, "shop", "redis.yaml.lock") }, timeoutMs: 600_000 });
    await keepDownloads(root);
    assert.equal(built.code, 0, describeResult(built));
    t.diagnostic(`build.sh: ${Date.now() - started} ms`);
    const names = ["redis", "catalog", "gateway", "cart"].map((s) => `localhost/shop/${s}:latest`);
    assert.deepEqual(built.stdout.trim().split("\n"), names, "build.sh prints the names");
    const images = JSON.parse(await session.ok(["image", "inspect", ...names])) as { Config: { User?: string; Healthcheck?: { Test: string[] } } }[];
    assert.deepEqual(images.map((i) => i.Config.User), ["999:999", "65532:65532", "65532:65532", "65532:65532"], "nobody runs as root");
    assert.deepEqual(images[3]!.Config.Healthcheck?.Test, ["CMD", "node", "/app/healthcheck.js"], "the cart's Dockerfile HEALTHCHECK");

    const s = session;
    const { name: net } = await s.network();
    const [pCatalog, pCart, pGateway] = [await freePort(), await freePort(), await freePort()];
    const ids: Record<string, string> = {};
    ids.redis = await s.detached(["--name", "redis", "--network", net, names[0]!]);
    ids.catalog = await s.detached(["--name", "catalog", "--network", net, "-p", `127.0.0.1:${pCatalog}:3001`, names[1]!]);
    ids.catalog2 = await s.detached(["--name", "catalog-2", "--network", net, "--network-alias", "catalog", names[1]!]);
    ids.cart = await s.detached(["--name", "cart", "--network", net, "-p", `127.0.0.1:${pCart}:3002`, names[3]!]);
    ids.gateway = await s.detached(["--name", "gateway", "--network", net, "-p", `127.0.0.1:${pGateway}:8080`, names[2]!]);
    const redisCli = (...args: string[]) => s.ok(["exec", "redis", "redis-cli", "-h", "127.0.0.1", ...args]);
    await waitFor("catalog-2 answers its health check", 20_000, async () => (await s.berth(["exec", "catalog-2", "node", "/app/healthcheck.js"])).code === 0);
    await waitFor("redis answers PING", 20_000, async () => (await redisCli("PING")).trim() === "PONG");
    await waitFor("cart healthy by its image's HEALTHCHECK", 40_000, async () => (await s.inspect("cart")).State.Health?.Status === "healthy");

    const catalog = `http://127.0.0.1:${pCatalog}`;
    const products = JSON.parse(await fetchWhenUp(`${catalog}/products`, 20_000)) as { sku: string }[];
    assert.deepEqual(products.map((p) => p.sku), PRODUCTS.map((p) => p.sku));
    assert.equal((await http(`${catalog}/products`)).headers.get("x-served-by"), ids.catalog.slice(0, 12), "the container's hostname");
    assert.equal((await s.berth(["exec", "catalog", "node", "/app/healthcheck.js"])).code, 0, "the compose healthcheck command works in the image");

    const cart = `http://127.0.0.1:${pCart}/carts/shop-test-cart-0001`;
    const post = (body: unknown) => http(`${cart}/items`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    assert.equal((await post({ sku: "deck-shoes", qty: 2 })).status, 200);
    assert.deepEqual(JSON.parse((await http(cart)).body), { id: "shop-test-cart-0001", items: [{ sku: "deck-shoes", qty: 2 }], count: 2 });
    assert.equal((await redisCli("HGET", "cart:shop-test-cart-0001", "deck-shoes")).trim(), "2", "stored in redis");
    assert.equal((await post({ sku: "x\r\nFLUSHALL\r\n" })).status, 400);
    assert.equal((await post({ sku: "mug", qty: 1e9 })).status, 400);
    assert.equal((await redisCli("EXISTS", "cart:shop-test-cart-0001")).trim(), "1", "nothing flushed");

    const gateway = `http://127.0.0.1:${pGateway}`;
    const cookie = { cookie: "cart=shop-test-cart-0001" };
    const page = await fetchWhenUp(`${gateway}/`, 20_000).then(() => http(`${gateway}/`, { headers: cookie }));
    for (const p of PRODUCTS) assert.ok(page.body.includes(`<strong>${p.name}</strong>`), `lists ${p.name}`);
    assert.ok(page.body.includes("<li>2 × Deck shoes</li>"), "the cart, through cart and redis, by service name");
    assert.match(page.body, new RegExp(`Served by replica <code>${ids.gateway.slice(0, 12)}</code>, instance <code>[0-9a-f]{8}</code> \\(pid 1, up \\d+ s\\); catalog <code>[0-9a-f]{12}</code>, cart <code>${ids.cart.slice(0, 12)}</code></footer>`));
    const catalogs = new Set<string>();
    for (let i = 0; i < 40 && catalogs.size < 2; i++) {
      const host = /catalog <code>([0-9a-f]{12})<\/code>/.exec((await http(`${gateway}/`)).body)?.[1];
      if (host !== undefined) catalogs.add(host);
    }
    assert.deepEqual([...catalogs].sort(), [ids.catalog, ids.catalog2].map((id) => id.slice(0, 12)).sort(), "the gateway spreads calls over every address of a service name");
    const add = await http(`${gateway}/cart/items`, { method: "POST", body: "sku=harbour-map", headers: { ...cookie, "content-type": "application/x-www-form-urlencoded" } });
    assert.deepEqual([add.status, add.headers.get("location")], [303, "/"]);
    assert.ok((await http(`${gateway}/`, { headers: cookie })).body.includes("<li>1 × Harbour map</li>"));

    await s.ok(["stop", "redis"]);
    await waitFor("cart /healthz reports redis down", 15_000, async () => (await http(`http://127.0.0.1:${pCart}/healthz`)).status === 503);
    assert.match((await http(`${gateway}/`, { headers: cookie })).body, /The cart is unavailable: GET http:\/\/cart:3002\/carts\/shop-test-cart-0001: HTTP 503/);
    await s.ok(["start", "redis"]);
    await waitFor("cart reconnects to the restarted redis", 20_000, async () => (await http(`http://127.0.0.1:${pCart}/healthz`)).status === 200);

    await s.ok(["rm", "-f", "gateway", "cart", "catalog", "catalog-2", "redis"]);
    await s.assertNoContainers();
  });
});
