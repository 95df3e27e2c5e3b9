import { posix } from "node:path";
import { parseGoDuration } from "../../oci/index.js";
import { normalizeSignal } from "../../runtime/index.js";
import type { ArgInstruction, CommandForm, CopyInstruction, FromInstruction, Instruction, RunInstruction } from "./dockerfile-ast.js";
import { DockerfileError } from "./dockerfile-errors.js";
import { DEFAULT_SHELL, setEnv, type StageState } from "./stage-state.js";

/** Expands `$VAR` in instruction words with the stage's variables (docker's shell-lexer rules). */
export interface Expander {
  /** One word, quotes removed, not split. */
  word(text: string): string;
  /** Split on unquoted whitespace, each word expanded. */
  words(text: string): string[];
  /** A heredoc body: variables expanded, quotes and escapes kept. */
  heredoc(text: string): string;
}

/** Instructions that change only the image config (WORKDIR shares their type but also makes its directory: the builder runs it). */
export type ConfigInstruction = Exclude<Instruction, FromInstruction | ArgInstruction | RunInstruction | CopyInstruction>;

const CONFIG_KINDS = new Set<string>(["ENV", "LABEL", "EXPOSE", "VOLUME", "USER", "STOPSIGNAL", "CMD", "ENTRYPOINT", "HEALTHCHECK", "SHELL", "ONBUILD", "MAINTAINER"]);
export const isConfigInstruction = (i: Instruction): i is ConfigInstruction => CONFIG_KINDS.has(i.kind);

const PORT = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/(tcp|udp|sctp))?$/i;

/**
 * Apply a config-only instruction to `state`, as docker does. Returns the
 * expanded form of the instruction, which goes into the cache key and the
 * image history. Throws DockerfileError for a bad port, duration or flag.
 */
