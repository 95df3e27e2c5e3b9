import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { inProject, load, loadText } from "../compose/compose.test-support.js";
import { ExternalResourceNotFoundError, PublishedPortConflictError, UnsupportedStackFeatureError } from "./errors.js";
import { planStack, type PlanStackOptions } from "./plan-stack.js";
import type { StackPlan } from "./stack-plan.js";

/** `opts.env` is the environment the files are loaded with (the caller's), as the daemon gets it. */
const plan = async (yaml: string, opts: PlanStackOptions = {}): Promise<StackPlan> =>
  planStack((await loadText(`name: shop\n${yaml}`, opts.env !== undefined ? { env: opts.env } : {})).project, { stackDir: "/r/stacks/shop", env: {}, ...opts });

const replica = (p: StackPlan, service: string, n = 1) => {
  const s = p.services.find((x) => x.name === service);
  assert.ok(s, `no service ${service}`);
  const r = s.replicaSpecs[n - 1];
  assert.ok(r, `no replica ${n} of ${service}`);
  return r;
};

interface Case {
  readonly name: string;
  readonly yaml: string;
  readonly opts?: PlanStackOptions;
  readonly check?: (p: StackPlan) => void;
  readonly expectErr?: (e: unknown) => boolean;
}

async function runCases(cases: readonly Case[]): Promise<void> {
  for (const c of cases) {
    await it(c.name, async () => {
      if (c.expectErr !== undefined) {
        await assert.rejects(plan(c.yaml, c.opts), (e: unknown) => c.expectErr!(e) && isBerthError(e) && e.hint !== undefined && e.hint !== "");
        return;
      }
      c.check!(await plan(c.yaml, c.opts));
    });
  }
}

describe("planStack: names, labels, order", async () => {
  await runCases([
    {
      name: "replicas are <project>-<service>-<n> with compose's labels over the service's own",
      yaml: "services:\n  web:\n    image: busybox\n    deploy: {replicas: 2}\n    labels: {team: shop, com.docker.compose.service: forged}\n",
      check: (p) => {
        assert.deepEqual(p.services[0]!.replicaSpecs.map((r) => r.name), ["shop-web-1", "shop-web-2"]);
        const labels = replica(p, "web", 2).options.labels!;
        assert.equal(labels["com.docker.compose.project"], "shop");
        assert.equal(labels["com.docker.compose.service"], "web");
        assert.equal(labels["com.docker.compose.container-number"], "2");
        assert.match(labels["com.docker.compose.config-hash"] ?? "", /^[0-9a-f]{64}$/);
        assert.equal(labels.team, "shop");
      },
    },
    {
      name: "container_name names the one replica",
      yaml: "services:\n  db:\n    image: busybox\n    container_name: the-db\n",
      check: (p) => assert.equal(replica(p, "db").name, "the-db"),
    },
    {
      name: "container_name with two replicas is refused",
      yaml: "services:\n  db:\n    image: busybox\n    container_name: the-db\n",
      opts: { scale: { db: 2 } },
      expectErr: (e) => isBerthError(e, "INVALID_ARGUMENT") && /container_name/.test((e as Error).message),
    },
    {
      name: "services come dependencies first",
      yaml: "services:\n  a:\n    image: busybox\n    depends_on: [b]\n  b:\n    image: busybox\n    depends_on: [c]\n  c:\n    image: busybox\n",
      check: (p) => assert.deepEqual(p.services.map((s) => s.name), ["c", "b", "a"]),
    },
    {
      name: "--scale overrides deploy.replicas, 0 included",
      yaml: "services:\n  web:\n    image: busybox\n    deploy: {replicas: 3}\n  db:\n    image: busybox\n",
      opts: { scale: { web: 0, db: 4 } },
      check: (p) => assert.deepEqual(p.services.map((s) => [s.name, s.replicas, s.replicaSpecs.length]), [["db", 4, 4], ["web", 0, 0]]),
    },
    {
      name: "--scale naming no service is refused",
      yaml: "services:\n  web:\n    image: busybox\n",
      opts: { scale: { nosuch: 1 } },
      expectErr: (e) => isBerthError(e, "INVALID_ARGUMENT") && /no service nosuch/.test((e as Error).message),
    },
    {
      name: "--scale of a negative or huge count is refused",
      yaml: "services:\n  web:\n    image: busybox\n",
      opts: { scale: { web: 1_000_001 } },
      expectErr: (e) => isBerthError(e, "INVALID_ARGUMENT"),
    },
    {
      name: "a service that is built runs the image <project>-<service>; image: wins when both are given",
      yaml: "services:\n  api:\n    build: .\n  gw:\n    build: .\n    image: shop/gateway:1\n",
      check: (p) => assert.deepEqual(p.services.map((s) => [s.name, s.image, s.build !== undefined]), [["api", "shop-api", true], ["gw", "shop/gateway:1", true]]),
    },
  ]);
});

