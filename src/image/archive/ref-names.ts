import { formatReference, isValidTag, parseReference, type Descriptor } from "../../oci/index.js";

/** image-spec annotations.md: the name of a manifest in an OCI layout's index.json. */
export const REF_NAME = "org.opencontainers.image.ref.name";
/** The full reference containerd, nerdctl and docker 25+ record next to ref.name. */
export const CONTAINERD_NAME = "io.containerd.image.name";

/**
 * The name an index.json entry gives its manifest: `io.containerd.image.name`
 * when set (a full reference, what containerd and docker import), else
 * `org.opencontainers.image.ref.name` (often only a tag), else none.
 */
export function nameOf(desc: Descriptor): string | undefined {
  const a = desc.annotations;
  const full = a?.[CONTAINERD_NAME];
  if (full !== undefined && full !== "") return full;
  const ref = a?.[REF_NAME];
  return ref !== undefined && ref !== "" ? ref : undefined;
}

/**
 * The index.json annotations that name a manifest `name`, as containerd's
 * export writes them. A bare tag (`latest`) is ref.name alone. A reference
 * (`busybox:latest`) gets its full form in `io.containerd.image.name`
 * (`docker.io/library/busybox:latest`: what berth's load, containerd and
 * docker 25+ read back as the name) and only its tag in ref.name: image-spec
 * defines ref.name as the reference *within the layout*, so `oci:DIR:latest`
 * finds it in skopeo and berth alike. A reference without a tag (`repo@sha256:…`)
 * gets no ref.name. A name that does not parse is kept as ref.name.
 */
export function nameAnnotations(name: string): Record<string, string> {
  if (isValidTag(name)) return { [REF_NAME]: name };
  let ref;
  try {
    ref = parseReference(name);
  } catch {
    return { [REF_NAME]: name };
  }
  return { [CONTAINERD_NAME]: formatReference(ref), ...(ref.tag !== undefined && { [REF_NAME]: ref.tag }) };
}

/** `desc` without the naming annotations (they belong to one index.json entry, not to the manifest). */
export function withoutNames(desc: Descriptor): Descriptor {
  if (desc.annotations === undefined) return desc;
  const rest = Object.fromEntries(Object.entries(desc.annotations).filter(([k]) => k !== REF_NAME && k !== CONTAINERD_NAME));
  const { annotations: _dropped, ...bare } = desc;
  return Object.keys(rest).length === 0 ? bare : { ...bare, annotations: rest };
}
