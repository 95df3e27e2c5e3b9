import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { rejects } from "./compose.test-support.js";
import { loadComposeProject, type LoadComposeOptions } from "./load-compose-project.js";

const SPEC = fileURLToPath(new URL("../../../../test/fixtures/compose/spec/", import.meta.url));
const SPEC_ENV = { VAR_INTERPOLATED_BY_COMPOSE: "interpolated", CONFIG_KEY: "from-env" };

describe("compose-spec examples", async () => {
  for (const name of (await readdir(join(SPEC, "valid"))).sort()) {
    it(`loads valid/${name}`, async () => {
      const r = await loadComposeProject({ files: [join(SPEC, "valid", name)], env: SPEC_ENV, profiles: ["*"] });
      assert.ok(Object.keys(r.project.services).length > 0);
      assert.deepEqual(r.warnings.filter((w) => /unknown field/.test(w.message)), []);
    });
  }
  for (const name of (await readdir(join(SPEC, "invalid"))).sort()) {
    it(`rejects invalid/${name} with its path and line`, async () => {
      const file = join(SPEC, "invalid", name);
      const lines = (await readFile(file, "utf8")).split("\n");
      const expect = /^# expect: (\S+) line (\d+)$/.exec(lines[1]!);
      assert.ok(expect, "second line names the expected error");
      const profiles = lines[2]!.startsWith("# profiles:") ? lines[2]!.slice("# profiles:".length).trim().split(",") : [];
      await rejects(loadComposeProject({ files: [file], env: {}, profiles }), { file, path: expect[1]!, line: Number(expect[2]) });
    });
  }
});

