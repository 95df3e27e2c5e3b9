/**
 * A parsed template, Go's text/template parse tree cut down to what docker
 * users write. `pos` is the node's offset in the template, for errors.
 *
 *   list     = (text | action | if | range | with)*
 *   action   = pipeline                 {{.A | json}}
 *   pipeline = [$v [, $w] := | $v =] command (| command)*
 *   command  = operand operand*         function call, method call, or a value
 *   operand  = .A.B | $v.A | "str" | 12 | true | nil | ident | (pipeline)[.A]
 */
export type TemplateNode =
  | { readonly kind: "text"; readonly pos: number; readonly text: string }
  | { readonly kind: "action"; readonly pos: number; readonly pipe: Pipeline }
  | { readonly kind: "if" | "with"; readonly pos: number; readonly pipe: Pipeline; readonly then: readonly TemplateNode[]; readonly otherwise: readonly TemplateNode[] }
  | { readonly kind: "range"; readonly pos: number; readonly pipe: Pipeline; readonly body: readonly TemplateNode[]; readonly otherwise: readonly TemplateNode[] };

export interface Pipeline {
  readonly pos: number;
  /** `$x := …` declares, `$x = …` assigns; `range $i, $v := …` names two. */
  readonly variables: readonly string[];
  readonly isAssignment: boolean;
  readonly commands: readonly Command[];
}

export interface Command {
  readonly pos: number;
  readonly operands: readonly Operand[];
}

export type Operand =
  | { readonly kind: "field"; readonly pos: number; readonly path: readonly string[] }
  | { readonly kind: "variable"; readonly pos: number; readonly name: string; readonly path: readonly string[] }
  | { readonly kind: "dot"; readonly pos: number }
  | { readonly kind: "literal"; readonly pos: number; readonly value: string | number | boolean | null }
  | { readonly kind: "function"; readonly pos: number; readonly name: string }
  | { readonly kind: "pipeline"; readonly pos: number; readonly pipe: Pipeline; readonly path: readonly string[] };
