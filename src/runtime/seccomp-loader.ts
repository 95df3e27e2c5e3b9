import { readFile } from "node:fs/promises";
import { InvalidArgumentError } from "../oci/index.js";
import { DEFAULT_SECCOMP_PROFILE } from "./seccomp-profile.js";

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
 */
export async function loadSeccompProfile(choice: string | undefined, defaultPath = DEFAULT_SECCOMP_PROFILE): Promise<LoadedSeccomp | undefined> {
  if (choice === "unconfined") return undefined;
  const path = choice ?? defaultPath;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if (choice === undefined) return undefined;
    throw new InvalidArgumentError(`--security-opt seccomp=${choice}: cannot read: ${(e as Error).message}`);
  }
  try {
    return { profile: JSON.parse(text) as unknown, source: path, isDefault: choice === undefined };
  } catch (e) {
    throw new InvalidArgumentError(`--security-opt seccomp=${path}: not JSON: ${(e as Error).message}`);
  }
}
