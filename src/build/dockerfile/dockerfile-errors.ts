import { BerthError, type BerthErrorOptions, type ErrorCode } from "../../oci/index.js";

/** Longest excerpt of user text quoted in a message: a 1 MB line must not become a 1 MB message. */
const MAX_QUOTED = 120;

/** `text` cut to a length a terminal line can show, marked when cut. */
export function excerpt(text: string, max = MAX_QUOTED): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

export interface DockerfileErrorOptions {
  /** Default INVALID_ARGUMENT (a mistake in the Dockerfile); the builder uses others, e.g. NOT_FOUND for a missing COPY source. */
  readonly code?: ErrorCode;
  readonly cause?: unknown;
}

/**
 * Something wrong at a line of a Dockerfile: a parse error, or (thrown by the
 * builder) a step that failed there. The message reads
 * `Dockerfile:12: unknown instruction: COPPY`, as docker's does; line 0 means
 * the file as a whole (`Dockerfile: no FROM instruction`). `hint` says what to
 * do about it; `opts.code` picks the error code, `opts.cause` keeps the
 * underlying error.
 */
export class DockerfileError extends BerthError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
    hint?: string,
    opts: DockerfileErrorOptions = {},
  ) {
    const berthOpts: BerthErrorOptions = { ...(hint !== undefined && { hint }), ...("cause" in opts && { cause: opts.cause }) };
    super(opts.code ?? "INVALID_ARGUMENT", `${file}${line > 0 ? `:${line}` : ""}: ${detail}`, berthOpts);
  }
}

/**
 * A word that docker's shell lexer rejects (`${`, `${VAR:?msg}` with VAR
 * unset, a bad `${…}` modifier). Thrown by expandWord/expandWords, which do
 * not know the line; the builder wraps it in a DockerfileError naming it.
 */
export class WordExpansionError extends BerthError {
  constructor(
    readonly word: string,
    readonly detail: string,
  ) {
    super("INVALID_ARGUMENT", `failed to process "${excerpt(word)}": ${detail}`, {
      hint: "quote or escape a literal $ ('$X' or \\$X); ${VAR:?message} fails on purpose when VAR is unset or empty",
    });
  }
}
