import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { resolveInRoot } from "../../runtime/index.js";
import { CopyOwnerError } from "./copy-errors.js";

/** uid and gid given to what a COPY/ADD writes. */
export interface CopyOwner {
  readonly uid: number;
  readonly gid: number;
}

const MAX_ID = 0xffff_fffe;
/** /etc/passwd and /etc/group beyond this are not read: a hostile image could make them huge (or a device). */
const MAX_ACCOUNT_FILE = 16 << 20;

/**
 * Parse `--chown=USER[:GROUP]` as docker's builder does: each part is a
 * number, used as it is, or a name looked up in the rootfs's /etc/passwd
 * or /etc/group (found inside `rootfs`, its symlinks resolved there).
 * Without `:GROUP` the USER text is used as the group too, so `--chown=1000`
 * is 1000:1000 and `--chown=app` needs a group named app (docker's rule,
 * not the user's primary group). Throws CopyOwnerError naming what is
 * missing.
 */
export async function parseChown(spec: string, rootfs: string): Promise<CopyOwner> {
  const parts = spec.split(":");
  if (parts.length > 2) throw new CopyOwnerError("--chown", spec, "expected USER[:GROUP]", "e.g. --chown=1000:1000 or --chown=app:app");
  const [user, group = user] = parts as [string, string?];
  const uid = await lookup(user, rootfs, "/etc/passwd", "user", spec);
  const gid = await lookup(group, rootfs, "/etc/group", "group", spec);
  return { uid, gid };
}

/**
 * Parse `--chmod=OCTAL` (BuildKit's; docker's legacy builder has none):
 * 1–4 octal digits, applied to every file and directory copied. Throws
 * CopyOwnerError otherwise.
 */
export function parseChmod(spec: string): number {
  if (!/^[0-7]{1,4}$/.test(spec)) throw new CopyOwnerError("--chmod", spec, "expected an octal mode such as 755 or 0644", "berth takes octal modes; symbolic ones (u+x) are not supported");
  return parseInt(spec, 8);
}

async function lookup(name: string, rootfs: string, file: string, what: "user" | "group", spec: string): Promise<number> {
  if (/^\d+$/.test(name)) {
    const id = Number(name);
    if (id > MAX_ID) throw new CopyOwnerError("--chown", spec, `${what} id ${name} is out of range`, `ids go up to ${MAX_ID}`);
    return id;
  }
  const text = await readAccountFile(rootfs, file);
  for (const line of text?.split("\n") ?? []) {
    const f = line.trim().split(":");
    if (f[0] === name && f.length >= 3 && /^\d+$/.test(f[2]!) && Number(f[2]) <= MAX_ID) return Number(f[2]);
  }
  throw new CopyOwnerError("--chown", spec, `no ${what} ${JSON.stringify(name)} in the image's ${file}${text === undefined ? " (the file is missing)" : ""}`,
    what === "group" && !spec.includes(":")
      ? "without :GROUP the user's name is looked up as a group too (docker's rule); add :GROUP or use numeric ids"
      : "use numeric ids, or a name the image defines");
}

/** The text of `file` inside `rootfs` (symlinks resolved inside it); undefined when missing or not a regular file. */
async function readAccountFile(rootfs: string, file: string): Promise<string | undefined> {
  let fh;
  try {
    // O_NONBLOCK: a FIFO planted at /etc/passwd must not hang the build; O_NOFOLLOW: the path was just resolved.
    fh = await open(rootfs + (await resolveInRoot(rootfs, file)), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP") return undefined;
    throw e;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return undefined;
    if (st.size > MAX_ACCOUNT_FILE) throw new CopyOwnerError("--chown", file, `the image's ${file} is ${st.size} bytes; at most ${MAX_ACCOUNT_FILE} are read`, "use numeric ids");
    return (await fh.readFile()).toString("utf8");
  } finally {
    await fh.close();
  }
}
