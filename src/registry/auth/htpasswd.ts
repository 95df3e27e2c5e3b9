import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import bcrypt from "bcryptjs";
import { BerthError, InvalidArgumentError } from "../../oci/index.js";

const BCRYPT_RE = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

// Names that mean something else in access rules, so no account may carry them.
const RESERVED_USERS = new Set(["anonymous", "*"]);

// Compared against when the user is unknown, so that a wrong user name costs
// as much time as a wrong password and timing does not reveal which users exist.
const DUMMY_HASH = "$2y$05$mXzninGL6oMeaNxYNdPxvu6zHjvaSMhLst8mrwqtchaMhqnhp4MVe";

/** Options of {@link Htpasswd.load}. */
export interface HtpasswdOptions {
  /** How long a successful verification is remembered; default 60 000 ms, 0 turns the cache off. */
  readonly cacheTtlMs?: number;
  /** Clock in ms, for tests. */
  readonly now?: () => number;
}

interface FileStamp {
  readonly mtimeMs: number;
  readonly size: number;
  readonly ino: number;
}

/**
 * Parse htpasswd text: one `user:hash` a line, blank lines and `#` comments
 * ignored. Only bcrypt hashes (`htpasswd -B`: `$2y$`, `$2a$`, `$2b$`) are
 * accepted, as in distribution; any other kind, a duplicate user or a
 * reserved name (`anonymous`, `*`) throws InvalidArgumentError naming the line.
 */
export function parseHtpasswd(text: string, source: string): Map<string, string> {
  const entries = new Map<string, { hash: string; line: number }>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const where = `htpasswd ${source} line ${i + 1}`;
    const colon = line.indexOf(":");
    if (colon <= 0) {
      throw new InvalidArgumentError(`${where}: expected "user:hash", got no user name or no ":"`, {
        hint: "create entries with `htpasswd -B <file> <user>`",
      });
    }
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1).trim();
    if (RESERVED_USERS.has(user)) {
      throw new InvalidArgumentError(`${where}: user name "${user}" is reserved for access rules`, { hint: "rename the user" });
    }
    if (!BCRYPT_RE.test(hash)) {
      throw new InvalidArgumentError(`${where}: user "${user}" has ${describeHash(hash)}; only bcrypt hashes are supported`, {
        hint: `recreate the entry with \`htpasswd -B ${source} ${user}\``,
      });
    }
    const earlier = entries.get(user);
    if (earlier) {
      throw new InvalidArgumentError(`${where}: user "${user}" is already defined on line ${earlier.line}`, {
        hint: "keep one entry per user",
      });
    }
    entries.set(user, { hash, line: i + 1 });
  }
  return new Map([...entries].map(([user, e]) => [user, e.hash]));
}

function describeHash(hash: string): string {
  if (hash.startsWith("$apr1$")) return "an MD5 (apr1) hash";
  if (hash.startsWith("{SHA}")) return "a SHA-1 hash";
  if (hash.startsWith("$5$") || hash.startsWith("$6$")) return "a SHA-crypt hash";
  if (hash.startsWith("$2")) return "a malformed bcrypt hash";
  return "a crypt(3) or plain-text password";
}

const sha256 = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

/**
 * Users and bcrypt password hashes from an htpasswd file. The file is read
 * again when its mtime, size or inode changes, so users can be added without
 * a restart; if the new content does not parse, verification throws (fails
 * closed) until it is fixed.
 */
export class Htpasswd {
  // bcrypt is slow on purpose (bcryptjs, pure JS: ~4 ms at cost 5, ~80 ms at cost 10,
  // ~320 ms at 12), and with Basic auth docker sends credentials with every one of the
  // dozens of requests of a push. Remembering a success for a minute keeps that fast. The key
  // holds sha256(password), never the password, and each entry is tied to the
  // hash it was checked against, so a changed password is not served from the cache.
  private readonly cache = new Map<string, { readonly expires: number; readonly hash: string }>();
  private readonly ttl: number;
  private readonly now: () => number;
  private refreshing: Promise<void> | undefined;