describe("planStack: config hash", () => {
  const hashOf = async (yaml: string, opts: PlanStackOptions = {}): Promise<string> => (await plan(yaml, opts)).services[0]!.configHash;
  const base = "services:\n  web:\n    image: busybox\n    environment: {A: '1', B: '2'}\n";
  it("is the same for the same file, key order aside, and whatever the replica count or depends_on", async () => {
    const h = await hashOf(base);
    assert.equal(await hashOf(base), h);
    assert.equal(await hashOf("services:\n  web:\n    environment: {B: '2', A: '1'}\n    image: busybox\n"), h);
    assert.equal(await hashOf(base, { scale: { web: 5 } }), h);
    assert.equal(await hashOf(`${base}    deploy: {replicas: 4, update_config: {parallelism: 2}}\n`), h);
  });
  it("changes with anything a replica is made of", async () => {
    const h = await hashOf(base);
    for (const changed of [
      "services:\n  web:\n    image: busybox\n    environment: {A: '1', B: '3'}\n",
      "services:\n  web:\n    image: busybox:2\n    environment: {A: '1', B: '2'}\n",
      `${base}    command: [sleep, '1']\n`,
      `${base}    labels: {x: y}\n`,
      `${base}    ports: ['80']\n`,
      `${base}    healthcheck: {test: [CMD, 'true']}\n`,
    ]) assert.notEqual(await hashOf(changed), h, changed);
  });
});

describe("planStack: networks and aliases", async () => {
  await runCases([
    {
      name: "the project's default network, with its subnet; the service name and its aliases are DNS names on it",
      yaml: "services:\n  web:\n    image: busybox\n    networks:\n      default: {aliases: [www]}\nnetworks:\n  default:\n    ipam: {config: [{subnet: 10.201.3.0/24}]}\n",
      check: (p) => {
        assert.deepEqual(p.networks.map((n) => [n.key, n.name, n.subnet, n.external]), [["default", "shop_default", "10.201.3.0/24", false]]);
        assert.deepEqual(p.networks[0]!.labels, { "com.docker.compose.project": "shop", "com.docker.compose.network": "default" });
        assert.equal(replica(p, "web").options.network, "shop_default");
        assert.deepEqual(replica(p, "web").options.networkAliases, ["web", "www"]);
      },
    },
    {
      name: "a declared network and an external one; networks no service uses are left out",
      yaml: "services:\n  a:\n    image: busybox\n    networks: [back]\n  b:\n    image: busybox\n    networks: [outside]\nnetworks:\n  back: {name: custom-back}\n  outside: {external: true}\n  unused: {}\n",
      check: (p) => {
        assert.deepEqual(p.networks.map((n) => [n.key, n.name, n.external]).sort(), [["back", "custom-back", false], ["outside", "outside", true]]);
        assert.equal(replica(p, "a").options.network, "custom-back");
        assert.deepEqual(p.networks.find((n) => n.external)!.labels, {});
      },
    },
    {
      name: "network_mode: host",
      yaml: "services:\n  a:\n    image: busybox\n    network_mode: host\n",
      check: (p) => {
        assert.equal(replica(p, "a").options.network, "host");
        assert.deepEqual(p.networks, []);
      },
    },
    {
      name: "two networks for one service are refused (the runtime attaches one)",
      yaml: "services:\n  a:\n    image: busybox\n    networks: [x, y]\nnetworks: {x: {}, y: {}}\n",
      expectErr: (e) => e instanceof UnsupportedStackFeatureError && /2 networks/.test(e.message),
    },
    {
      name: "network_mode: service:… is refused",
      yaml: "services:\n  a:\n    image: busybox\n  b:\n    image: busybox\n    network_mode: service:a\n",
      expectErr: (e) => e instanceof UnsupportedStackFeatureError && /network_mode/.test(e.message),
    },
  ]);
});

