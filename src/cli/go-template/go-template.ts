import { TemplateExecutor } from "./template-executor.js";
import { HEADER_FUNCTIONS, TEMPLATE_FUNCTIONS } from "./template-functions.js";
import type { TemplateNode } from "./template-nodes.js";
import { parseTemplate } from "./template-parser.js";

// Written here rather than taken from npm: the one package made for Go
// templates (@ctrl/golang-template, ~20k weekly downloads) fills in
// `{{.Field}}` and little else — no range, if, pipelines, printf or
// docker's functions — and the rest were wrappers around a Go binary.

/**
 * A parsed Go text/template, the subset docker users write in `--format`:
 * field chains, variables, `{{if}}`/`{{else if}}`/`{{with}}`/`{{range}}`,
 * pipelines, parentheses, string/number/bool literals, `{{- -}}`
 * trimming, comments; Go's built-in functions and docker's (json, join,
 * split, title, lower, upper, pad, truncate).
 *
 * Missing keys: data is JSON, so every object is a Go map, and a missing
 * key prints `<no value>` (Go's default for maps; docker users rely on it
 * for `.Config.Labels.k`), a misspelt field too. A field of a null (Go's
 * nil) is an error, as in Go; a {@link GoStruct} (a list row) refuses an
 * unknown field, as docker's Go structs do.
 */
export class GoTemplate {
  private constructor(readonly source: string, private readonly nodes: readonly TemplateNode[]) {}

  /** Parse `source`; throws TemplateError (a usage error) naming the position of what is wrong. */
  static parse(source: string): GoTemplate {
    return new GoTemplate(source, parseTemplate(source, (name) => Object.hasOwn(TEMPLATE_FUNCTIONS, name)));
  }

  /** The text for `data`. Throws TemplateError when a step fails (Go stops there too). */
  execute(data: unknown): string {
    return new TemplateExecutor(this.source, TEMPLATE_FUNCTIONS).run(this.nodes, data);
  }

  /** The text for a table's header row: `data` maps each field to its column name, and json, upper… leave it as it is. */
  executeHeader(data: unknown): string {
    return new TemplateExecutor(this.source, HEADER_FUNCTIONS).run(this.nodes, data);
  }
}

export { GoStruct } from "./go-values.js";
export { TemplateError } from "./template-error.js";
