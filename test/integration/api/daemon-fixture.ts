import type { ComposeProject } from "../../../src/orchestrator/index.js";
import { BERTH_BIN } from "../../support/berth-server.js";
import { run, type RunResult } from "../../support/run.js";
import type { StackRoot } from "../orchestrator/stack-fixture.js";

/** The real CLI on the test's root, from `cwd`; the first command that needs the daemon starts it. */
export const berth = (r: StackRoot, args: readonly string[], cwd: string, timeoutMs = 240_000): Promise<RunResult> =>
  run(process.execPath, [BERTH_BIN, "--root", r.root, ...args], { cwd, timeoutMs });

/**
 * The project's default network, made with this test file's bridge prefix before `up` (the daemon's
 * store would pick `berth<N>` names that another test file may pick at once), with the subnet its file gives.
 */
export async function premakeDefaultNetwork(r: StackRoot, project: ComposeProject): Promise<void> {
  const subnet = project.networks.default?.ipam?.config[0]?.subnet ?? "";
  await r.networks.create(`${project.name}_default`, { subnet, labels: { "com.docker.compose.project": project.name, "com.docker.compose.network": "default" } });
}
