import type { BaseUser } from "./base-spec.js";
import { RootfsTree } from "./rootfs-tree.js";

/** What berth knows of one installed package when it writes the metadata layer. */
export interface InstalledPackage {
  readonly name: string;
  /** The control file from the .deb. */
  readonly control: string;
  readonly md5sums?: string;
}

const NSSWITCH = `passwd:         files
group:          files
shadow:         files
hosts:          files dns
networks:       files
protocols:      files
services:       files
ethers:         files
rpc:            files
`;

const CA_DIR = "usr/share/ca-certificates";
export const CA_BUNDLE = "etc/ssl/certs/ca-certificates.crt";

/**
 * The layer berth writes itself on top of the packages, since no maintainer
 * script runs:
 * - `/var/lib/dpkg/status.d/<pkg>` (+ `.md5sums`): the control stanza, as
 *   distroless writes it, so scanners and SBOM tools see what is installed;
 * - `/etc/passwd`, `/etc/group` with root, nobody and `user`; `/etc/nsswitch.conf`;
 * - `user`'s home (0700), `/root` (0700), `/tmp` (1777);
 * - `/etc/ssl/certs/ca-certificates.crt` when the packages hold
 *   `/usr/share/ca-certificates/**.crt`: the concatenation, in path order,
 *   that update-ca-certificates would make in ca-certificates' postinst;
 * - with `hasDpkgStatus` (a slim base that has dpkg and apt), also
 *   `/var/lib/dpkg/status`, every stanza marked `install ok installed`, so
 *   apt and dpkg in the image know what is there.
 */
export function baseMetadata(packages: readonly InstalledPackage[], user: BaseUser, packageTree: RootfsTree, hasDpkgStatus = false): RootfsTree {
  const tree = new RootfsTree();
  const file = (path: string, text: string | Buffer, mode = 0o644): void =>
    tree.add({ path, type: "file", mode, data: Buffer.isBuffer(text) ? text : Buffer.from(text) }, "berth");
  for (const p of packages) {
    file(`var/lib/dpkg/status.d/${p.name}`, p.control.endsWith("\n") ? p.control : `${p.control}\n`);
    if (p.md5sums !== undefined) file(`var/lib/dpkg/status.d/${p.name}.md5sums`, p.md5sums);
  }
  if (hasDpkgStatus) {
    const stanzas = [...packages].sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((p) => p.control.trimEnd().replace(/^(Package: .*)$/m, "$1\nStatus: install ok installed"));
    file("var/lib/dpkg/status", `${stanzas.join("\n\n")}\n`);
  }
  const users = [
    { name: "root", uid: 0, gid: 0, home: "/root" },
    { name: "nobody", uid: 65534, gid: 65534, home: "/nonexistent" },
    ...(user.uid !== 0 && user.uid !== 65534 ? [user] : []),
  ];
  file("etc/passwd", users.map((u) => `${u.name}:x:${u.uid}:${u.gid}:${u.name}:${u.home}:/sbin/nologin\n`).join(""));
  const groups = [{ name: "root", gid: 0 }, { name: "tty", gid: 5 }, { name: "staff", gid: 50 }, { name: "nogroup", gid: 65534 }];
  if (!groups.some((g) => g.gid === user.gid)) groups.push({ name: user.name, gid: user.gid });
  file("etc/group", groups.map((g) => `${g.name}:x:${g.gid}:\n`).join(""));
  file("etc/nsswitch.conf", NSSWITCH);
  tree.add({ path: "root", type: "directory", mode: 0o700 }, "berth");
  tree.add({ path: "tmp", type: "directory", mode: 0o1777 }, "berth");
  if (user.home !== "/root") tree.add({ path: user.home.slice(1), type: "directory", mode: 0o700, uid: user.uid, gid: user.gid }, "berth");
  const certs = packageTree.below(CA_DIR).filter((e) => e.type === "file" && e.path.endsWith(".crt"))
    .sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  if (certs.length > 0) {
    file(CA_BUNDLE, Buffer.concat(certs.flatMap((c) => (c.data!.at(-1) === 0x0a ? [c.data!] : [c.data!, Buffer.from("\n")]))));
  }
  return tree;
}
