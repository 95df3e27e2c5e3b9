import { TemplateError } from "./template-error.js";
import type { TemplateFunction } from "./template-functions.js";
import type { Command, Operand, Pipeline, TemplateNode } from "./template-nodes.js";
import { GoStruct, goText, goTypeName, isMap, isTrue } from "./go-values.js";

/** What one execution may print: past it the template is stopped (a range over a range can print without end). */
const MAX_OUTPUT_CHARS = 16 * 1024 * 1024;
/** What one execution may do: nested ranges that print nothing can still run for hours. */
export const MAX_STEPS = 5_000_000;

/** "No value was piped in": distinct from a piped-in undefined (a missing key). */
const NONE: unique symbol = Symbol("none");
type Piped = unknown | typeof NONE;

/** An error of one step, located by the executor at the node that made it. */
class StepError extends Error {
  constructor(readonly pos: number, message: string) {
    super(message);
  }
}

/**
 * Runs a parsed template over data. Variables live on one stack: a control
 * structure drops what was declared inside it when it ends, as in Go.
 */
export class TemplateExecutor {
  private out = "";
  private steps = 0;
  private readonly variables: { name: string; value: unknown }[] = [];

  constructor(private readonly source: string, private readonly functions: Readonly<Record<string, TemplateFunction>>) {}

  /** The template's text for `data`; throws {@link TemplateError} naming the position of what failed. */
  run(nodes: readonly TemplateNode[], data: unknown): string {
    this.out = "";
    this.steps = 0;
    this.variables.length = 0;
    this.variables.push({ name: "$", value: data });
    try {
      this.walk(nodes, data);
    } catch (e) {
      if (e instanceof StepError) throw new TemplateError(this.source, e.pos, `executing: ${e.message}`);
      throw e;
    }
    return this.out;
  }

  private walk(nodes: readonly TemplateNode[], dot: unknown): void {
    for (const n of nodes) {
      if (++this.steps > MAX_STEPS) throw new StepError(n.pos, `stopped after ${MAX_STEPS} steps: the template does too much (nested {{range}}?)`);
      switch (n.kind) {
        case "text":
          this.write(n.text, n.pos);
          break;
        case "action": {
          const v = this.pipeline(n.pipe, dot);
          if (n.pipe.variables.length === 0) this.write(goText(v), n.pos);
          break;
        }
        case "if":
        case "with": {
          const mark = this.variables.length;
          const v = this.pipeline(n.pipe, dot);
          if (isTrue(v)) this.walk(n.then, n.kind === "with" ? v : dot);
          else this.walk(n.otherwise, dot);
          this.variables.length = mark;
          break;
        }
        case "range":
          this.range(n, dot);
          break;
      }
    }
  }

  private range(n: Extract<TemplateNode, { kind: "range" }>, dot: unknown): void {
    const mark = this.variables.length;
    const pipe = { ...n.pipe, variables: [] };
    const v = this.pipeline(pipe, dot);
    let entries: [unknown, unknown][];
    if (v === undefined || v === null) entries = []; // Go ranges over a nil map or slice as over an empty one
    else if (Array.isArray(v)) entries = v.map((e, i) => [i, e]);
    else if (isMap(v)) entries = Object.keys(v).sort().map((k) => [k, v[k]]);
    else throw new StepError(n.pos, `range can't iterate over ${goText(v, false)} (a ${goTypeName(v)})`);
    if (entries.length === 0) this.walk(n.otherwise, dot);
    for (const [key, elem] of entries) {
      if (++this.steps > MAX_STEPS) throw new StepError(n.pos, `stopped after ${MAX_STEPS} steps: the template does too much (nested {{range}}?)`);
      this.variables.length = mark;
      const names = n.pipe.variables;
      if (names.length === 1) this.variables.push({ name: names[0]!, value: elem });
      if (names.length === 2) this.variables.push({ name: names[0]!, value: key }, { name: names[1]!, value: elem });
      this.walk(n.body, elem);
    }
    this.variables.length = mark;
  }

  private write(text: string, pos: number): void {
    if (this.out.length + text.length > MAX_OUTPUT_CHARS) throw new StepError(pos, `output passes ${MAX_OUTPUT_CHARS} characters`);
    this.out += text;
  }

