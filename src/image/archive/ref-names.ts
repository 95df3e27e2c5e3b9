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
 * The index.json annotations that name a manifest `name`. ref.name is the
 * name as given (`latest`, or `busybox:latest`: both match the ref.name
 * grammar, and `skopeo … oci:DIR:busybox:latest` finds the latter). A name
 * that is a reference rather than a bare tag also gets
 * `io.containerd.image.name` in its full form (`docker.io/library/busybox:latest`),
 * which containerd and docker 25+ read when they import the layout.
 */
export function nameAnnotations(name: string): Record<string, string> {
  if (isValidTag(name)) return { [REF_NAME]: name };
  try {
    return { [CONTAINERD_NAME]: formatReference(parseReference(name)), [REF_NAME]: name };
  } catch {
    return { [REF_NAME]: name };
  }
}

/** `desc` without the naming annotations (they belong to one index.json entry, not to the manifest). */
export function withoutNames(desc: Descriptor): Descriptor {
  if (desc.annotations === undefined) return desc;
  const rest = Object.fromEntries(Object.entries(desc.annotations).filter(([k]) => k !== REF_NAME && k !== CONTAINERD_NAME));
  const { annotations: _dropped, ...bare } = desc;
  return Object.keys(rest).length === 0 ? bare : { ...bare, annotations: rest };
}
