import { access, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BerthError, InvalidArgumentError } from "../oci/index.js";

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
 * holding `{id}`. A name is claimed by creating its file exclusively, so two
 * berth processes can never both hold it; a claim whose container directory
 * is gone (a berth killed between removing a container and freeing its
 * name) is taken over. Callers make the container's directory before they
 * claim its name.
 */
export class ContainerNames {
  private readonly dir: string;

  constructor(private readonly containersDir: string) {
    this.dir = join(containersDir, "names");
  }

  /** The id holding `name`, if any (a stale claim left by a rename that crashed half-way holds nothing). */
  async lookup(name: string): Promise<string | undefined> {
    const id = await this.claimant(name);
    return id !== undefined && (await this.recordNames(id, name)) ? id : undefined;
  }

  /** The id a claim file names, stale or not. */
  private async claimant(name: string): Promise<string | undefined> {
    if (!NAME.test(name)) return undefined;
    const held = await readFile(join(this.dir, name), "utf8").then((t) => JSON.parse(t) as { id?: unknown }).catch(() => undefined);
    return typeof held?.id === "string" ? held.id : undefined;
  }

  /**
   * Whether container `id`'s record carries `name`. A record not (yet)
   * readable counts as carrying it: create claims the name before it writes
   * the record. One that names something else is the trace of a rename cut
   * short (see renameContainer): the record is the commit point.
   */
  private async recordNames(id: string, name: string): Promise<boolean> {
    const text = await readFile(join(this.containersDir, id, "container.json"), "utf8").catch(() => undefined);
    if (text === undefined) return true;
    try {
      const r = JSON.parse(text) as { name?: unknown };
      return r.name === name;
    } catch {
      return true;
    }
  }

  /** Claim `name` for container `id`; throws InvalidArgumentError (bad name) or NameInUseError. */
  async claim(name: string, id: string): Promise<void> {
    if (!NAME.test(name)) {
      throw new InvalidArgumentError(`--name ${name}: must start with a letter or digit and hold only letters, digits, _ . -`);
    }
    await mkdir(this.dir, { recursive: true });
    const file = join(this.dir, name);
    const record = JSON.stringify({ id });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await writeFile(file, record, { flag: "wx" });
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const held = await this.claimant(name);
      if (held === undefined) {
        // Created but not yet written by another process: its claim stands unless it is old.
        const age = await stat(file).then((st) => Date.now() - st.mtimeMs, () => Infinity);
        if (age < 5_000) throw new NameInUseError(name, "(a container being created)");
      }
      const alive = held !== undefined && held !== id && (await access(join(this.containersDir, held)).then(() => true, () => false)) && (await this.recordNames(held, name));
      if (alive) throw new NameInUseError(name, held);
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