describe("planStack: ports", async () => {
  const ports = (p: StackPlan, n = 1) => replica(p, "web", n).options.publish?.map((x) => `${x.hostIp}:${x.hostPort}:${x.containerPort}/${x.protocol}`);
  await runCases([
    { name: "a fixed port, one replica", yaml: "services:\n  web:\n    image: busybox\n    ports: ['8080:80', '127.0.0.1:5353:53/udp']\n", check: (p) => assert.deepEqual(ports(p), [":8080:80/tcp", "127.0.0.1:5353:53/udp"]) },
    {
      name: "no host port: every replica gets a free one",
      yaml: "services:\n  web:\n    image: busybox\n    deploy: {replicas: 3}\n    ports: ['80']\n",
      check: (p) => assert.deepEqual([1, 2, 3].map((n) => ports(p, n)), [[":0:80/tcp"], [":0:80/tcp"], [":0:80/tcp"]]),
    },
    {
      name: "a host range: replica N takes its Nth port",
      yaml: "services:\n  web:\n    image: busybox\n    deploy: {replicas: 3}\n    ports: ['8000-8002:80']\n",
      check: (p) => assert.deepEqual([1, 2, 3].map((n) => ports(p, n)), [[":8000:80/tcp"], [":8001:80/tcp"], [":8002:80/tcp"]]),
    },
    {
      name: "a fixed port with 2 replicas is refused, naming the load balancer that comes later",
      yaml: "services:\n  web:\n    image: busybox\n    deploy: {replicas: 2}\n    ports: ['8080:80']\n",
      expectErr: (e) => e instanceof PublishedPortConflictError && e.hostPort === 8080 && /load balancer/.test(e.hint ?? ""),
    },
    {
      name: "a host range shorter than the replicas is refused",
      yaml: "services:\n  web:\n    image: busybox\n    ports: ['8000-8001:80']\n",
      opts: { scale: { web: 3 } },
      expectErr: (e) => e instanceof PublishedPortConflictError,
    },
    { name: "an IPv6 host address is refused", yaml: "services:\n  web:\n    image: busybox\n    ports: ['[::1]:80:80']\n", expectErr: (e) => e instanceof UnsupportedStackFeatureError && /IPv4/.test(e.message) },
  ]);
});

describe("planStack: volumes, binds, tmpfs, secrets, configs", async () => {
  await runCases([
    {
      name: "named → the project's volume; external by its own name; bind with an absolute path made if missing; anonymous; tmpfs",
      yaml: "services:\n  db:\n    image: busybox\n    read_only: true\n    tmpfs: ['/run:size=1m']\n    volumes:\n      - data:/data\n      - ext:/ext:ro\n      - ./conf:/conf\n      - /cache\n      - {type: tmpfs, target: /scratch, tmpfs: {size: 1048576}}\nvolumes:\n  data: {}\n  ext: {external: true}\n",
      check: (p) => {
        assert.deepEqual(p.volumes.map((v) => [v.key, v.name, v.external]), [["data", "shop_data", false], ["ext", "ext", true]]);
        assert.deepEqual(p.volumes[0]!.labels, { "com.docker.compose.project": "shop", "com.docker.compose.volume": "data" });
        const m = replica(p, "db").options.mounts!;
        assert.deepEqual(m.map((x) => [x.type, x.type === "volume" ? x.name : x.type === "bind" ? x.source.replace(/^\/.*\/conf$/, "ABS/conf") : "", x.target, x.type === "tmpfs" ? x.options : x.readOnly]), [
          ["volume", "shop_data", "/data", false], ["volume", "ext", "/ext", true], ["bind", "ABS/conf", "/conf", false], ["volume", undefined, "/cache", false],
          ["tmpfs", "", "/scratch", ["size=1048576"]],
        ]);
        assert.equal(p.services[0]!.hostPaths.length, 1);
        assert.match(p.services[0]!.hostPaths[0]!, /^\/.*\/conf$/);
        assert.deepEqual(replica(p, "db").options.tmpfs, [{ destination: "/run", options: ["size=1m"] }]);
        assert.equal(replica(p, "db").options.readOnly, true);
      },
    },
    {
      name: "secrets and configs: read-only binds at /run/secrets/<name> and /<name>; content and environment written under the stack dir",
      yaml: "services:\n  api:\n    image: busybox\n    secrets: [token, pw]\n    configs: [motd, {source: app, target: /etc/app.conf}]\nsecrets:\n  token: {file: ./token.txt}\n  pw: {environment: DB_PASSWORD}\nconfigs:\n  motd: {content: hello}\n  app: {file: ./app.conf}\n",
      opts: { env: { DB_PASSWORD: "s3cret" } },
      check: (p) => {
        const binds = replica(p, "api").options.mounts!.filter((m) => m.type === "bind");
        assert.deepEqual(binds.map((b) => [b.target, b.readOnly, b.type === "bind" && b.source.startsWith("/r/stacks/shop/")]), [
          ["/run/secrets/token", true, false], ["/run/secrets/pw", true, true], ["/motd", true, true], ["/etc/app.conf", true, false],
        ]);
        assert.deepEqual(p.files.map((f) => [f.kind, f.key, f.path, f.content]), [
          ["secret", "pw", "/r/stacks/shop/secrets/pw", "s3cret"], ["config", "motd", "/r/stacks/shop/configs/motd", "hello"],
        ]);
      },
    },
    {
      name: "a secret from an unset environment variable is refused",
      yaml: "services:\n  api:\n    image: busybox\n    secrets: [pw]\nsecrets:\n  pw: {environment: NOT_SET_ANYWHERE}\n",
      expectErr: (e) => isBerthError(e, "INVALID_ARGUMENT") && /NOT_SET_ANYWHERE/.test((e as Error).message),
    },
    {
      name: "an external secret is refused (swarm only)",
      yaml: "services:\n  api:\n    image: busybox\n    secrets: [pw]\nsecrets:\n  pw: {external: true}\n",
      expectErr: (e) => e instanceof ExternalResourceNotFoundError,
    },
  ]);
});

