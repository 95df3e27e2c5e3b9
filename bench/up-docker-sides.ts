import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { StartedDockerd } from "../test/support/dockerd.js";
import { freePort } from "../test/support/free-port.js";
import { findTool } from "../test/support/require-root.js";
import { dockerGet, dockerPid, dockerReplicas } from "./up-docker-api.js";
import { cleanEnv, mustRunUp, type StackSide } from "./up-side.js";

/** The bench's dockerd and the directory it was started in (for the CLI's DOCKER_CONFIG). */
export interface BenchDockerd {
  readonly dockerd: StartedDockerd;
  readonly dir: string;
}

const DOWN_TIMEOUT_S = "5";
/** After `docker stack rm`, swarm removes tasks and the network in the background: wait this long for them. */
const STACK_GONE_TIMEOUT_MS = 120_000;

const socketOf = (d: BenchDockerd): string => d.dockerd.host.replace(/^unix:\/\//, "");
const envOf = (d: BenchDockerd): NodeJS.ProcessEnv =>
  cleanEnv({ DOCKER_HOST: d.dockerd.host, DOCKER_CONFIG: join(d.dir, "docker-config"), DOCKER_CLI_HINTS: "false" });
const dockerCli = (): string => findTool("/usr/bin/docker") ?? "docker";

/** `docker args…` against the bench's dockerd, bounded and checked. */
export const docker = (d: BenchDockerd, args: readonly string[], timeoutMs?: number) => mustRunUp(dockerCli(), args, envOf(d), timeoutMs);

/**
 * Debian's docker-compose (1.29) on the bench's dockerd: `docker-compose -p NAME -f FILE up -d`,
 * which, as berth's `up`, waits for each `depends_on: service_healthy` before starting the
 * dependent service; `down -v` removes containers, the network and volumes.
 */
export function composeSide(d: BenchDockerd, composeFile: string, project: string): StackSide {
  const base = ["-p", project, "-f", composeFile];
  const compose = (args: readonly string[]) => mustRunUp(findTool("docker-compose") ?? "docker-compose", [...base, ...args], envOf(d));
  const observe = () => dockerReplicas(socketOf(d), `com.docker.compose.project=${project}`, (l) => l["com.docker.compose.service"]);
  return {
    name: "docker-compose",
    up: async () => void (await compose(["up", "-d"])),
    observe,
    pidOf: (id) => dockerPid(socketOf(d), id),
    async down() {
      await compose(["down", "-v", "-t", DOWN_TIMEOUT_S]);
      const left = await observe();
      if (left.length > 0) throw new Error(`docker-compose down left ${left.length} container(s) of ${project}`);
    },
  };
}

/**
 * Put the bench's dockerd in swarm mode as a single-node swarm whose manager listens on
 * 127.0.0.1 only (a free port); `leaveSwarm` undoes it, and StartedDockerd.stop does too.
 */
export async function initSwarm(d: BenchDockerd): Promise<void> {
  const port = await freePort();
  await docker(d, ["swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", `127.0.0.1:${port}`], 60_000);
}

/** `docker swarm leave --force`, then remove the docker_gwbridge network swarm made on the host. Best effort. */
export async function leaveSwarm(d: BenchDockerd): Promise<void> {
  await docker(d, ["swarm", "leave", "--force"], 60_000).catch(() => undefined);
  await docker(d, ["network", "rm", "docker_gwbridge"], 60_000).catch(() => undefined);
}

/**
 * The stack deployed with `docker stack deploy -c FILE NAME` on a single-node swarm (see
 * {@link initSwarm}). Replicas are the tasks' containers, found by the
 * `com.docker.stack.namespace` label; `down` is `docker stack rm` and waits, bounded, until
 * swarm has removed every container and the stack's network.
 */
export function swarmSide(d: BenchDockerd, stackFile: string, project: string): StackSide {
  const prefix = `${project}_`;
  const label = `com.docker.stack.namespace=${project}`;
  const observe = () => dockerReplicas(socketOf(d), label, (l) => {
    const name = l["com.docker.swarm.service.name"];
    return name?.startsWith(prefix) ? name.slice(prefix.length) : undefined;
  });
  return {
    name: "docker swarm",
    up: async () => void (await docker(d, ["stack", "deploy", "-c", stackFile, project])),
    observe,
    pidOf: (id) => dockerPid(socketOf(d), id),
    async down() {
      await docker(d, ["stack", "rm", project]);
      const deadline = Date.now() + STACK_GONE_TIMEOUT_MS;
      const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
      for (;;) {
        const containers = await observe();
        const networks = await dockerGet(socketOf(d), `/networks?filters=${filters}`);
        if (containers.length === 0 && Array.isArray(networks) && networks.length === 0) return;
        if (Date.now() >= deadline) throw new Error(`docker stack rm ${project}: ${containers.length} container(s) still there after ${STACK_GONE_TIMEOUT_MS / 1000} s`);
        await sleep(250);
      }
    },
  };
}
