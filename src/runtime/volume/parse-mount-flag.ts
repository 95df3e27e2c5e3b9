import { InvalidArgumentError } from "../../oci/index.js";
import { csvFields } from "./csv-fields.js";
import { BIND_PROPAGATIONS, checkContainerPath, checkHostPath, parseBool, type BindPropagation, type MountRequest } from "./mount-request.js";
import { flagSubject } from "./parse-volume-flag.js";
import { parseLabel } from "./volume-labels.js";
import { checkVolumeName } from "./volume-name.js";

/** Keys with more than one spelling, by their canonical one. */
const ALIASES: ReadonlyMap<string, string> = new Map([["src", "source"], ["dst", "target"], ["destination", "target"], ["ro", "readonly"]]);
/** Keys that may stand alone, meaning `=true`. */
const FLAGS = new Set(["readonly", "volume-nocopy"]);
const KNOWN = new Set([
  "type", "source", "target", "readonly", "consistency", "volume-nocopy", "volume-label", "volume-driver",
  "tmpfs-size", "tmpfs-mode", "bind-propagation",
]);
/** docker's keys that berth's local driver cannot honour: refused by name rather than called unknown. */
const UNSUPPORTED: ReadonlyMap<string, string> = new Map([
  ["volume-opt", "the local driver of berth takes no driver options"],
  ["volume-subpath", "mounting part of a volume is not supported yet"],
  ["bind-nonrecursive", "bind mounts are always recursive in berth"],
  ["bind-recursive", "bind mounts are always recursive in berth"],
  ["bind-create-src", "the source must exist; create it first"],
  ["tmpfs-options", "give size and mode with tmpfs-size and tmpfs-mode"],
]);

/**
 * docker's `--mount` value: comma-separated `key=value` fields (CSV, so a
 * field may be quoted), keys case-insensitive:
 * `type=bind|volume|tmpfs` (default volume, as docker),
 * `source|src=…`, `target|dst|destination=…`, `readonly|ro[=true|false]`,
 * `volume-label=K=V` (repeatable), `volume-nocopy`, `volume-driver=local`,
 * `tmpfs-size=64m`, `tmpfs-mode=1777`, `bind-propagation=rprivate|…`,
 * `consistency=…` (ignored on Linux, as docker).
 *
 * Throws InvalidArgumentError naming the flag and the field: an unknown or
 * repeated key, a field that is not `key=value`, options of another mount
 * type, a missing target, a bind without an absolute source, a tmpfs with
 * one, a bad volume name, `..` or a relative container path.
 */
export function parseMountFlag(spec: string): MountRequest {
  const subject = flagSubject("--mount", spec);
  if (spec === "") throw new InvalidArgumentError(`${subject}: empty`, { hint: "e.g. --mount type=volume,source=data,target=/data" });
  const one = new Map<string, string>();
  const labels: [string, string][] = [];
  for (const field of csvFields(spec, subject)) {
    const eq = field.indexOf("=");
    const rawKey = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const key = ALIASES.get(rawKey) ?? rawKey;
    const value = eq < 0 ? undefined : field.slice(eq + 1);
    const unsupported = UNSUPPORTED.get(key);
    if (unsupported !== undefined) throw new InvalidArgumentError(`${subject}: ${rawKey} is not supported: ${unsupported}`);
    if (value === undefined && !FLAGS.has(key)) throw new InvalidArgumentError(`${subject}: field ${JSON.stringify(field)} must be a key=value pair`);
    if (!KNOWN.has(key)) {
      throw new InvalidArgumentError(`${subject}: unexpected key ${JSON.stringify(rawKey)} in ${JSON.stringify(field)}`, {
        hint: "keys: type, source, target, readonly, volume-label, volume-nocopy, volume-driver, tmpfs-size, tmpfs-mode, bind-propagation",
      });
    }
    if (key === "volume-label") {
      labels.push(parseLabel(value!, `${subject}: volume-label`));
      continue;
    }
    if (one.has(key)) throw new InvalidArgumentError(`${subject}: ${key} is given twice`);
    one.set(key, value ?? "true");
  }
  return toRequest(one, labels, subject);
}

