import { GoTemplate } from "./go-template/go-template.js";

/**
 * `inspect -f/--format`: absent or `json` prints the objects as docker's
 * indented JSON array; a Go template prints its result for each object
 * followed by a newline, as docker's inspect does. Parse it before
 * looking anything up (see {@link parseInspectFormat}) so that a bad
 * template is a usage error with no output.
 */
export type InspectFormat = GoTemplate | "json";

export const parseInspectFormat = (format: string | undefined): InspectFormat =>
  format === undefined || format === "json" ? "json" : GoTemplate.parse(format);

/** The text for `objects`; all of it or, when the template fails on one, a TemplateError and nothing. */
export function renderInspect(format: InspectFormat, objects: readonly unknown[]): string {
  if (format === "json") return `${JSON.stringify(objects, null, 4)}\n`;
  return objects.map((o) => `${format.execute(o)}\n`).join("");
}

/** The `-f, --format` flag of the inspect commands. */
export const INSPECT_FORMAT_FLAG = ["-f, --format <template>", "a Go template run over each object ({{.State.Pid}}, {{json .Config}}, {{range …}}…{{end}}), one line each; json (the default) prints docker's JSON array"] as const;
