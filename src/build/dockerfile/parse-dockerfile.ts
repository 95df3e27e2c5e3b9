import type { ArgInstruction, Dockerfile, FromInstruction, Heredoc, Instruction, Stage } from "./dockerfile-ast.js";
import { DockerfileError, excerpt } from "./dockerfile-errors.js";
import { readDirectives } from "./parse-directives.js";
import { heredocMarkersInLine } from "./parse-heredocs.js";
import { opensHeredocs, parseInstruction, splitInstruction } from "./parse-instruction.js";
import { LineReader, splitLines, type LogicalLine } from "./parse-lines.js";

/**
 * Parse a Dockerfile as docker's own parser does (moby/buildkit
 * frontend/dockerfile/parser and instructions): directives at the top
 * (`# syntax=`, `# escape=`), comments, continuations with the escape
 * character, case-insensitive keywords, `--flags`, JSON (exec) or shell
 * form, heredocs for RUN/COPY/ADD, stages split at each FROM, ARGs before
 * the first FROM as globalArgs. Words stay as written; the builder expands
 * them (expand-words.ts) once ARG and ENV values are known.
 *
 * Deviations, on purpose: CRLF line ends are dropped from heredoc bodies
 * too; lines are not limited to 64 KiB; a trigger after ONBUILD is parsed
 * now, so a mistake in it fails here instead of in the builds that use the
 * image; RUN/CMD/ENTRYPOINT with no arguments at all are refused.
 *
 * Pure: no I/O. Throws DockerfileError naming `file` and the line.
 */
export function parseDockerfile(text: string, file = "Dockerfile"): Dockerfile {
  const lines = splitLines(text);
  const { escape, syntax } = readDirectives(lines, file);
  const reader = new LineReader(lines, escape);
  const globalArgs: ArgInstruction[] = [];
  const stages: { from: FromInstruction; instructions: Instruction[] }[] = [];
  const stageLines = new Map<string, number>();

  for (let logical = reader.nextInstruction(); logical; logical = reader.nextInstruction()) {
    const { heredocs, rawBodies } = readHeredocs(logical, reader, file);
    const instruction = parseInstruction({ file, line: logical.line, text: logical.text, escape, heredocs, rawBodies });
    if (instruction.kind === "FROM") {
      const name = instruction.stageName;
      if (name !== undefined) {
        const earlier = stageLines.get(name);
        if (earlier !== undefined) {
          throw new DockerfileError(file, instruction.line, `duplicate stage name "${name}" (first used at line ${earlier})`,
            "give each stage its own name after AS");
        }
        stageLines.set(name, instruction.line);
      }
      stages.push({ from: instruction, instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1]!.instructions.push(instruction);
    } else if (instruction.kind === "ARG") {
      globalArgs.push(instruction);
    } else {
      throw new DockerfileError(file, instruction.line, `${instruction.kind} before the first FROM`,
        "only ARG may come before FROM; start the stage with FROM image");
    }
  }
  if (stages.length === 0) {
    throw new DockerfileError(file, 0, "no FROM instruction", "a Dockerfile starts its first stage with FROM image (or FROM scratch)");
  }
  const built: Stage[] = stages.map((s, index) => ({ index, from: s.from, instructions: s.instructions }));
  return syntax === undefined ? { escape, globalArgs, stages: built } : { escape, syntax, globalArgs, stages: built };
}

/** The heredoc bodies an instruction line opens, read from the lines right after it. */
function readHeredocs(logical: LogicalLine, reader: LineReader, file: string): { heredocs: Heredoc[]; rawBodies: string[] } {
  const heredocs: Heredoc[] = [];
  const rawBodies: string[] = [];
  if (!opensHeredocs(splitInstruction(logical.text))) return { heredocs, rawBodies };
  for (const marker of heredocMarkersInLine(logical.text)) {
    const body = reader.readHeredoc(marker.name, marker.stripTabs);
    if (body === undefined) {
      throw new DockerfileError(file, logical.line, `unterminated heredoc: no line "${excerpt(marker.name)}" ends it`,
        `end the heredoc with a line holding only ${excerpt(marker.name)}${marker.stripTabs ? " (after tabs, for <<-)" : ""}`);
    }
    rawBodies.push(body);
    heredocs.push({
      name: marker.name,
      content: marker.stripTabs ? body.split("\n").map((l) => l.replace(/^\t+/, "")).join("\n") : body,
      expand: marker.expand,
    });
  }
  return { heredocs, rawBodies };
}
