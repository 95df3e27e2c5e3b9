import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { VolumeNotFoundError, VolumeRecordError } from "./volume-errors.js";
import type { VolumeLabels } from "./volume-labels.js";

/** A volume as docker's `volume inspect` shows it. */
export interface Volume {
  readonly Name: string;
  readonly Driver: "local";
  /** `<berth root>/volumes/<Name>/_data`: what containers mount. */
  readonly Mountpoint: string;
  /** RFC 3339, UTC. */
  readonly CreatedAt: string;
  readonly Labels: VolumeLabels;
  /** Driver options; the local driver of berth takes none, so always `{}`. */
  readonly Options: Readonly<Record<string, string>>;
  readonly Scope: "local";
}

export const RECORD_FILE = "volume.json";
export const DATA_DIR = "_data";
const MAX_RECORD_BYTES = 1024 * 1024;

/** The text of `volume.json` for a new volume (Scope is implied, not stored). */
export function recordText(name: string, mountpoint: string, labels: VolumeLabels, createdAt: Date): string {
  const { Scope: _, ...stored }: Volume = {
    Name: name, Driver: "local", Mountpoint: mountpoint, CreatedAt: createdAt.toISOString(), Labels: labels, Options: {}, Scope: "local",
  };
  return `${JSON.stringify(stored, null, 2)}\n`;
}

const isStringMap = (v: unknown): v is Record<string, string> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");

/**
 * The volume stored in `dir` (`<volumes>/<name>`). Mountpoint is derived
 * from `dir`, never taken from the file: a record edited to say `/etc`
 * must not make berth bind-mount the host's /etc. Throws
 * VolumeNotFoundError when the record is missing, VolumeRecordError when
 * it is not a volume record of `name`.
 */
export async function readVolumeRecord(dir: string, name: string): Promise<Volume> {
  const file = join(dir, RECORD_FILE);
  const text = await readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT" || e.code === "ENOTDIR") throw new VolumeNotFoundError(name);
    throw new VolumeRecordError(file, `cannot read: ${e.message}`, e);
  });
  if (text.length > MAX_RECORD_BYTES) throw new VolumeRecordError(file, `larger than ${MAX_RECORD_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new VolumeRecordError(file, "not JSON", e);
  }
  const r = raw as Partial<Record<keyof Volume, unknown>>;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new VolumeRecordError(file, "not a JSON object");
  if (r.Name !== name) throw new VolumeRecordError(file, `Name is ${JSON.stringify(r.Name)}, expected ${JSON.stringify(name)} (the directory's name)`);
  if (r.Driver !== "local") throw new VolumeRecordError(file, `Driver is ${JSON.stringify(r.Driver)}; only "local" exists`);
  if (typeof r.CreatedAt !== "string" || Number.isNaN(Date.parse(r.CreatedAt))) throw new VolumeRecordError(file, "CreatedAt is not a date");
  if (!isStringMap(r.Labels)) throw new VolumeRecordError(file, "Labels is not an object of strings");
  if (r.Options !== undefined && r.Options !== null && !isStringMap(r.Options)) throw new VolumeRecordError(file, "Options is not an object of strings");
  return {
    Name: name, Driver: "local", Mountpoint: join(dir, DATA_DIR), CreatedAt: r.CreatedAt, Labels: r.Labels,
    Options: r.Options ?? {}, Scope: "local",
  };
}
