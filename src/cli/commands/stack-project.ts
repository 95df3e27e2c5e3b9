import type { Command } from "commander";
import type { ComposeProject } from "../../orchestrator/index.js";
import { collect } from "./container-cli.js";

// Loaded when a command runs: the compose model pulls in yaml and zod.
export const orchestrator = (): Promise<typeof import("../../orchestrator/index.js")> => import("../../orchestrator/index.js");

export interface ProjectFlags {
  readonly file: string[];
  readonly projectName?: string;
  readonly profile: string[];
}

/** The compose file flags; `service logs` keeps `-f` for --follow, as `docker compose logs -f` does. */
export const addProjectFlags = (cmd: Command, shortFile = true): Command => cmd
  .option(shortFile ? "-f, --file <file>" : "--file <file>", "compose file (repeatable, merged in order; default compose.yaml, … found from here up)", collect, [])
  .option("-p, --project-name <name>", "project name (default: name:, COMPOSE_PROJECT_NAME, or the directory's name)")
  .option("--profile <name>", "enable a profile (repeatable)", collect, []);

/** Load the compose project the flags name; the loader's warnings go to stderr unless `quiet` (the daemon reports them). */
export async function loadProject(f: ProjectFlags, quiet = false): Promise<ComposeProject> {
  const { loadComposeProject, formatComposeWarning } = await orchestrator();
  const { project, warnings } = await loadComposeProject({
    ...(f.file.length > 0 && { files: f.file }), ...(f.projectName !== undefined && { projectName: f.projectName }), ...(f.profile.length > 0 && { profiles: f.profile }),
  });
  if (!quiet) for (const w of warnings) process.stderr.write(`warning: ${formatComposeWarning(w)}\n`);
  return project;
}

/** `-p NAME` alone names a project from any directory (checked: it becomes a path of the daemon's API); otherwise the compose file says. */
export const projectName = async (f: ProjectFlags, quiet = false): Promise<string> =>
  (f.projectName !== undefined && f.file.length === 0 ? (await orchestrator()).checkComposeProjectName(f.projectName, "-p") : (await loadProject(f, quiet)).name);

/** The stack the flags name, without reading more than needed (`-p NAME` alone reads no file). */
export const stackNameOf = (f: ProjectFlags): Promise<string> => projectName(f, true);
