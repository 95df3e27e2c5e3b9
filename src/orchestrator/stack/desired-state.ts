import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../content/index.js";
import type { StackPlan } from "./stack-plan.js";

/**
 * What the last `up` asked for, kept at `<stacks dir>/<project>/stack.json`
 * so that commands given only a project name (`service ls`, `reconcileOnce`
 * after `--scale`) know the desired replica counts. The daemon will keep
 * this in SQLite; until then it is this one file, written atomically.
 */
export interface DesiredStack {
  readonly project: string;
  /** The compose files and project directory `up` read. */
  readonly files: readonly string[];
  readonly workingDir: string;
  readonly services: Readonly<Record<string, { readonly replicas: number; readonly image: string; readonly configHash: string }>>;
  /** Stopped on purpose (`up` in the foreground ended by Ctrl-C): `reconcileOnce` starts nothing. */
  readonly stopped?: boolean;
  /** ISO 8601. */
  readonly updated: string;
}

const FILE = "stack.json";

/** The desired state recorded for the plan's project, to be written after a successful `up`. */
export function desiredFrom(plan: StackPlan, files: readonly string[], workingDir: string): DesiredStack {
  const services = Object.fromEntries(plan.services.map((s) => [s.name, { replicas: s.replicas, image: s.image, configHash: s.configHash }]));
  return { project: plan.project, files, workingDir, services, updated: new Date().toISOString() };
}

export async function writeDesiredStack(stackDir: string, desired: DesiredStack): Promise<void> {
  await mkdir(stackDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(join(stackDir, FILE), `${JSON.stringify(desired, null, 2)}\n`);
}

/** The recorded desired state, or undefined when there is none or it is not readable as one (then the containers alone are the truth). */
export async function readDesiredStack(stackDir: string): Promise<DesiredStack | undefined> {
  const text = await readFile(join(stackDir, FILE), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const d = JSON.parse(text) as Partial<DesiredStack>;
    const ok = typeof d.project === "string" && typeof d.services === "object" && d.services !== null && Array.isArray(d.files);
    return ok ? (d as DesiredStack) : undefined;
  } catch {
    return undefined;
  }
}

/** Forget the stack (`down`): its desired state and the secret and config files written for it. */
export async function removeStackDir(stackDir: string): Promise<void> {
  await rm(stackDir, { recursive: true, force: true });
}
