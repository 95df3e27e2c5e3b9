import { InvalidArgumentError } from "../../oci/index.js";

/** Where a template's text starts, as `line:column` (both from 1), the way an editor shows it. */
export function positionIn(source: string, offset: number): string {
  const before = source.slice(0, offset);
  const line = before.split("\n").length;
  return `${line}:${offset - (before.lastIndexOf("\n") + 1) + 1}`;
}

/**
 * A `--format` template that does not parse, or fails while it runs (a
 * field of a nil value, an unknown function, a wrong argument). It is a
 * usage error (exit 2): the command line asked for something the data
 * cannot give. The message names the template and the position.
 */
export class TemplateError extends InvalidArgumentError {
  constructor(readonly template: string, readonly offset: number, readonly problem: string) {
    super(`template ${JSON.stringify(template)}: at ${positionIn(template, offset)}: ${problem}`, {
      hint: "--format takes docker's Go templates: {{.Field.Sub}}, {{json .}}, {{range .List}}…{{end}}, {{if .X}}…{{else}}…{{end}}, {{index .Map \"key\"}} (see docs/runtime.md)",
    });
  }
}
