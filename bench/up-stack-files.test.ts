import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { benchStackFiles, writeBenchStackFiles } from "./up-stack-files.js";

// dist/bench/up-stack-files.test.js → <repo>/examples/shop/compose.yaml
const SHOP_COMPOSE = fileURLToPath(new URL("../../examples/shop/compose.yaml", import.meta.url));

type Doc = { version?: string; services: Record<string, Record<string, unknown> & { deploy?: Record<string, unknown> }> };

test("benchStackFiles: the shop's compose file → 10 replicas, one port moved, no build or x-berth", async () => {
  const dir = await mkdtemp(join(tmpdir(), "up-files-"));
  try {
    const w = await writeBenchStackFiles(SHOP_COMPOSE, dir, { publish: 41234 });
    assert.deepEqual(w.expected, { gateway: 1, catalog: 4, cart: 4, redis: 1 });
    assert.equal(Object.values(w.expected).reduce((a, b) => a + b), 10);
    const compose = parse(await readFile(w.composeFile, "utf8")) as Doc;
    assert.deepEqual(compose.services.gateway!.ports, ["127.0.0.1:41234:8080"]);
    for (const [name, s] of Object.entries(compose.services)) {
      assert.equal(s.build, undefined, name);
      assert.equal(s["x-berth"], undefined, name);
      assert.ok(s.healthcheck !== undefined, `${name} keeps its health check`);
      assert.ok(s.image !== undefined && s.restart === "unless-stopped", name);
    }
    assert.deepEqual(compose.services.cart!.depends_on, { redis: { condition: "service_healthy" } });
    const swarm = parse(await readFile(w.swarmFile, "utf8")) as Doc;
    assert.equal(swarm.version, "3.8");
    for (const [name, s] of Object.entries(swarm.services)) {
      for (const gone of ["build", "restart", "depends_on", "ports", "expose", "pull_policy", "x-berth"]) assert.equal(s[gone], undefined, `${name}.${gone}`);
      assert.equal(s.deploy!.endpoint_mode, "dnsrr", name);
      assert.equal(s.deploy!.restart_policy, undefined, `${name}: swarm's default restart policy`);
      assert.deepEqual(s.healthcheck, compose.services[name]!.healthcheck, `${name}: the same health check`);
      assert.deepEqual(s.deploy!.resources, compose.services[name]!.deploy!.resources, `${name}: the same limits`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const stack = (services: Record<string, unknown>): unknown => ({ services });

const cases: { name: string; source: unknown; delay?: string; want?: (c: Doc, s: Doc, e: Record<string, number>) => void; expectErr?: RegExp }[] = [
  {
    name: "a restart delay reaches every swarm service, over its own",
    source: stack({ a: { image: "a", deploy: { restart_policy: { condition: "any", delay: "9s" } } }, b: { image: "b" } }),
    delay: "0s",
    want: (_c, s) => {
      assert.deepEqual(s.services.a!.deploy!.restart_policy, { condition: "any", delay: "0s" });
      assert.deepEqual(s.services.b!.deploy!.restart_policy, { delay: "0s" });
    },
  },
  {
    name: "long-syntax port, networks kept",
    source: { services: { web: { image: "w", ports: [{ target: 80, published: 8080 }] } }, networks: { default: { name: "x" } } },
    want: (c, s, e) => {
      assert.deepEqual(c.services.web!.ports, ["127.0.0.1:41234:80"]);
      assert.deepEqual((c as unknown as { networks: unknown }).networks, { default: { name: "x" } });
      assert.deepEqual((s as unknown as { networks: unknown }).networks, { default: { name: "x" } });
      assert.deepEqual(e, { web: 1 });
    },
  },
  { name: "not a mapping", source: ["services"], expectErr: /the document is not a mapping/ },
  { name: "no services", source: { volumes: {} }, expectErr: /services is not a mapping/ },
  { name: "empty services", source: stack({}), expectErr: /services is empty/ },
  { name: "a service that is a string", source: stack({ a: "image: x" }), expectErr: /services\.a is not a mapping/ },
  { name: "replicas as a string", source: stack({ a: { deploy: { replicas: "4" } } }), expectErr: /services\.a\.deploy\.replicas must be a whole number in 1\.\.50, got "4"/ },
  { name: "zero replicas", source: stack({ a: { deploy: { replicas: 0 } } }), expectErr: /replicas must be a whole number/ },
  { name: "a fleet too big to clean up", source: stack({ a: { deploy: { replicas: 100000 } } }), expectErr: /replicas must be a whole number in 1\.\.50/ },
  { name: "two published ports", source: stack({ a: { ports: ["80:80"] }, b: { ports: ["81:81"] } }), expectErr: /services\.b\.ports: the bench moves one published port/ },
  { name: "ports not a list", source: stack({ a: { ports: "80:80" } }), expectErr: /services\.a\.ports is not a list/ },
  { name: "a port with no target", source: stack({ a: { ports: ["127.0.0.1:80:"] } }), expectErr: /services\.a\.ports: no target port/ },
  { name: "a port that is not a number", source: stack({ a: { ports: ["80:$(reboot)"] } }), expectErr: /no target port/ },
];

for (const c of cases) {
  test(`benchStackFiles: ${c.name}`, () => {
    const opts = { publish: 41234, ...(c.delay !== undefined && { swarmRestartDelay: c.delay }) };
    if (c.expectErr) {
      assert.throws(() => benchStackFiles(c.source, opts), c.expectErr);
      return;
    }
    const got = benchStackFiles(c.source, opts);
    c.want?.(parse(got.compose) as Doc, parse(got.swarm) as Doc, { ...got.expected });
  });
}

test("writeBenchStackFiles: a YAML alias bomb is refused, not expanded", async () => {
  const dir = await mkdtemp(join(tmpdir(), "up-files-"));
  try {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
    const bomb = join(dir, "bomb.yaml");
    await writeFile(bomb, `${levels.join("\n")}\nservices: { s: { image: x, labels: *i } }\n`);
    await assert.rejects(writeBenchStackFiles(bomb, dir, { publish: 1 }), /alias/i);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
