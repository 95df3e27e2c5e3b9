import { InvalidArgumentError } from "../../oci/index.js";

/**
 * Make a project name from free text as docker compose does
 * (compose-go `NormalizeProjectName`): lower case, only `a-z 0-9 _ -`,
 * no leading `_` or `-`. "My App!" → "myapp".
 */
export const normalizeProjectName = (s: string): string => s.toLowerCase().replace(/[^a-z0-9_-]/g, "").replace(/^[_-]+/, "");

/**
 * Check a name given explicitly (the `projectName` option or
 * COMPOSE_PROJECT_NAME): it must already be normal, as docker compose requires.
 */
export function checkProjectName(name: string, source: string): string {
  if (name === "" || normalizeProjectName(name) !== name) {
    throw new InvalidArgumentError(`${source}: invalid project name ${JSON.stringify(name)}`, {
      hint: "a project name has lower-case letters, digits, \"_\" and \"-\", and starts with a letter or digit",
    });
  }
  return name;
}
