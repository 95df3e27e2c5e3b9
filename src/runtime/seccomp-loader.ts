import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "../oci/index.js";
import { DEFAULT_SECCOMP_PROFILE } from "./seccomp-profile.js";
import { deepFreeze } from "./internal/deep-freeze.js";

/** A profile read for {@link buildRuntimeSpec}'s `seccomp` input. */
export interface LoadedSeccomp {
  readonly profile: unknown;
  readonly source: string;
  /** berth's default profile, not one the user named (see SeccompContext.withoutX32). */
  readonly isDefault: boolean;
}

/**
 * Read the seccomp profile a container asked for: none for `unconfined`, the
 * file at `choice`, or by default Debian's containers-common profile, and
 * none when that is not installed (the container then runs unconfined, as
 * under runc alone). A profile the user named must exist and be JSON: else
 * InvalidArgumentError naming `--security-opt`.
 *
 * The file is read at every call, but parsed only when its text differs
 * from the last read's (the default profile, ~17 KB of JSON, was parsed at
 * every container's start). The profile returned is shared: callers must
 * not change it.
 */
export async function loadSeccompProfile(choice: string | undefined, defaultPath = DEFAULT_SECCOMP_PROFILE): Promise<LoadedSeccomp | undefined> {
  if (choice === "unconfined") return undefined;
  const path = choice ?? defaultPath;
  const isDefault = choice === undefined;
  let text: string;
  try {
    // Synchronous: a small file, on the path of every start, where a read through the thread pool
    // waits for a core on a busy machine.
    text = readFileSync(path, "utf8");
  } catch (e) {
    if (choice === undefined) return undefined;
    throw new InvalidArgumentError(`--security-opt seccomp=${choice}: cannot read: ${(e as Error).message}`);
  }
  const known = read.get(path);
  if (known !== undefined && known.text === text) return { profile: known.profile, source: path, isDefault };
  let profile: unknown;
  try {
    profile = deepFreeze(JSON.parse(text) as unknown);
  } catch (e) {
    throw new InvalidArgumentError(`--security-opt seccomp=${path}: not JSON: ${(e as Error).message}`);
  }
  if (read.size >= REMEMBER) read.delete(read.keys().next().value!);
  read.set(path, { text, profile });
  return { profile, source: path, isDefault };
}

/** Profiles read, by path: the default one, and the few a user names. */
const read = new Map<string, { readonly text: string; readonly profile: unknown }>();
const REMEMBER = 16;