  private constructor(
    /** Path of the file. */
    readonly path: string,
    private entries: Map<string, string>,
    private stamp: FileStamp,
    opts: HtpasswdOptions,
  ) {
    this.ttl = opts.cacheTtlMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Read and parse `path`; throws NOT_FOUND when it is missing, INVALID_ARGUMENT when it does not parse. */
  static async load(path: string, opts: HtpasswdOptions = {}): Promise<Htpasswd> {
    const { entries, stamp } = await readEntries(path);
    return new Htpasswd(path, entries, stamp, opts);
  }

  /** Whether `user` has an entry (after re-reading a changed file). */
  async hasUser(user: string): Promise<boolean> {
    await this.refresh();
    return this.entries.has(user);
  }

  /**
   * A short fingerprint of the user's current password hash, or undefined
   * for an unknown user. It changes when the password does, so a credential
   * derived from it (a refresh token) dies with the old password.
   */
  async passwordVersion(user: string): Promise<string | undefined> {
    await this.refresh();
    const hash = this.entries.get(user);
    return hash === undefined ? undefined : sha256(hash).subarray(0, 12).toString("base64url");
  }

  /** Whether `password` is the user's; false for unknown users. */
  async verify(user: string, password: string): Promise<boolean> {
    await this.refresh();
    const hash = this.entries.get(user);
    if (hash === undefined) {
      await bcrypt.compare(password, DUMMY_HASH);
      return false;
    }
    const key = `${user}\0${sha256(password).toString("hex")}`;
    const hit = this.cache.get(key);
    if (hit && hit.expires > this.now() && hit.hash === hash) return true;
    if (hit) this.cache.delete(key);
    if (!(await bcrypt.compare(password, hash))) return false;
    this.remember(key, hash);
    return true;
  }

  private remember(key: string, hash: string): void {
    if (this.ttl <= 0) return;
    if (this.cache.size >= 10_000) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(key, { expires: this.now() + this.ttl, hash });
  }

  private async refresh(): Promise<void> {
    // One re-read at a time; concurrent callers wait for it.
    this.refreshing ??= this.reloadIfChanged().finally(() => {
      this.refreshing = undefined;
    });
    await this.refreshing;
  }

  private async reloadIfChanged(): Promise<void> {
    const s = await statFile(this.path);
    if (s.mtimeMs === this.stamp.mtimeMs && s.size === this.stamp.size && s.ino === this.stamp.ino) return;
    let read: Awaited<ReturnType<typeof readEntries>>;
    try {
      read = await readEntries(this.path);
    } catch (e) {
      // At start a bad file is a config error; once serving, it is the server's fault, not the request's.
      throw new BerthError("UNAVAILABLE", `htpasswd ${this.path} changed and cannot be used: ${(e as Error).message}`, {
        cause: e,
        hint: "fix the file; logins fail until then",
      });
    }
    const { entries, stamp } = read;
    this.entries = entries;
    this.stamp = stamp;
    this.cache.clear();
  }
}

async function statFile(path: string): Promise<FileStamp> {
  try {
    const s = await stat(path);
    return { mtimeMs: s.mtimeMs, size: s.size, ino: s.ino };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw new BerthError("NOT_FOUND", `htpasswd file ${path}: not found`, {
        cause: e,
        hint: "create it with `htpasswd -cB <file> <user>` or fix auth.htpasswd in the registry config",
      });
    }
    throw e;
  }
}

async function readEntries(path: string): Promise<{ entries: Map<string, string>; stamp: FileStamp }> {
  // Stat before reading: a write landing in between changes the stamp again and triggers another read.
  const stamp = await statFile(path);
  const text = await readFile(path, "utf8");
  return { entries: parseHtpasswd(text, path), stamp };
}
