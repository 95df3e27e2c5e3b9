/**
 * A parsed Dockerfile: the contract between the parser (parse-dockerfile.ts)
 * and the builder (build-dockerfile.ts). Words are kept as written — variable
 * expansion happens at build time, when ARG and ENV values are known (see
 * expand-words.ts) — except where docker itself never expands.
 */

/** Where an instruction starts in the Dockerfile (1-based), for errors. */
export interface SourceLine {
  readonly line: number;
  /** The instruction as written (continuations joined), for build output and history. */
  readonly text: string;
}

/** A heredoc body: `<<EOF` / `<<-EOF` / `<<"EOF"` (quoted: never expanded). */
export interface Heredoc {
  /** The delimiter word as given, without `<<`, `-` and quotes. */
  readonly name: string;
  /** The body lines joined with "\n", ending with "\n"; leading tabs already removed for `<<-`. */
  readonly content: string;
  /** False when the delimiter was quoted: the body is taken literally. */
  readonly expand: boolean;
}

/** `--name=value` flags before the arguments (`--from`, `--chown`, `--chmod`, `--link`, `--platform`, `--mount`, `--network`, `--interval`, …). */
export type InstructionFlags = Readonly<Record<string, string | true>>;

/**
 * A command in shell form (`RUN echo $HOME`: run through SHELL) or exec form
 * (`RUN ["echo", "hi"]`: JSON array, run directly, no expansion).
 */
export type CommandForm =
  | { readonly form: "shell"; readonly command: string }
  | { readonly form: "exec"; readonly args: readonly string[] };

interface Base extends SourceLine {
  readonly flags: InstructionFlags;
}

export interface FromInstruction extends Base {
  readonly kind: "FROM";
  /** Image reference, `scratch`, or an earlier stage's name — unexpanded (may hold `${ARG}`). */
  readonly image: string;
  /** `AS name`, lower-cased as docker does. */
  readonly stageName?: string;
}
export interface ArgInstruction extends Base {
  readonly kind: "ARG";
  /** One or more `NAME[=default]`; default unexpanded. */
  readonly args: readonly { readonly name: string; readonly default?: string }[];
}
export interface EnvInstruction extends Base {
  readonly kind: "ENV";
  /** `ENV A=1 B="x y"` or the legacy `ENV A 1 2`; values unexpanded but unquoted per docker's word rules at build time. */
  readonly pairs: readonly { readonly name: string; readonly value: string }[];
}
export interface LabelInstruction extends Base {
  readonly kind: "LABEL";
  readonly pairs: readonly { readonly name: string; readonly value: string }[];
}
export interface RunInstruction extends Base {
  readonly kind: "RUN";
  readonly command: CommandForm;
  readonly heredocs: readonly Heredoc[];
}
export interface CopyInstruction extends Base {
  readonly kind: "COPY" | "ADD";
  /** Sources as written (globs, URLs for ADD); for a heredoc source `<<EOF`, the heredoc is in `heredocs`. */
  readonly sources: readonly string[];
  readonly destination: string;
  readonly heredocs: readonly Heredoc[];
}
export interface CommandInstruction extends Base {
  readonly kind: "CMD" | "ENTRYPOINT";
  readonly command: CommandForm;
}
export interface ShellInstruction extends Base {
  readonly kind: "SHELL";
  /** Always exec form. */
  readonly args: readonly string[];
}
export interface WordsInstruction extends Base {
  /** EXPOSE ports, VOLUME paths (JSON or words), WORKDIR/USER/STOPSIGNAL/MAINTAINER (one word each), unexpanded. */
  readonly kind: "EXPOSE" | "VOLUME" | "WORKDIR" | "USER" | "STOPSIGNAL" | "MAINTAINER";
  readonly words: readonly string[];
}
export interface HealthcheckInstruction extends Base {
  readonly kind: "HEALTHCHECK";
  /** `NONE` disables the base's check; otherwise the CMD in shell or exec form, with --interval etc. in flags. */
  readonly test: "NONE" | CommandForm;
}
export interface OnbuildInstruction extends Base {
  readonly kind: "ONBUILD";
  /** The trigger as written (`COPY . /app`), stored in the image config's OnBuild. */
  readonly trigger: string;
}

export type Instruction =
  | FromInstruction | ArgInstruction | EnvInstruction | LabelInstruction | RunInstruction | CopyInstruction
  | CommandInstruction | ShellInstruction | WordsInstruction | HealthcheckInstruction | OnbuildInstruction;

/** One `FROM` and what follows it up to the next `FROM`. */
export interface Stage {
  /** 0-based position; `--from=0` refers to it. */
  readonly index: number;
  readonly from: FromInstruction;
  readonly instructions: readonly Instruction[];
}

/** A whole Dockerfile. */
export interface Dockerfile {
  /** `# escape=` directive; default backslash. */
  readonly escape: "\\" | "`";
  /** `# syntax=` directive when present; berth ignores it (it builds with its own frontend) but reports it. */
  readonly syntax?: string;
  /** ARGs before the first FROM: usable in FROM lines, and in a stage after a bare `ARG NAME`. */
  readonly globalArgs: readonly ArgInstruction[];
  readonly stages: readonly Stage[];
}