describe("planStack: process settings", async () => {
  await runCases([
    {
      name: "env, command, entrypoint, user, working_dir, init, caps, limits, restart and healthcheck",
      yaml: "services:\n  api:\n    image: busybox\n    environment: {A: '1'}\n    command: [sh, -c, 'echo hi']\n    entrypoint: [/bin/busybox]\n    user: '1000:1000'\n    working_dir: /srv\n    init: true\n    cap_add: [net_admin]\n    cap_drop: [ALL]\n    restart: on-failure:3\n    stop_grace_period: 1500ms\n    healthcheck: {test: [CMD, 'true'], interval: 1s}\n    deploy: {resources: {limits: {cpus: '0.5', memory: 64m, pids: 50}}}\n",
      check: (p) => {
        const o = replica(p, "api").options;
        assert.deepEqual([o.env, o.cmd, o.entrypoint, o.user, o.workdir, o.init, o.capAdd, o.capDrop, o.cpus, o.memory, o.pidsLimit],
          [["A=1"], ["sh", "-c", "echo hi"], ["/bin/busybox"], "1000:1000", "/srv", true, ["CAP_NET_ADMIN"], ["ALL"], 0.5, 64 * 1024 * 1024, 50]);
        assert.equal(o.restartPolicy, undefined, "the orchestrator restarts, not the runtime");
        const s = p.services[0]!;
        assert.deepEqual([s.restart, s.stopTimeoutS, s.healthcheck?.intervalMs], [{ name: "on-failure", maximumRetryCount: 3 }, 2, 1000]);
      },
    },
    {
      name: "deploy.restart_policy when restart: is not set",
      yaml: "services:\n  api:\n    image: busybox\n    deploy: {restart_policy: {condition: any}}\n",
      check: (p) => assert.deepEqual(p.services[0]!.restart, { name: "always", maximumRetryCount: 0 }),
    },
    {
      name: "settings the runtime cannot apply are warned about, not dropped silently",
      yaml: "services:\n  api:\n    image: busybox\n    extra_hosts: ['a:1.2.3.4']\n    security_opt: [no-new-privileges:true, apparmor:x]\n",
      check: (p) => {
        assert.equal(replica(p, "api").options.noNewPrivileges, true);
        assert.deepEqual(p.warnings.map((w) => w.replace(/:.*/, "")), ["services.api.security_opt", "services.api.extra_hosts"]);
      },
    },
    {
      name: "volume and network settings the runtime cannot apply are warned about (an NFS or tmpfs volume would be a local directory)",
      yaml: "services:\n  api:\n    image: busybox\n    volumes: [nfs:/a, tmp:/b, plain:/c, ext:/d]\n    networks: [back]\n"
        + "volumes:\n  nfs: {driver_opts: {type: nfs, o: 'addr=10.0.0.1', device: ':/export'}}\n  tmp: {driver: rexray}\n  plain: {driver: local}\n  ext: {external: true}\n"
        + "networks:\n  back: {driver: macvlan, enable_ipv6: true, ipam: {config: [{subnet: 10.9.0.0/24, ip_range: 10.9.0.0/28}, {subnet: 10.9.1.0/24}]}}\n  unused: {driver: overlay}\n",
      check: (p) => assert.deepEqual(p.warnings.map((w) => w.replace(/:? .*/, "")), [
        "volumes.nfs.driver_opts", "volumes.tmp.driver", "networks.back.driver", "networks.back.enable_ipv6", "networks.back.ipam.config", "networks.back.ipam.config[0].ip_range",
      ]),
    },
    {
      name: "driver_opts are named by key only: their values may be credentials",
      yaml: "services:\n  api:\n    image: busybox\n    volumes: [share:/a]\n    networks: [back]\n"
        + "volumes:\n  share: {driver_opts: {type: cifs, o: 'username=alice,password=s3cret', device: //nas/x}}\n"
        + "networks:\n  back: {driver_opts: {com.example.token: t0ken}}\n",
      check: (p) => {
        assert.deepEqual(p.warnings.filter((w) => w.includes("driver_opts")).map((w) => w.replace(/\) .*/, ")")), [
          "volumes.share.driver_opts (type, o, device)", "networks.back.driver_opts (com.example.token)",
        ]);
        for (const secret of ["s3cret", "alice", "t0ken", "//nas/x"]) assert.ok(!p.warnings.join("\n").includes(secret), `${secret} in ${p.warnings.join("; ")}`);
      },
    },
  ]);
});

