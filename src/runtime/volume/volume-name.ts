import { randomBytes } from "node:crypto";
import { InvalidArgumentError } from "../../oci/index.js";

/** docker's rule for local volume names: a letter or digit, then at least one of letters, digits, `_ . -`. */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
/** A volume is a directory: its name must fit in one path component. */
const MAX_NAME = 255;

/** True when `name` is a valid local volume name (docker's rule, at most 255 characters). */
export const isValidVolumeName = (name: string): boolean => name.length <= MAX_NAME && VOLUME_NAME.test(name);

/**
 * Throws InvalidArgumentError unless `name` is a valid volume name. The
 * message starts with `subject` when given (e.g. `-v data/x:/d`); for a
 * mount source (`isMountSource`) a name that looks like a relative host
 * path gets docker's hint to give an absolute one.
 */
export function checkVolumeName(name: string, subject?: string, opts: { isMountSource?: boolean } = {}): void {
  if (isValidVolumeName(name)) return;
  const looksLikePath = /[/~]/.test(name) || name.startsWith(".");
  const why = name.length > MAX_NAME
    ? `is ${name.length} characters long; the limit is ${MAX_NAME}`
    : name.length < 2 && VOLUME_NAME.test(`${name}x`)
      ? "is too short; names need at least two characters"
      : "holds characters a volume name may not: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed";
  const shown = name.length > 80 ? `${JSON.stringify(name.slice(0, 80))}…` : JSON.stringify(name);
  throw new InvalidArgumentError(`${subject === undefined ? "" : `${subject}: `}volume name ${shown} ${why}`, {
    hint: opts.isMountSource && looksLikePath
      ? "to mount a host directory, give its absolute path (e.g. /srv/data or \"$PWD\"/data)"
      : "a letter or digit, then letters, digits, _ . or -; e.g. my-data or db_1",
  });
}

/** A fresh name for an anonymous volume: 64 hex digits, as docker's. */
export const anonymousVolumeName = (): string => randomBytes(32).toString("hex");

/** The label docker puts on volumes made for a container's anonymous mounts (`-v /data`); `rm -v` removes those. */
export const ANONYMOUS_LABEL = "com.docker.volume.anonymous";
