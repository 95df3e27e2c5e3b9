import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadText } from "../compose/compose.test-support.js";
import { planStack, type PlannedService } from "../stack/index.js";
import { OrchestratorState, type OrchestratorStateOptions } from "./orchestrator-state.js";
import type { StoredStack } from "./stored-stack.js";

/** A temp directory for one test's state database; `remove` deletes it. */
export interface StateDir extends AsyncDisposable {
  readonly dir: string;
  /** `<dir>/daemon/state.db`: the directory below does not exist yet. */
  readonly path: string;
  remove(): Promise<void>;
}

export async function stateDir(): Promise<StateDir> {
  const dir = await mkdtemp(join(tmpdir(), "berth-state-"));
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  return { dir, path: join(dir, "daemon", "state.db"), remove, [Symbol.asyncDispose]: remove };
}

/** Run `fn` with a state opened in a fresh temp dir; closed and removed after, also on failure. */
export async function withState(fn: (state: OrchestratorState, dir: StateDir) => void | Promise<void>, opts: OrchestratorStateOptions = {}): Promise<void> {
  const dir = await stateDir();
  try {
    const state = OrchestratorState.open(dir.path, opts);
    try {
      await fn(state, dir);
    } finally {
      state.close();
    }
  } finally {
    await dir.remove();
  }
}

/** A stack as `up` would store it. */
export const storedStack = (project: string, over: Partial<StoredStack> = {}): StoredStack => ({
  project,
  files: [`/srv/${project}/compose.yaml`, `/srv/${project}/compose.override.yaml`],
  workingDir: `/srv/${project}`,
  env: { TAG: "1.2", PASSWORD: "s3cr=t \"quoted\" ünïcode" },
  profiles: ["debug"],
  scale: { web: 3 },
  stopped: false,
  updated: "2026-01-02T03:04:05.678Z",
  services: { web: { replicas: 3 }, db: { replicas: 1 } },
  ...over,
});

/** A real planned service (planStack of a small compose file), with `image` as its image. */
export async function plannedService(image = "shop/web:1"): Promise<PlannedService> {
  const yaml = [
    "name: shop",
    "services:",
    "  web:",
    `    image: ${image}`,
    "    environment: {MODE: prod}",
    "    ports: ['8080']",
    "    deploy: {replicas: 2}",
    "    healthcheck: {test: [CMD, \"true\"], interval: 2s}",
  ].join("\n");
  const plan = planStack((await loadText(yaml)).project, { stackDir: "/r/stacks/shop", env: {} });
  const web = plan.services.find((s) => s.name === "web");
  if (web === undefined) throw new Error("planStack made no service web");
  return web;
}