describe("planStack: environment: secrets", () => {
  it("take the value of the environment the files were loaded with (the caller's, then .env), not the planner's (the daemon's)", async () => {
    const yaml = "name: shop\nservices:\n  api:\n    image: busybox\n    secrets: [pw, key]\nsecrets:\n  pw: {environment: DB_PASSWORD}\n  key: {environment: KEY}\n";
    const p = await inProject({ "compose.yaml": yaml, ".env": "KEY=from-dotenv\n" }, async (dir) =>
      planStack((await load(dir, { env: { DB_PASSWORD: "from-caller" } })).project, { stackDir: "/r/stacks/shop", env: { DB_PASSWORD: "the daemon's", KEY: "the daemon's" } }));
    assert.deepEqual(p.files.map((f) => [f.key, f.content]), [["pw", "from-caller"], ["key", "from-dotenv"]]);
  });

  it("a variable unset for the caller is not set, whatever the planner's (the daemon's) environment holds", async () => {
    const yaml = "name: shop\nservices:\n  api:\n    image: busybox\n    secrets: [pw]\nsecrets:\n  pw: {environment: DB_PASSWORD}\n";
    await inProject({ "compose.yaml": yaml }, async (dir) => {
      const { project } = await load(dir, { env: {} });
      assert.throws(() => planStack(project, { stackDir: "/r/stacks/shop", env: { DB_PASSWORD: "the daemon's" } }), (e: unknown) =>
        e instanceof Error && /environment variable DB_PASSWORD is not set/.test(e.message));
    });
  });
});

