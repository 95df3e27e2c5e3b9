import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../content/index.js";
import type { ProcessIdentity } from "./process-identity.js";

/**
 * `<root>/containers/<id>/container.json`: what a container is and which
 * berth process owns it, written before anything is mounted so that a crash
 * at any later instant leaves enough to clean up (see reapOrphans).
 */
export interface ContainerRecord {
  readonly id: string;
  readonly name?: string;
  /** The image's name as the store knows it. */
  readonly image: string;
  /** ISO 8601. */
  readonly created: string;
  /** The berth process running it in the foreground. */
  readonly owner: ProcessIdentity;
}

const FILE = "container.json";

export async function writeContainerRecord(dir: string, record: ContainerRecord): Promise<void> {
  await writeFileAtomic(join(dir, FILE), JSON.stringify(record));
}

/** The record in `dir`, or undefined when missing or not a record (a crash before it was written). */
export async function readContainerRecord(dir: string): Promise<ContainerRecord | undefined> {
  const text = await readFile(join(dir, FILE), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const r = JSON.parse(text) as Partial<ContainerRecord>;
    const ok = typeof r.id === "string" && typeof r.image === "string" && typeof r.owner?.pid === "number" && typeof r.owner.startTime === "string";
    return ok ? (r as ContainerRecord) : undefined;
  } catch {
    return undefined;
  }
}
