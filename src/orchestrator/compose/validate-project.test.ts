import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formatComposeWarning } from "./compose-file-error.js";
import { loadText, rejects } from "./compose.test-support.js";

interface Bad {
  readonly name: string;
  readonly yaml: string;
  readonly path: string;
  readonly line: number;
  readonly match: RegExp;
  readonly profiles?: string[];
}

// Errors that one value alone cannot show; each names the path and line where the fix goes.
const BAD: readonly Bad[] = [
  { name: "a service with neither image nor build", yaml: "services:\n  web:\n    ports: [\"80\"]\n", path: "services.web", line: 2, match: /neither an image nor a build/ },
  { name: "depends_on an undefined service", yaml: "services:\n  web:\n    image: x\n    depends_on:\n      db:\n        condition: service_healthy\n", path: "services.web.depends_on.db", line: 5, match: /undefined service "db"/ },
  { name: "a depends_on cycle", yaml: "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n", path: "services.a.depends_on", line: 4, match: /cycle: a → b → a/ },
  { name: "a service depending on itself", yaml: "services:\n  a:\n    image: x\n    depends_on: [a]\n", path: "services.a.depends_on", line: 4, match: /cycle: a → a/ },
  { name: "an undefined network", yaml: "services:\n  web:\n    image: x\n    networks:\n      - front\n", path: "services.web.networks.front", line: 5, match: /undefined network "front"/ },
  { name: "an undefined named volume", yaml: "services:\n  web:\n    image: x\n    volumes:\n      - ./ok:/ok\n      - data:/data\n", path: "services.web.volumes[1]", line: 6, match: /undefined volume "data"/ },
  { name: "an undefined secret in long syntax", yaml: "services:\n  web:\n    image: x\n    secrets:\n      - source: key\n        target: /k\n", path: "services.web.secrets[0]", line: 5, match: /undefined secret "key"/ },
  { name: "negative replicas", yaml: "services:\n  web:\n    image: x\n    deploy:\n      replicas: -1\n", path: "services.web.deploy.replicas", line: 5, match: /0 or more/ },
  { name: "container_name with replicas > 1", yaml: "services:\n  web:\n    image: x\n    container_name: web1\n    scale: 3\n", path: "services.web.container_name", line: 4, match: /more than one replica/ },
  { name: "container_name with autoscale", yaml: "services:\n  web:\n    image: x\n    container_name: web1\n    x-berth:\n      autoscale: {max: 4, cpu: 50%}\n", path: "services.web.container_name", line: 4, match: /more than one replica/ },
  { name: "one container_name for two services", yaml: "services:\n  a:\n    image: x\n    container_name: same\n  b:\n    image: x\n    container_name: same\n", path: "services.b.container_name", line: 7, match: /already used by service "a"/ },
  { name: "scale and deploy.replicas that differ", yaml: "services:\n  web:\n    image: x\n    scale: 2\n    deploy: {replicas: 3}\n", path: "services.web.scale", line: 4, match: /differs from deploy.replicas/ },
  { name: "mem_limit that differs from deploy.resources", yaml: "services:\n  web:\n    image: x\n    mem_limit: 1g\n    deploy:\n      resources:\n        limits: {memory: 2g}\n", path: "services.web.deploy.resources.limits", line: 7, match: /memoryBytes/ },
  { name: "replicas outside the autoscale range", yaml: "services:\n  web:\n    image: x\n    deploy: {replicas: 9}\n    x-berth:\n      autoscale: {min: 1, max: 4, cpu: 70%}\n", path: "services.web.deploy.replicas", line: 4, match: /outside x-berth.autoscale's 1..4/ },
  { name: "autoscale min above max", yaml: "services:\n  web:\n    image: x\n    x-berth:\n      autoscale: {min: 5, max: 4, cpu: 70%}\n", path: "services.web.x-berth.autoscale.min", line: 5, match: /min 5 is above max 4/ },
  { name: "a probe on port 0", yaml: "services:\n  web:\n    image: x\n    x-berth:\n      probe: {tcp: 0}\n", path: "services.web.x-berth.probe.tcp", line: 5, match: /port from 1 to 65535/ },
  { name: "an http probe path without a slash", yaml: "services:\n  web:\n    image: x\n    x-berth:\n      probe: {http: healthz, port: 80}\n", path: "services.web.x-berth.probe.http", line: 5, match: /a path such as \/healthz/ },
  { name: "a probe with both http and tcp", yaml: "services:\n  web:\n    image: x\n    x-berth:\n      probe: {http: /, port: 80, tcp: 80}\n", path: "services.web.x-berth.probe", line: 5, match: /expected \{http: \/PATH, port: PORT\} or \{tcp: PORT\}/ },
  { name: "autoscale without a cpu target", yaml: "services:\n  web:\n    image: x\n    x-berth:\n      autoscale: {max: 4}\n", path: "services.web.x-berth.autoscale.cpu", line: 5, match: /percentage/ },
  { name: "network_mode with networks", yaml: "services:\n  web:\n    image: x\n    network_mode: none\n    networks: [default]\n", path: "services.web.networks", line: 5, match: /together with network_mode/ },
  { name: "network_mode of an undefined service", yaml: "services:\n  web:\n    image: x\n    network_mode: service:vpn\n", path: "services.web.network_mode", line: 4, match: /"vpn"/ },
  { name: "a secret with both file and external", yaml: "services:\n  web:\n    image: x\nsecrets:\n  key:\n    file: ./k\n    external: true\n", path: "secrets.key", line: 5, match: /exactly one of file/ },
  { name: "a config with no source", yaml: "services:\n  web:\n    image: x\nconfigs:\n  c:\n    labels: {a: b}\n", path: "configs.c", line: 5, match: /has 0/ },
  { name: "include", yaml: "include:\n  - other.yaml\nservices:\n  web:\n    image: x\n", path: "include", line: 1, match: /include is not supported/ },
  { name: "extends", yaml: "services:\n  base:\n    image: x\n  web:\n    extends: base\n", path: "services.web.extends", line: 5, match: /extends is not supported/ },
  { name: "a bind mount without a source", yaml: "services:\n  web:\n    image: x\n    volumes:\n      - type: bind\n        target: /x\n", path: "services.web.volumes[0]", line: 5, match: /needs a source/ },
  { name: "a relative container path", yaml: "services:\n  web:\n    image: x\n    volumes: [\"data:var/lib\"]\nvolumes: {data: {}}\n", path: "services.web.volumes[0]", line: 4, match: /must be absolute/ },
  { name: "a service that is not a mapping", yaml: "services:\n  web: nginx\n", path: "services.web", line: 2, match: /expected a mapping, got "nginx"/ },
  { name: "a bad service name", yaml: "services:\n  \"web app\":\n    image: x\n", path: "services[\"web app\"]", line: 2, match: /not a service name/ },
  { name: "a boolean restart (unquoted no)", yaml: "services:\n  web:\n    image: x\n    restart: false\n", path: "services.web.restart", line: 4, match: /quote/ },
  { name: "a healthcheck interval without unit", yaml: "services:\n  web:\n    image: x\n    healthcheck:\n      test: [CMD, \"true\"]\n      interval: 30\n", path: "services.web.healthcheck.interval", line: 6, match: /missing unit/ },
  { name: "memory that is not a byte value", yaml: "services:\n  web:\n    image: x\n    deploy:\n      resources:\n        limits: {memory: lots}\n", path: "services.web.deploy.resources.limits.memory", line: 6, match: /invalid byte value "lots"/ },
  { name: "cpus below zero", yaml: "services:\n  web:\n    image: x\n    deploy:\n      resources:\n        limits: {cpus: \"-1\"}\n", path: "services.web.deploy.resources.limits.cpus", line: 6, match: /0 or more/ },
  { name: "a command that cannot be split", yaml: "services:\n  web:\n    image: x\n    command: echo 'unclosed\n", path: "services.web.command", line: 4, match: /cannot split/ },
  { name: "a list environment entry without a name", yaml: "services:\n  web:\n    image: x\n    environment: [\"=v\"]\n", path: "services.web.environment", line: 4, match: /no name before/ },
  { name: "a required dependency disabled by profile", yaml: "services:\n  web:\n    image: x\n    depends_on: [dbg]\n  dbg:\n    image: x\n    profiles: [debug]\n", path: "services.web.depends_on.dbg", line: 4, match: /no active profile enables/ },
];

describe("validateProject and the schema, through loadComposeProject", () => {
  for (const c of BAD) {
    it(`refuses ${c.name}`, async () => {
      await rejects(loadText(c.yaml, c.profiles === undefined ? {} : { profiles: c.profiles }), { path: c.path, line: c.line, match: c.match });
    });
  }

  it("drops an optional dependency on a disabled service, with a warning", async () => {
    const r = await loadText("services:\n  web:\n    image: x\n    depends_on:\n      dbg:\n        condition: service_started\n        required: false\n  dbg:\n    image: x\n    profiles: [debug]\n");
    assert.deepEqual(r.project.services.web!.dependsOn, {});
    assert.match(r.warnings.map(formatComposeWarning).join("\n"), /:5: services\.web\.depends_on\.dbg: optional dependency "dbg"/);
  });

  it("warns about unknown and ignored fields, with their lines, and loads", async () => {
    const r = await loadText("version: \"3.8\"\nservices:\n  web:\n    image: x\n    ipc: host\n    colour: blue\n    x-mine: ok\n    deploy:\n      placement: {constraints: [a]}\n      replica: 2\n    healthcheck:\n      test: [CMD, x]\n      every: 5s\nmystery: 1\nx-top: fine\n");
    const text = r.warnings.map(formatComposeWarning);
    const want = [
      [1, "version: \"version\" is obsolete and ignored"],
      [5, "services.web.ipc: \"ipc\" is not supported by berth and is ignored"],
      [6, "services.web.colour: unknown field \"colour\" is ignored"],
      [9, "services.web.deploy.placement: \"placement\" is not supported by berth and is ignored"],
      [10, "services.web.deploy.replica: unknown field \"replica\" is ignored"],
      [13, "services.web.healthcheck.every: unknown field \"every\" is ignored"],
      [14, "mystery: unknown field \"mystery\" is ignored"],
    ];
    assert.equal(text.length, want.length, text.join("\n"));
    for (const [i, [line, msg]] of want.entries()) assert.ok(text[i]!.endsWith(`:${line}: ${msg}`), `${text[i]} ≠ ${line}: ${msg}`);
  });

  it("warns that a command string loses what follows &&, as docker compose drops it", async () => {
    const r = await loadText("services:\n  web:\n    image: x\n    command: npm run migrate && npm start\n");
    assert.deepEqual(r.project.services.web!.command, ["npm", "run", "migrate"]);
    assert.match(r.warnings.map(formatComposeWarning).join("\n"), /:4: services\.web\.command: "&& npm start" is dropped/);
  });
});

describe("normalised values", () => {
  it("fills compose's defaults", async () => {
    const web = (await loadText("services:\n  web:\n    image: x\n")).project.services.web!;
    assert.deepEqual([web.restart, web.readOnly, web.deploy.replicas, web.deploy.mode, web.networks, web.command, web.healthcheck], [{ policy: "no" }, false, 1, "replicated", { default: { aliases: [] } }, undefined, undefined]);
    assert.deepEqual(web.berth.rightSize, { enabled: true, windowMs: 86_400_000, cpuPercentile: 90, memoryPercentile: 90, marginPercent: 15 });
  });

  it("keeps an explicitly empty command apart from none", async () => {
    const s = (await loadText("services:\n  a: {image: x, command: []}\n  b: {image: x, command: \"\"}\n  c: {image: x, entrypoint: null}\n")).project.services;
    assert.deepEqual([s.a!.command, s.b!.command, s.c!.entrypoint], [[], [], undefined]);
  });

  it("reads x-berth", async () => {
    const web = (await loadText("services:\n  web:\n    image: x\n    x-berth:\n      autoscale: {min: 2, max: 10, cpu: \"70%\", cooldown: 2m}\n      right-size: {window: 1h, cpu_percentile: 95, margin: 20%}\n")).project.services.web!;
    assert.deepEqual(web.berth, { autoscale: { min: 2, max: 10, cpuPercent: 70, cooldownMs: 120_000 }, rightSize: { enabled: true, windowMs: 3_600_000, cpuPercentile: 95, memoryPercentile: 90, marginPercent: 20 } });
    assert.equal(web.deploy.replicas, 2, "starts at the autoscale minimum");
    const off = (await loadText("services:\n  web:\n    image: x\n    x-berth: {right-size: false}\n")).project.services.web!;
    assert.equal(off.berth.rightSize.enabled, false);
    const http = (await loadText("services:\n  web:\n    image: x\n    x-berth: {probe: {http: /healthz, port: \"3001\"}}\n")).project.services.web!;
    assert.deepEqual(http.berth.probe, { kind: "http", port: 3001, path: "/healthz" });
    const tcp = (await loadText("services:\n  web:\n    image: x\n    x-berth: {probe: {tcp: 6379}}\n")).project.services.web!;
    assert.deepEqual(tcp.berth.probe, { kind: "tcp", port: 6379 });
  });

  it("disables a health check with test: [NONE]", async () => {
    const web = (await loadText("services:\n  web:\n    image: x\n    healthcheck:\n      test: [\"NONE\"]\n      interval: 5s\n")).project.services.web!;
    assert.deepEqual(web.healthcheck, { disabled: true, intervalMs: 5000 });
  });

  it("reads restart policies", async () => {
    const s = (await loadText("services:\n  a: {image: x, restart: \"no\"}\n  b: {image: x, restart: always}\n  c: {image: x, restart: \"on-failure:5\"}\n  d: {image: x, restart: unless-stopped}\n")).project.services;
    assert.deepEqual([s.a!.restart, s.b!.restart, s.c!.restart, s.d!.restart], [{ policy: "no" }, { policy: "always" }, { policy: "on-failure", maxRetries: 5 }, { policy: "unless-stopped" }]);
  });

  it("reads service-level resources into deploy", async () => {
    const d = (await loadText("services:\n  web:\n    image: x\n    mem_limit: 1.5GB\n    cpus: 1.5\n    pids_limit: 100\n    mem_reservation: 256m\n")).project.services.web!.deploy.resources;
    assert.deepEqual(d, { limits: { cpus: 1.5, memoryBytes: 1610612736, pids: 100 }, reservations: { memoryBytes: 256 * 2 ** 20 } });
  });

  it("gives no network to network_mode services and adds none by default", async () => {
    const p = (await loadText("services:\n  web:\n    image: x\n    network_mode: host\n")).project;
    assert.deepEqual([p.services.web!.networks, p.networks], [{}, {}]);
  });

  it("reads depends_on conditions", async () => {
    const web = (await loadText("services:\n  web:\n    image: x\n    depends_on:\n      db: {condition: service_healthy, restart: true}\n      job: {condition: service_completed_successfully}\n  db: {image: x}\n  job: {image: x}\n")).project.services.web!;
    assert.deepEqual(web.dependsOn, { db: { condition: "service_healthy", required: true, restart: true }, job: { condition: "service_completed_successfully", required: true, restart: false } });
  });

  it("reads tmpfs mounts, labels, ulimits and sysctls", async () => {
    const web = (await loadText("services:\n  web:\n    image: x\n    tmpfs: /run\n    volumes:\n      - type: tmpfs\n        target: /cache\n        tmpfs: {size: 64m, mode: \"1777\"}\n    labels: [a=1, b]\n    ulimits: {nproc: 65535, nofile: {soft: 20000, hard: 40000}}\n    sysctls: [net.core.somaxconn=1024]\n")).project.services.web!;
    assert.deepEqual(web.tmpfs, ["/run"]);
    assert.deepEqual(web.volumes[0], { type: "tmpfs", target: "/cache", readOnly: false, tmpfs: { sizeBytes: 64 * 2 ** 20, mode: 0o1777 } });
    assert.deepEqual([web.labels, web.ulimits, web.sysctls], [{ a: "1", b: "" }, { nproc: { soft: 65535, hard: 65535 }, nofile: { soft: 20000, hard: 40000 } }, { "net.core.somaxconn": "1024" }]);
  });
});
