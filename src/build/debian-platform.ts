import { InvalidArgumentError, type Platform } from "../oci/index.js";
import type { AptSource } from "./apt-sources.js";

// Debian architecture names → OCI platforms.
const PLATFORMS: Record<string, Platform> = {
  amd64: { os: "linux", architecture: "amd64" },
  arm64: { os: "linux", architecture: "arm64", variant: "v8" },
  armhf: { os: "linux", architecture: "arm", variant: "v7" },
  armel: { os: "linux", architecture: "arm", variant: "v5" },
  i386: { os: "linux", architecture: "386" },
  ppc64el: { os: "linux", architecture: "ppc64le" },
  s390x: { os: "linux", architecture: "s390x" },
  mips64el: { os: "linux", architecture: "mips64le" },
  riscv64: { os: "linux", architecture: "riscv64" },
};

const NODE_ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "armhf", ia32: "i386", ppc64: "ppc64el", s390x: "s390x", riscv64: "riscv64" };

/** The Debian architecture of this machine (`dpkg --print-architecture`), from node's process.arch. */
export function hostDebianArchitecture(arch: string = process.arch): string {
  const a = NODE_ARCH[arch];
  if (!a) throw new InvalidArgumentError(`no Debian architecture for node's "${arch}"`, { hint: "set architecture: in the spec" });
  return a;
}

/** The OCI platform of a Debian architecture; throws naming it when unknown. */
export function platformOfDebianArchitecture(arch: string): Platform {
  const p = PLATFORMS[arch];
  if (!p) throw new InvalidArgumentError(`architecture: "${arch}" is not a Debian architecture berth knows`, { hint: `one of ${Object.keys(PLATFORMS).join(", ")}` });
  return p;
}

/** The machine's suite: the first apt source's, without an update suffix (`bookworm-security` → `bookworm`). */
export function hostSuite(sources: readonly AptSource[]): string | undefined {
  return sources[0]?.suite.replace(/[-/](updates|security|backports|proposed-updates)$/, "");
}
