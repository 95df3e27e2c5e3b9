import { InvalidArgumentError } from "../oci/index.js";

/** runtime-spec `linux.seccomp` (config-linux.md "Seccomp"). */
export interface SpecSeccomp {
  readonly defaultAction: string;
  readonly defaultErrnoRet?: number;
  readonly architectures: readonly string[];
  readonly syscalls: readonly SpecSyscall[];
}

export interface SpecSyscall {
  readonly names: readonly string[];
  readonly action: string;
  readonly errnoRet?: number;
  readonly args?: readonly { readonly index: number; readonly value: number; readonly valueTwo: number; readonly op: string }[];
}

/** Where Debian's containers-common puts the default profile (docker's format, podman's rules). */
export const DEFAULT_SECCOMP_PROFILE = "/usr/share/containers/seccomp.json";

/** Go's GOARCH names (which profiles' `includes.arches` use) for Node's process.arch. */
const GOARCH: Readonly<Record<string, string>> = { x64: "amd64", arm64: "arm64", ia32: "386", arm: "arm", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" };
/** libseccomp's names for a GOARCH. */
const SCMP_ARCH: Readonly<Record<string, string>> = {
  amd64: "SCMP_ARCH_X86_64", arm64: "SCMP_ARCH_AARCH64", 386: "SCMP_ARCH_X86", arm: "SCMP_ARCH_ARM",
  ppc64le: "SCMP_ARCH_PPC64LE", s390x: "SCMP_ARCH_S390X", riscv64: "SCMP_ARCH_RISCV64",
};
const ACTION = /^SCMP_ACT_[A-Z_]+$/;
const OP = /^SCMP_CMP_[A-Z_]+$/;

/** What decides which rules of a profile apply. */
export interface SeccompContext {
  /** Node's process.arch of the container (the host's). */
  readonly arch: string;
  /** The container's bounding capabilities (`CAP_…`). */
  readonly capabilities: readonly string[];
  /**
   * Leave the x32 ABI (SCMP_ARCH_X32) out of the sub-architectures: for
   * berth's default profile, not for one the user names. Each architecture in
   * the filter is a filter of its own that runc has libseccomp build at every
   * container start: x32's cost 11 ms of runc's 105 here (of 27 for the whole
   * profile). Distributions' kernels, Debian's among them, do not run x32
   * programs unless booted with `syscall.x32=y`, and no container image ships
   * any; such a program is killed by the filter (SIGSYS) instead.
   */
  readonly withoutX32?: boolean;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/**
 * Turn a docker-format seccomp profile (moby's profiles/seccomp, and Debian
 * containers-common's seccomp.json) into the runtime-spec form for this
 * machine, as moby's setupSeccomp does: the host architecture and its
 * sub-architectures; a rule applies when every `includes.caps` is in the
 * container's set and none of `excludes.caps` is, and `includes.arches` /
 * `excludes.arches` (GOARCH names) admit the host's. Throws
 * InvalidArgumentError naming `source` and the field when the profile is malformed.
 */
export function seccompForSpec(profile: unknown, source: string, ctx: SeccompContext): SpecSeccomp {
  const bad = (field: string, what: string): never => {
    throw new InvalidArgumentError(`seccomp profile ${source}: ${field}: ${what}`, { hint: "give a docker-format profile, e.g. /usr/share/containers/seccomp.json" });
  };
  if (!isObj(profile)) return bad("(top)", "not a JSON object");
  const defaultAction = profile.defaultAction;
  if (typeof defaultAction !== "string" || !ACTION.test(defaultAction)) return bad("defaultAction", "missing or not SCMP_ACT_…");
  const goArch = GOARCH[ctx.arch] ?? ctx.arch;
  const hostArch = SCMP_ARCH[goArch];
  const archMap = Array.isArray(profile.archMap) ? profile.archMap.filter(isObj) : [];
  const entry = archMap.find((a) => a.architecture === hostArch);
  const listed = entry ? [hostArch!, ...strings(entry.subArchitectures)] : strings(profile.architectures);
  const architectures = ctx.withoutX32 === true ? listed.filter((a) => a !== "SCMP_ARCH_X32") : listed;
  const syscalls: SpecSyscall[] = [];
  const rules = Array.isArray(profile.syscalls) ? profile.syscalls : bad("syscalls", "not an array");
  rules.forEach((rule: unknown, i: number) => {
    const field = `syscalls[${i}]`;
    if (!isObj(rule)) return bad(field, "not an object");
    const inc = isObj(rule.includes) ? rule.includes : {};
    const exc = isObj(rule.excludes) ? rule.excludes : {};
    const incArches = strings(inc.arches);
    if (incArches.length > 0 && !incArches.includes(goArch)) return;
    if (strings(exc.arches).includes(goArch)) return;
    if (!strings(inc.caps).every((c) => ctx.capabilities.includes(c))) return;
    if (strings(exc.caps).some((c) => ctx.capabilities.includes(c))) return;
    const names = typeof rule.name === "string" ? [rule.name] : strings(rule.names);
    if (names.length === 0 || names.some((n) => !/^[a-z0-9_]+$/.test(n))) return bad(`${field}.names`, "missing or not syscall names");
    if (typeof rule.action !== "string" || !ACTION.test(rule.action)) return bad(`${field}.action`, "missing or not SCMP_ACT_…");
    const args = Array.isArray(rule.args) && rule.args.length > 0 ? rule.args.map((a: unknown, j: number) => parseArg(a, `${field}.args[${j}]`, bad)) : undefined;
    const errnoRet = typeof rule.errnoRet === "number" ? rule.errnoRet : undefined;
    syscalls.push({ names, action: rule.action, ...(errnoRet !== undefined && { errnoRet }), ...(args && { args }) });
  });
  const defaultErrnoRet = typeof profile.defaultErrnoRet === "number" ? profile.defaultErrnoRet : undefined;
  return { defaultAction, ...(defaultErrnoRet !== undefined && { defaultErrnoRet }), architectures, syscalls };
}

function parseArg(a: unknown, field: string, bad: (f: string, w: string) => never): NonNullable<SpecSyscall["args"]>[number] {
  if (!isObj(a)) return bad(field, "not an object");
  const { index, value, valueTwo = 0, op } = a;
  if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index > 5) return bad(`${field}.index`, "not 0 to 5");
  // JSON numbers past 2^53 lose bits in JavaScript, which would change the filter silently.
  if (!Number.isSafeInteger(value) || !Number.isSafeInteger(valueTwo) || (value as number) < 0 || (valueTwo as number) < 0) return bad(`${field}.value`, "not an integer from 0 to 2^53");
  if (typeof op !== "string" || !OP.test(op)) return bad(`${field}.op`, "not SCMP_CMP_…");
  return { index, value: value as number, valueTwo: valueTwo as number, op };
}