describe("planStack: balancedPorts (the daemon's load balancer)", async () => {
  const on: PlanStackOptions = { balancedPorts: true };
  const balanced = (p: StackPlan, service = "web") => p.services.find((s) => s.name === service)?.balancedPorts?.map((x) => `${x.hostIp}:${x.hostPort}->${x.targetPort}/${x.protocol}`);
  const published = (p: StackPlan, n = 1) => replica(p, "web", n).options.publish?.map((x) => `${x.hostIp}:${x.hostPort}:${x.containerPort}/${x.protocol}`);
  await runCases([
    {
      name: "off by default: no balancedPorts, replicas publish as before",
      yaml: "services:\n  web:\n    image: busybox\n    ports: ['8080:80']\n",
      check: (p) => {
        assert.equal(p.services[0]!.balancedPorts, undefined);
        assert.deepEqual(published(p), [":8080:80/tcp"]);
      },
    },
    {
      name: "a fixed TCP port shared by 3 replicas: one balanced port, the replicas publish nothing",
      yaml: "services:\n  web:\n    image: busybox\n    deploy: {replicas: 3}\n    ports: ['8080:80', '127.0.0.1:9090:90']\n",
      opts: on,
      check: (p) => {
        assert.deepEqual(balanced(p), ["0.0.0.0:8080->80/tcp", "127.0.0.1:9090->90/tcp"]);
        assert.deepEqual([1, 2, 3].map((n) => published(p, n)), [[], [], []]);
      },
    },
    {
      name: "no host port: one ephemeral port (0) for the service, picked by the balancer, not one per replica",
      yaml: "services:\n  web:\n    image: busybox\n    deploy: {replicas: 2}\n    ports: ['80']\n",
      opts: on,
      check: (p) => {
        assert.deepEqual(balanced(p), ["0.0.0.0:0->80/tcp"]);
        assert.deepEqual([published(p, 1), published(p, 2)], [[], []]);
      },
    },
    {
      name: "UDP, mode: host and host ranges stay with the replicas (UDP is not balanced)",
      yaml: "services:\n  web:\n    image: busybox\n    deploy: {replicas: 2}\n    ports: ['8080:80', '5353:53/udp', {target: 81, published: '8181', mode: host}, '7000-7001:70']\n",
      opts: { balancedPorts: true, scale: { web: 1 } },
      check: (p) => {
        assert.deepEqual(balanced(p), ["0.0.0.0:8080->80/tcp"]);
        assert.deepEqual(published(p), [":5353:53/udp", ":8181:81/tcp", ":7000:70/tcp"]);
      },
    },
    {
      name: "network_mode: host has no replica address to balance to: its ports stay with the replica",
      yaml: "services:\n  web:\n    image: busybox\n    network_mode: host\n    ports: ['8080:80']\n",
      opts: on,
      check: (p) => {
        assert.deepEqual(balanced(p), []);
        assert.deepEqual(published(p), [":8080:80/tcp"]);
      },
    },
    {
      name: "a fixed UDP port with 2 replicas is still refused",
      yaml: "services:\n  web:\n    image: busybox\n    deploy: {replicas: 2}\n    ports: ['5353:53/udp']\n",
      opts: on,
      expectErr: (e) => e instanceof PublishedPortConflictError && e.hostPort === 5353,
    },
    {
      name: "one host port balanced by two services is refused before anything is made",
      yaml: "services:\n  web:\n    image: busybox\n    ports: ['8080:80']\n  api:\n    image: busybox\n    ports: ['127.0.0.1:8080:81']\n",
      opts: on,
      expectErr: (e) => isBerthError(e, "INVALID_ARGUMENT") && /8080\/tcp is published by services/.test((e as Error).message),
    },
    {
      name: "one host port on two different addresses is fine",
      yaml: "services:\n  web:\n    image: busybox\n    ports: ['127.0.0.1:8080:80']\n  api:\n    image: busybox\n    ports: ['127.0.0.2:8080:81']\n",
      opts: on,
      check: (p) => assert.deepEqual([balanced(p, "web"), balanced(p, "api")], [["127.0.0.1:8080->80/tcp"], ["127.0.0.2:8080->81/tcp"]]),
    },
    {
      name: "SCTP and IPv6 are refused in this mode too",
      yaml: "services:\n  web:\n    image: busybox\n    ports: ['[::1]:80:80']\n",
      opts: on,
      expectErr: (e) => e instanceof UnsupportedStackFeatureError && /IPv4/.test(e.message),
    },
  ]);

  it("does not change the config hash or the labels: switching modes never recreates a replica by itself", async () => {
    const yaml = "services:\n  web:\n    image: busybox\n    ports: ['8080:80', '5353:53/udp']\n";
    const off = await plan(yaml);
    const onPlan = await plan(yaml, on);
    assert.equal(onPlan.services[0]!.configHash, off.services[0]!.configHash);
    assert.deepEqual(replica(onPlan, "web").options.labels, replica(off, "web").options.labels);
    assert.notDeepEqual(replica(onPlan, "web").options.publish, replica(off, "web").options.publish, "the modes do differ in what the replica publishes");
  });
});
