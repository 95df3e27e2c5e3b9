import { access } from "node:fs/promises";
import { join } from "node:path";

/** The names a context's Dockerfile goes by, in the order they are looked for (podman's Containerfile too). */
const DOCKERFILES = ["Dockerfile", "Containerfile", "dockerfile"];

/**
 * The path of the Dockerfile in `context`, or undefined when it has none:
 * what decides between a Dockerfile build and a zero-config Node.js build.
 */
export async function findDockerfile(context: string): Promise<string | undefined> {
  for (const name of DOCKERFILES) {
    const path = join(context, name);
    if (await access(path).then(() => true, () => false)) return path;
  }
  return undefined;
}