describe("what the spec examples mean", () => {
  const spec = (name: string, opts: LoadComposeOptions = {}) => loadComposeProject({ files: [join(SPEC, "valid", name)], env: SPEC_ENV, ...opts });

  for (const [profiles, want] of [[[], ["foo"]], [["test"], ["bar", "baz", "foo"]], [["debug", "test"], ["bar", "baz", "foo", "zot"]], [["*"], ["bar", "baz", "foo", "zot"]]] as const) {
    it(`profiles ${JSON.stringify(profiles)} enable ${want.join(", ")} (15-profiles.md)`, async () => {
      const { project } = await spec("profiles.yaml", { profiles });
      assert.deepEqual(Object.keys(project.services).sort(), want);
      assert.deepEqual(project.disabledServices.length, 4 - want.length);
    });
  }

  it("enables a service named on the command line (up zot) and what it depends on, whatever their profiles", async () => {
    const { project } = await spec("profiles.yaml", { enable: ["zot"] });
    assert.deepEqual(Object.keys(project.services).sort(), ["bar", "foo", "zot"]);
    assert.deepEqual(project.disabledServices, ["baz"]);
  });

  it("takes profiles from COMPOSE_PROFILES", async () => {
    const { project } = await loadComposeProject({ files: [join(SPEC, "valid", "profiles.yaml")], env: { COMPOSE_PROFILES: "test, debug" } });
    assert.deepEqual(project.profiles, ["test", "debug"]);
    assert.equal(Object.keys(project.services).length, 4);
  });

  it("reads config grants: octal mode, uid, target", async () => {
    const { project } = await spec("configs-long.yaml");
    assert.deepEqual(project.services.redis!.configs, [{ source: "my_config", target: "/redis_config", uid: "103", gid: "103", mode: 0o440 }]);
    const short = (await spec("configs-short.yaml")).project;
    assert.deepEqual(short.services.redis!.configs.map((c) => c.target), ["/my_config", "/my_other_config"]);
    assert.equal(short.configs.my_config!.file, join(SPEC, "valid", "my_config.txt"));
    assert.deepEqual(short.configs.my_other_config, { name: "my_other_config", external: true, labels: {} });
  });

  it("mounts secrets under /run/secrets", async () => {
    assert.equal((await spec("secrets-long.yaml")).project.services.frontend!.secrets[0]!.target, "/run/secrets/server.cert");
    assert.equal((await spec("secrets-short.yaml")).project.services.frontend!.secrets[0]!.target, "/run/secrets/server-certificate");
  });

  it("reads network aliases and addresses", async () => {
    const { project } = await spec("networks-aliases.yaml");
    assert.deepEqual(project.services.backend!.networks, { "back-tier": { aliases: ["database"] }, admin: { aliases: ["mysql"] } });
    assert.deepEqual(project.services.frontend!.networks, { "front-tier": { aliases: [] }, "back-tier": { aliases: [] } });
    assert.equal(project.networks.admin!.name, "valid_admin");
    const ip = (await spec("networks-ipv4-address.yaml")).project;
    assert.equal(ip.services.frontend!.networks["front-tier"]!.ipv6Address, "2001:3984:3989::10");
    assert.deepEqual(ip.networks["front-tier"]!.ipam, { driver: "default", config: [{ subnet: "172.16.238.0/24" }, { subnet: "2001:3984:3989::/64" }] });
  });

  it("reads anchors, << merges and x- extensions (11-extension.md)", async () => {
    const { project } = await spec("extension-fragments.yaml");
    assert.deepEqual(project.services.first!.environment, { CONFIG_KEY: "from-env" });
    assert.deepEqual(project.services.frontend!.environment, { FOO: "BAR", ZOT: "QUIX", KEY: "VALUE", YET_ANOTHER: "VARIABLE" });
    assert.deepEqual(project.services.webapp!.extensions, { "x-foo": "bar" });
    assert.deepEqual(Object.keys(project.extensions).sort(), ["x-custom", "x-env", "x-environment", "x-keys"]);
  });

  it("interpolates values, not keys, and keeps $$ as $ (12-interpolation.md)", async () => {
    const { project } = await spec("interpolation.yaml");
    assert.deepEqual(project.services.web!.command, ["$VAR_NOT_INTERPOLATED_BY_COMPOSE"]);
    assert.deepEqual(project.services.foo!.labels, { $VAR_NOT_INTERPOLATED_BY_COMPOSE: "BAR" });
    assert.deepEqual(project.services.bar!.labels, { interpolated: "BAR" });
  });

  it("reads deploy (deploy.md)", async () => {
    const d = (await spec("deploy.yaml")).project.services.frontend!.deploy;
    assert.equal(d.replicas, 6);
    assert.equal(d.endpointMode, "vip");
    assert.deepEqual(d.resources, { limits: { cpus: 0.5, memoryBytes: 50 * 2 ** 20 }, reservations: { cpus: 0.25, memoryBytes: 20 * 2 ** 20 } });
    assert.deepEqual(d.restartPolicy, { condition: "on-failure", delayMs: 5000, maxAttempts: 3, windowMs: 120_000 });
    assert.deepEqual(d.updateConfig, { parallelism: 2, delayMs: 10_000, failureAction: "rollback", monitorMs: 5000, maxFailureRatio: 0, order: "stop-first" });
    assert.deepEqual(d.rollbackConfig, { parallelism: 1, delayMs: 0, failureAction: "pause", monitorMs: 5000, maxFailureRatio: 0, order: "stop-first" });
  });

  it("expands port ranges as docker compose does", async () => {
    const { project } = await spec("ports.yaml");
    assert.equal(project.services.short!.ports.length, 1 + 6 + 1 + 2 + 1 + 1 + 1 + 11 + 1);
    assert.deepEqual(project.services.long!.ports[1], { target: 443, published: { start: 8083, end: 9000 }, hostIp: "127.0.0.1", protocol: "tcp", mode: "host", name: "web-secured", appProtocol: "https" });
  });

  it("reads health checks in their three forms", async () => {
    const s = (await spec("healthcheck.yaml")).project.services;
    assert.deepEqual(s.web!.healthcheck, { test: ["CMD", "curl", "-f", "http://localhost"], disabled: false, intervalMs: 90_000, timeoutMs: 10_000, retries: 3, startPeriodMs: 40_000, startIntervalMs: 5000 });
    assert.deepEqual(s.shell!.healthcheck!.test, ["CMD-SHELL", "curl -f https://localhost || exit 1"]);
    assert.deepEqual(s.off!.healthcheck, { disabled: true });
  });

  it("reads environment and labels in both syntaxes alike", async () => {
    const s = (await spec("environment.yaml", { env: { USER_INPUT: "typed" } })).project.services;
    assert.deepEqual(s.map!.environment, s.list!.environment);
    assert.deepEqual(s.list!.environment, { RACK_ENV: "development", SHOW: "true", USER_INPUT: "typed" });
    assert.deepEqual(s.map!.labels, s.list!.labels);
    assert.deepEqual(s.list!.restart, { policy: "unless-stopped" });
  });
});
