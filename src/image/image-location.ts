import { BerthError, parseReference, type Reference } from "../oci/index.js";

/**
 * Where an image is, as skopeo names transports: a registry reference
 * (`busybox`, `docker://host/repo:tag`), an OCI layout directory
 * (`oci:DIR[:tag]`) or a docker-archive file (`docker-archive:FILE[:ref]`).
 */
export type ImageLocation =
  | { readonly kind: "registry"; readonly ref: Reference }
  | { readonly kind: "oci"; readonly dir: string; readonly tag?: string }
  | { readonly kind: "docker-archive"; readonly file: string; readonly ref?: string };

/** Parse a location as the CLI takes it. */
export function parseImageLocation(text: string): ImageLocation {
  if (text.startsWith("oci:")) {
    const [dir, tag] = splitSuffix(text.slice(4));
    if (!dir) throw new BerthError("INVALID_ARGUMENT", `${text}: oci: needs a directory`, { hint: "oci:DIR[:tag]" });
    return { kind: "oci", dir, ...(tag && { tag }) };
  }
  if (text.startsWith("docker-archive:")) {
    const rest = text.slice("docker-archive:".length);
    // FILE[:repo:tag] — the reference may itself hold colons, so split at the first one only.
    const i = rest.indexOf(":");
    const file = i < 0 ? rest : rest.slice(0, i);
    const ref = i < 0 ? undefined : rest.slice(i + 1);
    if (!file) throw new BerthError("INVALID_ARGUMENT", `${text}: docker-archive: needs a file`, { hint: "docker-archive:FILE[:repo:tag]" });
    return { kind: "docker-archive", file, ...(ref && { ref }) };
  }
  const bare = text.startsWith("docker://") ? text.slice("docker://".length) : text;
  return { kind: "registry", ref: parseReference(bare) };
}

/** `DIR:tag` → [DIR, tag]; a tag never holds "/" so `./a:b/c` is a directory. */
function splitSuffix(s: string): [string, string | undefined] {
  const i = s.lastIndexOf(":");
  if (i < 0 || s.slice(i + 1).includes("/")) return [s, undefined];
  return [s.slice(0, i), s.slice(i + 1) || undefined];
}
