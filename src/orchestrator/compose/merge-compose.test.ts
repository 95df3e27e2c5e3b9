import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MergeConflict, mergeLayers } from "./merge-compose.js";
import type { YamlPath } from "./yaml-path.js";

type Tree = Record<string, unknown>;
const svc = (fields: Tree): Tree => ({ services: { foo: fields } });

interface Case {
  readonly name: string;
  readonly base: Tree;
  readonly over: Tree;
  readonly want?: Tree;
  readonly resets?: YamlPath[];
  readonly overrides?: YamlPath[];
  readonly expectErr?: RegExp;
}

// compose-spec 13-merge.md, plus docker compose's (compose-go) rules where the spec is silent.
const CASES: readonly Case[] = [
  { name: "mappings merge key by key (merge.md)", base: svc({ key1: "value1", key2: "value2" }), over: svc({ key2: "VALUE", key3: "value3" }), want: svc({ key1: "value1", key2: "VALUE", key3: "value3" }) },
  { name: "sequences append (merge.md DNS)", base: svc({ DNS: ["1.1.1.1"] }), over: svc({ DNS: ["8.8.8.8"] }), want: svc({ DNS: ["1.1.1.1", "8.8.8.8"] }) },
  { name: "command is replaced (merge.md)", base: svc({ command: ["echo", "foo"] }), over: svc({ command: ["echo", "bar"] }), want: svc({ command: ["echo", "bar"] }) },
  { name: "entrypoint is replaced, string over list", base: svc({ entrypoint: ["a", "b"] }), over: svc({ entrypoint: "c d" }), want: svc({ entrypoint: "c d" }) },
  { name: "healthcheck.test is replaced, the rest merges", base: svc({ healthcheck: { test: ["CMD", "a"], interval: "5s" } }), over: svc({ healthcheck: { test: ["CMD", "b"], retries: 3 } }), want: svc({ healthcheck: { test: ["CMD", "b"], interval: "5s", retries: 3 } }) },
  { name: "volumes merge by target (merge.md)", base: svc({ volumes: ["foo:/work"] }), over: svc({ volumes: ["bar:/work"] }), want: svc({ volumes: ["bar:/work"] }) },
  { name: "volumes with other targets append", base: svc({ volumes: ["a:/a"] }), over: svc({ volumes: ["b:/b"] }), want: svc({ volumes: ["a:/a", "b:/b"] }) },
  { name: "a long volume replaces a short one with its target, in place", base: svc({ volumes: ["a:/a", "old:/work", "c:/c"] }), over: svc({ volumes: [{ type: "bind", source: "./w", target: "/work" }] }), want: svc({ volumes: ["a:/a", { type: "bind", source: "./w", target: "/work" }, "c:/c"] }) },
  { name: "the same port twice is kept once", base: svc({ ports: ["8080:80"] }), over: svc({ ports: ["8080:80"] }), want: svc({ ports: ["8080:80"] }) },
  { name: "a long port equal to a short one replaces it", base: svc({ ports: ["127.0.0.1:8080:80"] }), over: svc({ ports: [{ target: 80, published: 8080, host_ip: "127.0.0.1", name: "web" }] }), want: svc({ ports: [{ target: 80, published: 8080, host_ip: "127.0.0.1", name: "web" }] }) },
  { name: "ports differing in protocol both stay", base: svc({ ports: ["53:53"] }), over: svc({ ports: ["53:53/udp"] }), want: svc({ ports: ["53:53", "53:53/udp"] }) },
  { name: "secrets merge by target", base: svc({ secrets: ["s"] }), over: svc({ secrets: [{ source: "s", target: "/run/secrets/s", mode: 0o400 }] }), want: svc({ secrets: [{ source: "s", target: "/run/secrets/s", mode: 0o400 }] }) },
  { name: "configs merge by target", base: svc({ configs: [{ source: "a", target: "/etc/app.conf" }] }), over: svc({ configs: [{ source: "b", target: "/etc/app.conf" }] }), want: svc({ configs: [{ source: "b", target: "/etc/app.conf" }] }) },
  { name: "environment merges by name across syntaxes", base: svc({ environment: { A: "1", B: "2" } }), over: svc({ environment: ["B=3", "C"] }), want: svc({ environment: ["A=1", "B=3", "C"] }) },
  { name: "environment: a number value becomes text", base: svc({ environment: { PORT: 80 } }), over: svc({ environment: { DEBUG: null } }), want: svc({ environment: ["PORT=80", "DEBUG"] }) },
  { name: "labels merge by name", base: svc({ labels: { "com.x": "1" } }), over: svc({ labels: { "com.x": "2", "com.y": "3" } }), want: svc({ labels: ["com.x=2", "com.y=3"] }) },
  { name: "build args merge by name", base: svc({ build: { context: ".", args: ["A=1"] } }), over: svc({ build: { args: { A: "2" } } }), want: svc({ build: { context: ".", args: ["A=2"] } }) },
  { name: "depends_on: a list and a mapping merge", base: svc({ depends_on: ["db"] }), over: svc({ depends_on: { db: { condition: "service_healthy" } } }), want: svc({ depends_on: { db: { condition: "service_healthy", required: true } } }) },
  { name: "depends_on: a short entry resets the condition (as docker compose)", base: svc({ depends_on: { db: { condition: "service_healthy" } } }), over: svc({ depends_on: ["db", "cache"] }), want: svc({ depends_on: { db: { condition: "service_started", required: true }, cache: { condition: "service_started", required: true } } }) },
  { name: "networks: a list and a mapping merge", base: svc({ networks: ["front"] }), over: svc({ networks: { front: { aliases: ["web"] }, back: null } }), want: svc({ networks: { front: { aliases: ["web"] }, back: null } }) },
  { name: "network aliases are kept once", base: svc({ networks: { n: { aliases: ["a"] } } }), over: svc({ networks: { n: { aliases: ["a", "b"] } } }), want: svc({ networks: { n: { aliases: ["a", "b"] } } }) },
  { name: "build: a context string merges with a mapping", base: svc({ build: "./app" }), over: svc({ build: { dockerfile: "Dockerfile.dev" } }), want: svc({ build: { context: "./app", dockerfile: "Dockerfile.dev" } }) },
  { name: "logging: another driver replaces", base: svc({ logging: { driver: "syslog", options: { a: "1" } } }), over: svc({ logging: { driver: "json-file" } }), want: svc({ logging: { driver: "json-file" } }) },
  { name: "logging: the same driver merges options", base: svc({ logging: { driver: "syslog", options: { a: "1" } } }), over: svc({ logging: { driver: "syslog", options: { b: "2" } } }), want: svc({ logging: { driver: "syslog", options: { a: "1", b: "2" } } }) },
  { name: "ulimits: a number replaces soft/hard", base: svc({ ulimits: { nofile: { soft: 1, hard: 2 } } }), over: svc({ ulimits: { nofile: 100 } }), want: svc({ ulimits: { nofile: 100 } }) },
  { name: "x- fields are replaced whole", base: { "x-common": { a: 1, b: 2 } }, over: { "x-common": { c: 3 } }, want: { "x-common": { c: 3 } } },
  { name: "a service's x- field is replaced whole", base: svc({ "x-berth": { autoscale: { min: 1, max: 3, cpu: "50%" } } }), over: svc({ "x-berth": { "right-size": false } }), want: svc({ "x-berth": { "right-size": false } }) },
  { name: "cap_add, profiles and expose keep each value once", base: svc({ cap_add: ["NET_ADMIN"], profiles: ["a"], expose: ["80"] }), over: svc({ cap_add: ["NET_ADMIN", "SYS_TIME"], profiles: ["a", "b"], expose: [80, "81"] }), want: svc({ cap_add: ["NET_ADMIN", "SYS_TIME"], profiles: ["a", "b"], expose: [80, "81"] }) },
  { name: "env_file: a string and a list append, by path", base: svc({ env_file: "a.env" }), over: svc({ env_file: ["a.env", { path: "b.env", required: false }] }), want: svc({ env_file: ["a.env", { path: "b.env", required: false }] }) },
  { name: "tmpfs: a string and a list append", base: svc({ tmpfs: "/run" }), over: svc({ tmpfs: ["/tmp"] }), want: svc({ tmpfs: ["/run", "/tmp"] }) },
  { name: "scalars are replaced", base: svc({ image: "a:1", read_only: true }), over: svc({ image: "a:2" }), want: svc({ image: "a:2", read_only: true }) },
  { name: "a new service is added", base: svc({ image: "a" }), over: { services: { bar: { image: "b" } } }, want: { services: { foo: { image: "a" }, bar: { image: "b" } } } },
  { name: "null in the later file keeps the earlier value", base: svc({ environment: { A: "1" } }), over: svc({ environment: null }), want: svc({ environment: { A: "1" } }) },
  { name: "top-level network labels merge by name", base: { networks: { n: { labels: { a: "1" } } } }, over: { networks: { n: { labels: ["a=2"], driver: "bridge" } } }, want: { networks: { n: { labels: ["a=2"], driver: "bridge" } } } },
  { name: "!override replaces a sequence (merge.md)", base: svc({ image: "myapp", ports: ["8080:80"] }), over: svc({ ports: ["8443:443"] }), overrides: [["services", "foo", "ports"]], want: svc({ image: "myapp", ports: ["8443:443"] }) },
  { name: "!override replaces a mapping", base: svc({ environment: { A: "1" } }), over: svc({ environment: { B: "2" } }), overrides: [["services", "foo", "environment"]], want: svc({ environment: { B: "2" } }) },
  { name: "!reset removes (merge.md)", base: svc({ image: "myapp", ports: ["8080:80"], environment: { FOO: "BAR" } }), over: svc({ image: "myapp", environment: {} }), resets: [["services", "foo", "ports"], ["services", "foo", "environment", "FOO"]], want: svc({ image: "myapp", environment: [] }) },
  { name: "!reset removes a name from the list form", base: svc({ environment: ["FOO=1", "BAR=2"], depends_on: ["db", "cache"] }), over: svc({}), resets: [["services", "foo", "environment", "FOO"], ["services", "foo", "depends_on", "db"]], want: svc({ environment: ["BAR=2"], depends_on: ["cache"] }) },
  { name: "a scalar is replaced by a mapping (as compose-go)", base: { volumes: { d: { external: true } } }, over: { volumes: { d: { external: { name: "x" } } } }, want: { volumes: { d: { external: { name: "x" } } } } },
  { name: "a mapping and a string conflict", base: svc({ deploy: { replicas: 2 } }), over: svc({ deploy: "two" }), expectErr: /cannot merge a string into a mapping/ },
  { name: "a list and a mapping conflict where no rule applies", base: svc({ cap_add: ["A"] }), over: svc({ cap_add: { A: true } }), expectErr: /cannot merge a mapping into a list/ },
];

describe("mergeLayers", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const layer = { value: c.over, resets: c.resets ?? [], overrides: c.overrides ?? [] };
      if (c.expectErr !== undefined) {
        assert.throws(() => mergeLayers(c.base, layer), (e: Error) => e instanceof MergeConflict && c.expectErr!.test(e.message));
        return;
      }
      assert.deepEqual(mergeLayers(c.base, layer), c.want);
    });
  }

  it("does not change its inputs", () => {
    const base = svc({ ports: ["80"] });
    const over = svc({ ports: ["81"] });
    mergeLayers(base, { value: over, resets: [], overrides: [] });
    assert.deepEqual(base, svc({ ports: ["80"] }));
    assert.deepEqual(over, svc({ ports: ["81"] }));
  });

  it("names the path of a conflict", () => {
    assert.throws(() => mergeLayers(svc({ build: { context: "." }, healthcheck: { interval: "1s" } }), { value: svc({ healthcheck: ["x"] }), resets: [], overrides: [] }),
      (e: Error) => e instanceof MergeConflict && e.path.join(".") === "services.foo.healthcheck");
  });
});
