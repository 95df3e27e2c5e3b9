import { InvalidArgumentError } from "../oci/index.js";

/** The identity a container's process runs as (runtime-spec `process.user`) and its home. */
export interface ResolvedUser {
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups: the primary gid, then those of /etc/group that list the user by name. */
  readonly additionalGids: readonly number[];
  /** From /etc/passwd; `/` when the user is not listed there. */
  readonly home: string;
}

interface PasswdEntry { readonly name: string; readonly uid: number; readonly gid: number; readonly home: string }
interface GroupEntry { readonly name: string; readonly gid: number; readonly members: readonly string[] }

const MAX_ID = 0xffff_fffe;
const isId = (s: string): boolean => /^\d{1,10}$/.test(s) && Number(s) <= MAX_ID;

function parsePasswd(text: string): PasswdEntry[] {
  return text.split("\n").flatMap((line) => {
    const f = line.split(":");
    if (f.length < 7 || line.startsWith("#") || !isId(f[2]!) || !isId(f[3]!)) return [];
    return [{ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]! || "/" }];
  });
}

function parseGroup(text: string): GroupEntry[] {
  return text.split("\n").flatMap((line) => {
    const f = line.split(":");
    if (f.length < 4 || line.startsWith("#") || !isId(f[2]!)) return [];
    return [{ name: f[0]!, gid: Number(f[2]), members: f[3]!.split(",").map((m) => m.trim()).filter((m) => m !== "") }];
  });
}

/**
 * Resolve `USER[:GROUP]` (docker's `-u`, or the image's User) as runc's
 * libcontainer/user does: a number is used as is (its passwd entry, if
 * any, gives the primary group and home); a name must be in the image's
 * /etc/passwd, a group name in its /etc/group. Supplementary groups are the
 * groups listing the user's name. Empty `spec` means root. The texts are the
 * image's files, absent when it has none. Throws InvalidArgumentError naming
 * `flag` when a name is unknown or a number out of range.
 */
export function resolveUser(spec: string, flag: string, passwdText = "", groupText = ""): ResolvedUser {
  const [userPart = "", groupPart, ...rest] = spec.split(":");
  if (rest.length > 0) throw new InvalidArgumentError(`${flag} ${spec}: expected USER[:GROUP]`);
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);
  let entry: PasswdEntry | undefined;
  let uid: number;
  if (userPart === "") {
    uid = 0;
    entry = passwd.find((p) => p.uid === 0);
  } else if (/^\d+$/.test(userPart)) {
    if (!isId(userPart)) throw new InvalidArgumentError(`${flag} ${spec}: uid ${userPart} is out of range`);
    uid = Number(userPart);
    entry = passwd.find((p) => p.uid === uid);
  } else {
    entry = passwd.find((p) => p.name === userPart);
    if (entry === undefined) {
      throw new InvalidArgumentError(`${flag} ${spec}: no user "${userPart}" in the image's /etc/passwd`, { hint: "give a numeric uid, or a user the image defines" });
    }
    uid = entry.uid;
  }
  let gid = entry?.gid ?? 0;
  if (groupPart !== undefined && groupPart !== "") {
    if (/^\d+$/.test(groupPart)) {
      if (!isId(groupPart)) throw new InvalidArgumentError(`${flag} ${spec}: gid ${groupPart} is out of range`);
      gid = Number(groupPart);
    } else {
      const g = groups.find((x) => x.name === groupPart);
      if (g === undefined) throw new InvalidArgumentError(`${flag} ${spec}: no group "${groupPart}" in the image's /etc/group`, { hint: "give a numeric gid, or a group the image defines" });
      gid = g.gid;
    }
  }
  // The primary gid leads the supplementary groups, as docker sets them (`id` shows groups=GID): a process that
  // calls setgroups or execs a setgid program keeps its group, and RUN steps see what docker's do.
  const members = entry === undefined ? [] : groups.filter((g) => g.members.includes(entry.name)).map((g) => g.gid);
  const additionalGids = [...new Set([gid, ...members])];
  return { uid, gid, additionalGids, home: entry?.home ?? "/" };
}
