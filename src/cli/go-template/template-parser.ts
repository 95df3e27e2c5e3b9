import { TemplateError } from "./template-error.js";
import { LexError, lexTemplate, type Token } from "./template-lexer.js";
import type { Command, Operand, Pipeline, TemplateNode } from "./template-nodes.js";

/** How deep {{if}}/{{range}}/{{with}} and parentheses may nest: deeper is refused rather than risking the stack. */
export const MAX_NESTING = 100;

const KEYWORDS = new Set(["if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"]);

/**
 * Parse a Go text/template (the subset docker users write, see
 * template-nodes.ts) into its node list. `isFunction` says which names are
 * functions: an unknown one is a parse error, as in Go. Throws
 * {@link TemplateError} naming the position.
 */
export function parseTemplate(source: string, isFunction: (name: string) => boolean): readonly TemplateNode[] {
  let tokens: Token[];
  try {
    tokens = lexTemplate(source);
  } catch (e) {
    if (e instanceof LexError) throw new TemplateError(source, e.offset, e.problem);
    throw e;
  }
  return new Parser(source, tokens, isFunction).parseAll();
}

type Ending = "end" | "else" | "eof";

class Parser {
  private i = 0;
  private depth = 0;
  private readonly variables: string[][] = [["$"]];

  constructor(private readonly source: string, private readonly tokens: readonly Token[], private readonly isFunction: (name: string) => boolean) {}

  parseAll(): readonly TemplateNode[] {
    const { nodes, ending } = this.parseList();
    if (ending.kind !== "eof") this.fail(ending.pos, `unexpected {{${ending.kind}}}`);
    return nodes;
  }

