import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BerthError, InvalidArgumentError } from "../oci/index.js";
import { isRunning, selfIdentity, type ProcessIdentity } from "./process-identity.js";

/** docker's rule for container names. */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

/** The name is held by another container that still exists. */
export class NameInUseError extends BerthError {
  constructor(readonly containerName: string, readonly holder: string) {
    super("ALREADY_EXISTS", `container name "${containerName}" is already in use by container ${holder.slice(0, 12)}`, {
      hint: "pick another --name, or remove that container first",
    });
  }
}

/**
 * Container names, one file per name under `<root>/containers/names/`
 * holding `{id, owner}` (the owning berth process). A name is claimed by creating its file exclusively,
 * so two berth processes can never both hold it; a claim whose process is
 * gone (a CLI killed before it could clean up) is taken over.
 */
export class ContainerNames {
  private readonly dir: string;

  constructor(containersDir: string) {
    this.dir = join(containersDir, "names");
  }

  /** Claim `name` for container `id`; throws InvalidArgumentError (bad name) or NameInUseError. */
  async claim(name: string, id: string): Promise<void> {
    if (!NAME.test(name)) {
      throw new InvalidArgumentError(`--name ${name}: must start with a letter or digit and hold only letters, digits, _ . -`);
    }
    await mkdir(this.dir, { recursive: true });
    const file = join(this.dir, name);
    const record = JSON.stringify({ id, owner: await selfIdentity() });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await writeFile(file, record, { flag: "wx" });
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const held = await readFile(file, "utf8").then((t) => JSON.parse(t) as { id: string; owner: ProcessIdentity }).catch(() => undefined);
      if (held?.owner !== undefined && (await isRunning(held.owner))) throw new NameInUseError(name, held.id);
      await rm(file, { force: true });
    }
    throw new NameInUseError(name, "(another berth process)");
  }

  /** Give `name` up if `id` holds it. */
  async release(name: string, id: string): Promise<void> {
    const file = join(this.dir, name);
    const held = await readFile(file, "utf8").then((t) => JSON.parse(t) as { id: string }).catch(() => undefined);
    if (held?.id === id) await rm(file, { force: true });
  }
}
