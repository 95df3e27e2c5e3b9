import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { dockerGet, dockerPid, dockerReplicas, healthOfStatus } from "./up-docker-api.js";

const statuses: [string, ReturnType<typeof healthOfStatus>][] = [
  ["Up 5 seconds (healthy)", "healthy"],
  ["Up Less than a second (health: starting)", "starting"],
  ["Up 2 minutes (unhealthy)", "unhealthy"],
  ["Up 3 seconds", undefined],
  ["Exited (137) 2 seconds ago", undefined],
  ["Up 1 second (healthy) trailing", undefined],
  ["(healthy) Up", undefined],
];
for (const [status, want] of statuses) test(`healthOfStatus: ${JSON.stringify(status)}`, () => assert.equal(healthOfStatus(status), want));

// A tiny real Engine API on a unix socket: the bench's client against answers docker gives and hostile ones.
let dir: string;
let socket: string;
let server: Server;
const answers = new Map<string, { status: number; body: string | Buffer }>();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "up-api-"));
  socket = join(dir, "docker.sock");
  server = createServer((req, res) => {
    const a = [...answers.entries()].find(([prefix]) => req.url?.startsWith(prefix))?.[1] ?? { status: 404, body: '{"message":"no such route"}' };
    if (a.status === 0) return; // never answers
    res.writeHead(a.status, { "content-type": "application/json" }).end(a.body);
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

const container = (id: string, service: string, state: string, status: string) => ({ Id: id, State: state, Status: status, Labels: { "com.docker.compose.service": service } });

test("dockerReplicas: services from labels, running and health from State and Status", async () => {
  answers.set("/containers/json", {
    status: 200,
    body: JSON.stringify([container("a1", "catalog", "running", "Up 4 seconds (healthy)"), container("b2", "redis", "exited", "Exited (137) 1 second ago"), { Id: "c3", State: "running", Status: "Up", Labels: null }]),
  });
  const got = await dockerReplicas(socket, "com.docker.compose.project=p", (l) => l["com.docker.compose.service"]);
  assert.deepEqual(got, [
    { service: "catalog", id: "a1", running: true, health: "healthy" },
    { service: "redis", id: "b2", running: false, health: undefined },
  ]);
});

test("dockerReplicas: hostile answers are errors", async () => {
  for (const [body, re] of [["{}", /not a list/], ['[{"Id":1}]', /without Id, State or Status/], ["[nul", /not JSON/]] as const) {
    answers.set("/containers/json", { status: 200, body });
    await assert.rejects(dockerReplicas(socket, "x=y", () => "s"), re);
  }
  answers.set("/containers/json", { status: 500, body: '{"message":"boom"}' });
  await assert.rejects(dockerReplicas(socket, "x=y", () => "s"), /500: \{"message":"boom"\}/);
});

test("dockerGet: an answer over 8 MiB and a daemon that never answers are bounded", async () => {
  answers.set("/big", { status: 200, body: Buffer.alloc(9 * 1024 * 1024, 0x20) });
  await assert.rejects(dockerGet(socket, "/big"), /over 8388608 bytes/);
  answers.set("/silent", { status: 0, body: "" });
  await assert.rejects(dockerGet(socket, "/silent", 100), /no answer within 100 ms/);
});

test("dockerPid: the main pid, or an error for none and for a bad id", async () => {
  answers.set("/containers/abcdef123456/json", { status: 200, body: '{"State":{"Pid":4242}}' });
  assert.equal(await dockerPid(socket, "abcdef123456"), 4242);
  answers.set("/containers/abcdef123457/json", { status: 200, body: '{"State":{"Pid":0}}' });
  await assert.rejects(dockerPid(socket, "abcdef123457"), /no main process \(State\.Pid 0\)/);
  await assert.rejects(dockerPid(socket, "../../version"), /is not hex/);
});