export function applyConfigInstruction(state: StageState, ins: ConfigInstruction, x: Expander, file: string): string {
  const c = state.config;
  const fail = (msg: string, hint?: string): never => {
    throw new DockerfileError(file, ins.line, `${ins.kind}: ${msg}`, hint);
  };
  switch (ins.kind) {
    case "ENV": {
      // Each pair sees the values of the pairs before it only from the next instruction on, as docker.
      const pairs = ins.pairs.map((p) => ({ name: p.name, value: x.word(p.value) }));
      for (const p of pairs) setEnv(c, p.name, p.value);
      return `ENV ${pairs.map((p) => `${p.name}=${p.value}`).join(" ")}`;
    }
    case "LABEL": {
      const labels = { ...(c.Labels ?? {}) };
      const pairs = ins.pairs.map((p) => [x.word(p.name), x.word(p.value)] as const);
      for (const [k, v] of pairs) labels[k] = v;
      c.Labels = labels;
      return `LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(" ")}`;
    }
    case "EXPOSE": {
      const ports = { ...(c.ExposedPorts ?? {}) };
      const words = ins.words.flatMap((w) => x.words(w));
      for (const w of words) for (const p of expandPort(w, fail)) ports[p] = {};
      c.ExposedPorts = ports;
      return `EXPOSE ${words.join(" ")}`;
    }
    case "VOLUME": {
      const volumes = { ...(c.Volumes ?? {}) };
      const words = ins.words.flatMap((w) => x.words(w));
      if (words.length === 0 || words.some((w) => w === "")) fail("a volume path cannot be empty");
      for (const w of words) volumes[w] = {};
      c.Volumes = volumes;
      return `VOLUME ${JSON.stringify(words)}`;
    }
    case "WORKDIR":
      return fail("WORKDIR makes a directory: the builder runs it as a step");
    case "USER":
      c.User = x.word(ins.words[0] ?? fail("needs a user"));
      return `USER ${c.User}`;
    case "STOPSIGNAL": {
      const signal = x.word(ins.words[0] ?? fail("needs a signal"));
      // Checked as docker checks it, stored as written: an unknown name would only fail at `stop`, after the image shipped.
      try {
        normalizeSignal(signal);
      } catch {
        fail(`invalid signal ${JSON.stringify(signal)}`, "a signal name or number from 1 to 64, e.g. SIGTERM, SIGQUIT or 9");
      }
      c.StopSignal = signal;
      return `STOPSIGNAL ${c.StopSignal}`;
    }
    case "MAINTAINER":
      state.author = ins.words.join(" ");
      return `MAINTAINER ${state.author}`;
    case "CMD":
      c.Cmd = commandArgs(ins.command, state);
      state.cmdSet = true;
      return `CMD ${JSON.stringify(c.Cmd)}`;
    case "ENTRYPOINT":
      c.Entrypoint = commandArgs(ins.command, state);
      if (!state.cmdSet) delete c.Cmd; // docker: an ENTRYPOINT drops the base image's CMD
      const written = `ENTRYPOINT ${JSON.stringify(c.Entrypoint)}`;
      // `ENTRYPOINT []` leaves no Entrypoint in docker's config (an empty list is omitted), not [].
      if (c.Entrypoint.length === 0) delete c.Entrypoint;
      return written;
    case "SHELL":
      if (ins.args.length === 0) fail("needs a JSON array, e.g. SHELL [\"/bin/bash\", \"-c\"]");
      c.Shell = [...ins.args];
      return `SHELL ${JSON.stringify(c.Shell)}`;
    case "ONBUILD":
      c.OnBuild = [...(c.OnBuild ?? []), ins.trigger];
      return `ONBUILD ${ins.trigger}`;
    case "HEALTHCHECK": {
      if (ins.test === "NONE") {
        c.Healthcheck = { Test: ["NONE"] };
        return "HEALTHCHECK NONE";
      }
      const known = new Set(["interval", "timeout", "start-period", "start-interval", "retries"]);
      for (const f of Object.keys(ins.flags)) if (!known.has(f)) fail(`unknown flag --${f}`, "HEALTHCHECK takes --interval, --timeout, --start-period, --start-interval and --retries");
      const flag = (name: string): string | undefined => {
        const v = ins.flags[name];
        return v === undefined ? undefined : v === true ? fail(`--${name} needs a value`) : v;
      };
      const duration = (name: string): number | undefined => {
        const v = flag(name);
        if (v === undefined) return undefined;
        const ns = parseGoDuration(v);
        return ns === undefined || ns < 0 ? fail(`--${name}=${v}: not a duration such as 30s or 1m30s`) : ns;
      };
      const retriesText = flag("retries");
      const retries = retriesText === undefined ? undefined : Number(retriesText);
      if (retries !== undefined && (!Number.isInteger(retries) || retries < 0)) fail(`--retries=${retriesText}: expected a whole number ≥ 0`);
      const test = ins.test.form === "exec" ? ["CMD", ...ins.test.args] : ["CMD-SHELL", ins.test.command];
      const [interval, timeout, startPeriod, startInterval] = [duration("interval"), duration("timeout"), duration("start-period"), duration("start-interval")];
      c.Healthcheck = {
        Test: test,
        ...(interval !== undefined && { Interval: interval }),
        ...(timeout !== undefined && { Timeout: timeout }),
        ...(startPeriod !== undefined && { StartPeriod: startPeriod }),
        ...(startInterval !== undefined && { StartInterval: startInterval }),
        ...(retries !== undefined && { Retries: retries }),
      };
      return `HEALTHCHECK ${JSON.stringify(c.Healthcheck)}`;
    }
  }
}

/** WORKDIR's new working directory: relative paths build on the current one. */
export function nextWorkdir(current: string | undefined, path: string): string {
  return posix.normalize(posix.isAbsolute(path) ? path : posix.join(current || "/", path));
}

/** The argv of a CMD/ENTRYPOINT/RUN: exec form as written, shell form through the stage's SHELL. */
export function commandArgs(command: CommandForm, state: StageState): string[] {
  if (command.form === "exec") return [...command.args];
  return [...(state.config.Shell ?? DEFAULT_SHELL), command.command];
}

function expandPort(word: string, fail: (msg: string, hint?: string) => never): string[] {
  const m = PORT.exec(word);
  if (!m) return fail(`invalid port ${JSON.stringify(word)}`, "write PORT, PORT/PROTO or FIRST-LAST[/PROTO], e.g. 8080/tcp");
  const first = Number(m[1]);
  const last = m[2] === undefined ? first : Number(m[2]);
  if (first < 1 || last > 65535 || last < first || last - first > 65535) fail(`invalid port range ${JSON.stringify(word)}`);
  const proto = (m[3] ?? "tcp").toLowerCase();
  const out: string[] = [];
  for (let p = first; p <= last; p++) out.push(`${p}/${proto}`);
  return out;
}