  private fail(pos: number, problem: string): never {
    throw new TemplateError(this.source, pos, problem);
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private next(): Token {
    const t = this.tokens[this.i++];
    if (t === undefined) this.fail(this.source.length, "unexpected end of template");
    return t;
  }

  /** Nodes up to an {{end}} or {{else}} (consumed, with its `else if …` when there is one) or the end. */
  private parseList(): { nodes: TemplateNode[]; ending: { kind: Ending; pos: number; elseIf?: boolean } } {
    const nodes: TemplateNode[] = [];
    for (;;) {
      const t = this.peek();
      if (t === undefined) return { nodes, ending: { kind: "eof", pos: this.source.length } };
      this.i++;
      if (t.kind === "text") {
        nodes.push({ kind: "text", pos: t.pos, text: t.text });
        continue;
      }
      if (t.kind !== "open") this.fail(t.pos, "unexpected token outside an action");
      const first = this.peek();
      if (first?.kind === "close") {
        this.i++; // an empty action: a comment
        continue;
      }
      if (first?.kind === "identifier" && KEYWORDS.has(first.name)) {
        this.i++;
        if (first.name === "end") {
          this.expectClose();
          return { nodes, ending: { kind: "end", pos: first.pos } };
        }
        if (first.name === "else") {
          const elseIf = this.peek()?.kind === "identifier" && (this.peek() as { name: string }).name === "if";
          if (elseIf) this.i++;
          else this.expectClose();
          return { nodes, ending: { kind: "else", pos: first.pos, elseIf } };
        }
        nodes.push(this.parseControl(first.name, first.pos));
        continue;
      }
      const pipe = this.parsePipeline(t.pos, true);
      this.expectClose();
      nodes.push({ kind: "action", pos: t.pos, pipe });
    }
  }

  private parseControl(keyword: string, pos: number): TemplateNode {
    if (keyword !== "if" && keyword !== "range" && keyword !== "with") this.fail(pos, `{{${keyword}}} is not supported by berth's templates`);
    if (++this.depth > MAX_NESTING) this.fail(pos, `{{${keyword}}} nested more than ${MAX_NESTING} deep`);
    this.variables.push([]);
    const pipe = this.parsePipeline(pos, true, keyword === "range");
    this.expectClose();
    const body = this.parseList();
    let otherwise: TemplateNode[] = [];
    if (body.ending.kind === "else") {
      if (body.ending.elseIf) {
        if (keyword === "range") this.fail(body.ending.pos, "{{else if}} in {{range}}");
        // {{else if X}} is {{else}}{{if X}}…{{end}}{{end}}, sharing the {{end}}.
        otherwise = [this.parseControl("if", body.ending.pos)];
      } else {
        const rest = this.parseList();
        if (rest.ending.kind !== "end") this.fail(rest.ending.pos, rest.ending.kind === "eof" ? `{{${keyword}}} at ${pos} has no {{end}}` : "a second {{else}}");
        otherwise = rest.nodes;
      }
    } else if (body.ending.kind !== "end") {
      this.fail(pos, `unexpected EOF: {{${keyword}}} has no {{end}}`);
    }
    this.variables.pop();
    this.depth--;
    return keyword === "range" ? { kind: "range", pos, pipe, body: body.nodes, otherwise } : { kind: keyword, pos, pipe, then: body.nodes, otherwise };
  }

  private expectClose(): void {
    const t = this.next();
    if (t.kind !== "close") this.fail(t.pos, `unexpected ${describe(t)}: expected }}`);
  }

  /** A pipeline, up to (not past) `}}` or `)`. */
  private parsePipeline(pos: number, mayDeclare: boolean, isRange = false): Pipeline {
    const variables: string[] = [];
    let isAssignment = false;
    if (mayDeclare && this.peek()?.kind === "variable") {
      const save = this.i;
      const names: string[] = [];
      for (;;) {
        const v = this.next();
        if (v.kind !== "variable" || (v as { path: readonly string[] }).path.length > 0) break;
        names.push((v as { name: string }).name);
        const sep = this.peek();
        if (sep?.kind === "," && isRange && names.length < 2) {
          this.i++;
          continue;
        }
        if (sep?.kind === ":=" || sep?.kind === "=") {
          this.i++;
          isAssignment = sep.kind === "=";
          variables.push(...names);
        }
        break;
      }
      if (variables.length === 0) this.i = save;
      else if (isAssignment) for (const n of variables) this.checkVariable(n, pos);
      else this.variables[this.variables.length - 1]!.push(...variables);
    }
    const commands: Command[] = [];
    for (;;) {
      const t = this.peek();
      if (t === undefined || t.kind === "close" || t.kind === ")") break;
      if (t.kind === "|") {
        if (commands.length === 0) this.fail(t.pos, "missing command before |");
        this.i++;
      }
      commands.push(this.parseCommand());
    }
    if (commands.length === 0) this.fail(pos, "missing value for command");
    return { pos, variables, isAssignment, commands };
  }

  private parseCommand(): Command {
    const operands: Operand[] = [];
    const pos = this.peek()?.pos ?? this.source.length;
    for (;;) {
      const t = this.peek();
      if (t === undefined) this.fail(this.source.length, "unclosed action");
      if (t.kind === "close" || t.kind === ")" || t.kind === "|") break;
      if (operands.length > 0 && "spaced" in t && !t.spaced) this.fail(t.pos, `missing space before ${describe(t)}`);
      operands.push(this.parseOperand());
    }
    if (operands.length === 0) this.fail(pos, "missing command");
    return { pos, operands };
  }

  private parseOperand(): Operand {
    const t = this.next();
    switch (t.kind) {
      case "field":
        return { kind: "field", pos: t.pos, path: t.path };
      case "dot":
        return { kind: "dot", pos: t.pos };
      case "variable":
        this.checkVariable(t.name, t.pos);
        return { kind: "variable", pos: t.pos, name: t.name, path: t.path };
      case "string":
        return { kind: "literal", pos: t.pos, value: t.value };
      case "number":
        return { kind: "literal", pos: t.pos, value: t.value };
      case "identifier":
        if (t.name === "true" || t.name === "false") return { kind: "literal", pos: t.pos, value: t.name === "true" };
        if (t.name === "nil") return { kind: "literal", pos: t.pos, value: null };
        if (KEYWORDS.has(t.name)) this.fail(t.pos, `unexpected {{${t.name}}} inside an action`);
        if (!this.isFunction(t.name)) this.fail(t.pos, `function ${JSON.stringify(t.name)} not defined`);
        return { kind: "function", pos: t.pos, name: t.name };
      case "(": {
        if (++this.depth > MAX_NESTING) this.fail(t.pos, `parentheses nested more than ${MAX_NESTING} deep`);
        const pipe = this.parsePipeline(t.pos, false);
        const close = this.next();
        if (close.kind !== ")") this.fail(close.pos, `unclosed left paren: expected ), got ${describe(close)}`);
        this.depth--;
        // (pipeline).Field: a field chain right after the paren, with no space.
        const after = this.peek();
        if (after?.kind === "field" && !after.spaced) {
          this.i++;
          return { kind: "pipeline", pos: t.pos, pipe, path: after.path };
        }
        return { kind: "pipeline", pos: t.pos, pipe, path: [] };
      }
      default:
        this.fail(t.pos, `unexpected ${describe(t)} in operand`);
    }
  }

  private checkVariable(name: string, pos: number): void {
    if (!this.variables.some((scope) => scope.includes(name))) this.fail(pos, `undefined variable ${JSON.stringify(name)}`);
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case "close":
      return "}}";
    case "identifier":
      return JSON.stringify(t.name);
    case "field":
      return `.${t.path.join(".")}`;
    case "text":
    case "open":
      return "{{";
    default:
      return t.kind === "string" ? JSON.stringify(t.value) : t.kind === "number" ? t.text : t.kind === "variable" ? t.name : t.kind === "dot" ? "." : JSON.stringify(t.kind);
  }
}