function toRequest(f: ReadonlyMap<string, string>, labels: readonly [string, string][], subject: string): MountRequest {
  const type = (f.get("type") ?? "volume").toLowerCase();
  if (type !== "bind" && type !== "volume" && type !== "tmpfs") {
    throw new InvalidArgumentError(`${subject}: type ${JSON.stringify(type)} is not bind, volume or tmpfs`);
  }
  const foreign = [...f.keys(), ...(labels.length > 0 ? ["volume-label"] : [])].find((k) => /^(bind|volume|tmpfs)-/.test(k) && !k.startsWith(`${type}-`));
  if (foreign !== undefined) throw new InvalidArgumentError(`${subject}: ${foreign} cannot be used with type=${type}`);
  const readOnly = boolField(f, "readonly", subject);
  const rawTarget = f.get("target");
  if (rawTarget === undefined) throw new InvalidArgumentError(`${subject}: target is required`, { hint: "add target=/path/in/container" });
  const target = checkContainerPath(rawTarget, `${subject}: target`);
  const source = f.get("source");
  const driver = f.get("volume-driver");
  if (driver !== undefined && driver !== "local") throw new InvalidArgumentError(`${subject}: volume-driver ${JSON.stringify(driver)}: only local exists`);
  const consistency = f.get("consistency");
  if (consistency !== undefined && !["consistent", "cached", "delegated", "default"].includes(consistency)) {
    throw new InvalidArgumentError(`${subject}: consistency ${JSON.stringify(consistency)} is not consistent, cached, delegated or default`);
  }
  switch (type) {
    case "bind": {
      if (source === undefined || source === "") throw new InvalidArgumentError(`${subject}: source is required for type=bind`, { hint: "add source=/absolute/host/path" });
      const propagation = f.get("bind-propagation");
      if (propagation !== undefined && !(BIND_PROPAGATIONS as readonly string[]).includes(propagation)) {
        throw new InvalidArgumentError(`${subject}: bind-propagation ${JSON.stringify(propagation)} is not one of ${BIND_PROPAGATIONS.join(", ")}`);
      }
      return {
        type, source: checkHostPath(source, `${subject}: source`), target, readOnly,
        ...(propagation !== undefined && { propagation: propagation as BindPropagation }), origin: subject,
      };
    }
    case "volume": {
      if (source !== undefined && source !== "") checkVolumeName(source, `${subject}: source`, { isMountSource: true });
      return {
        type, ...(source !== undefined && source !== "" && { name: source }), target, readOnly,
        noCopy: boolField(f, "volume-nocopy", subject), labels: Object.fromEntries(new Map(labels)), origin: subject,
      };
    }
    case "tmpfs": {
      if (source !== undefined) throw new InvalidArgumentError(`${subject}: source is not allowed for type=tmpfs`);
      const size = f.get("tmpfs-size");
      const mode = f.get("tmpfs-mode");
      const options = [
        ...(size !== undefined ? [`size=${parseTmpfsSize(size, subject)}`] : []),
        ...(mode !== undefined ? [`mode=${parseTmpfsMode(mode, subject)}`] : []),
        ...(readOnly ? ["ro"] : []),
      ];
      return { type, target, options, origin: subject };
    }
  }
}

function boolField(f: ReadonlyMap<string, string>, key: string, subject: string): boolean {
  const v = f.get(key);
  if (v === undefined) return false;
  const b = parseBool(v);
  if (b === undefined) throw new InvalidArgumentError(`${subject}: ${key}=${v}: expected true or false`);
  return b;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** docker's RAMInBytes: `64m`, `1.5g`, `512KiB`, `4096` (binary units); a positive whole number of bytes. */
export function parseTmpfsSize(value: string, subject: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp]?)(?:i?b)?$/i.exec(value);
  const bytes = m ? Math.floor(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new InvalidArgumentError(`${subject}: tmpfs-size ${JSON.stringify(value)} is not a size such as 64m or 1g`);
  return bytes;
}

/** An octal mode such as `1777` or `0755`, as mount(8) takes it. */
export function parseTmpfsMode(value: string, subject: string): string {
  if (!/^[0-7]{1,5}$/.test(value) || parseInt(value, 8) > 0o7777) {
    throw new InvalidArgumentError(`${subject}: tmpfs-mode ${JSON.stringify(value)} is not an octal mode such as 1777 or 755`);
  }
  return parseInt(value, 8).toString(8);
}