  private pipeline(pipe: Pipeline, dot: unknown): unknown {
    let v: Piped = NONE;
    for (const c of pipe.commands) v = this.command(c, dot, v);
    if (pipe.isAssignment) {
      for (const name of pipe.variables) {
        const slot = this.variables.findLast((x) => x.name === name);
        if (slot) slot.value = v;
      }
    } else {
      for (const name of pipe.variables) this.variables.push({ name, value: v });
    }
    return v;
  }

  private command(c: Command, dot: unknown, piped: Piped): unknown {
    const [first, ...rest] = c.operands as [Operand, ...Operand[]];
    const args = (): unknown[] => [...rest.map((o) => this.argument(o, dot)), ...(piped === NONE ? [] : [piped])];
    switch (first.kind) {
      case "function":
        return this.call(first.name, args(), first.pos);
      case "field":
        return this.chain(dot, first.path, args(), first.pos);
      case "variable":
        return this.chain(this.variable(first.name, first.pos), first.path, args(), first.pos);
      case "pipeline":
        if (first.path.length > 0) return this.chain(this.pipeline(first.pipe, dot), first.path, args(), first.pos);
        break;
    }
    if (rest.length > 0 || piped !== NONE) throw new StepError(first.pos, `can't give argument to non-function ${first.kind === "literal" ? goText(first.value, false) : first.kind}`);
    return this.argument(first, dot);
  }

  /** An operand as an argument: a function named alone is called with none. */
  private argument(o: Operand, dot: unknown): unknown {
    switch (o.kind) {
      case "dot":
        return dot;
      case "literal":
        return o.value;
      case "function":
        return this.call(o.name, [], o.pos);
      case "field":
        return this.chain(dot, o.path, [], o.pos);
      case "variable":
        return this.chain(this.variable(o.name, o.pos), o.path, [], o.pos);
      case "pipeline":
        return this.chain(this.pipeline(o.pipe, dot), o.path, [], o.pos);
    }
  }

  private variable(name: string, pos: number): unknown {
    const slot = this.variables.findLast((x) => x.name === name);
    if (slot === undefined) throw new StepError(pos, `undefined variable ${name}`);
    return slot.value;
  }

  private call(name: string, args: unknown[], pos: number): unknown {
    const fn = this.functions[name];
    if (fn === undefined) throw new StepError(pos, `function ${JSON.stringify(name)} not defined`);
    try {
      return fn(...args);
    } catch (e) {
      throw new StepError(pos, `error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** `.A.B.C` from `receiver`; `args` go to the last name, which must then be a method. */
  private chain(receiver: unknown, path: readonly string[], args: unknown[], pos: number): unknown {
    let v = receiver;
    path.forEach((name, i) => {
      const last = i === path.length - 1;
      v = this.field(v, name, last ? args : [], path.slice(0, i + 1), pos);
    });
    if (path.length === 0 && args.length > 0) throw new StepError(pos, "can't give argument to non-function");
    return v;
  }

  private field(receiver: unknown, name: string, args: unknown[], path: readonly string[], pos: number): unknown {
    const at = `.${path.join(".")}`;
    // Go: a missing value has no fields, and none of them are there either.
    if (receiver === undefined) return undefined;
    if (receiver === null) throw new StepError(pos, `nil pointer evaluating ${at}`);
    if (receiver instanceof GoStruct) {
      if (!Object.hasOwn(receiver.fields, name)) {
        const why = receiver.unsupported[name];
        throw new StepError(pos, why !== undefined ? `${at}: ${why}` : `can't evaluate field ${name} in type ${receiver.typeName}`);
      }
      const v = receiver.fields[name];
      if (typeof v === "function") {
        try {
          return (v as (...a: unknown[]) => unknown)(...args);
        } catch (e) {
          throw new StepError(pos, `${at}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      if (args.length > 0) throw new StepError(pos, `${at} is not a method but has arguments`);
      return v;
    }
    if (isMap(receiver)) {
      if (args.length > 0) throw new StepError(pos, `${at} is not a method but has arguments`);
      return Object.hasOwn(receiver, name) ? receiver[name] : undefined;
    }
    throw new StepError(pos, `can't evaluate field ${name} in type ${goTypeName(receiver)} (at ${at})`);
  }
}
