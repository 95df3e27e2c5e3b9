import { Command, CommanderError } from "commander";
import { commandWord } from "./command-word.js";
import { ExitCode, exitCodeFor } from "./exit-codes.js";
import { addGlobalOptions, type GlobalOptions } from "./global-options.js";
import { printError } from "./print-error.js";
import { VERSION } from "./version.js";

// For the launcher (bin/berth.cjs), which reads it from the bundle after main.
export { runPath } from "./run-path.js";

export type { GlobalOptions } from "./global-options.js";

type Globals = () => GlobalOptions;

/** A module of commands: the top-level names it defines, and how to load and make them. */
interface CommandModule {
  readonly names: readonly string[];
  /** Its file in ./commands, without extension: scripts/bundle.mjs makes one bundle per module from it. */
  readonly file: string;
  readonly load: (globals: Globals) => Promise<readonly Command[]>;
}

/**
 * Every top-level command, by the module that defines it. A command line
 * naming one of them loads that module alone: `berth run` does not load (nor
 * compile) the registry server, the builders or the image transfer code,
 * which is most of what a short command's start-up would cost. `names` must
 * match what each module defines (main.test.ts checks it).
 */
export const COMMAND_MODULES: readonly CommandModule[] = [
  { names: ["registry"], file: "registry-command", load: async (g) => [(await import("./commands/registry-command.js")).registryCommand(g)] },
  { names: ["image", "images", "tag", "rmi"], file: "image-commands", load: async (g) => (await import("./commands/image-commands.js")).imageCommands(g) },
  { names: ["pull", "push", "copy", "save", "load"], file: "transfer-commands", load: async (g) => (await import("./commands/transfer-commands.js")).transferCommands(g) },
  { names: ["login", "logout"], file: "login-commands", load: async () => (await import("./commands/login-commands.js")).loginCommands() },
  {
    names: ["run", "create"],
    file: "run-command",
    load: async (g) => {
      const m = await import("./commands/run-command.js");
      return [m.runCommand(g), m.createCommand(g)];
    },
  },
  { names: ["ps", "start", "stop", "restart", "kill", "rm", "wait", "inspect"], file: "container-commands", load: async (g) => (await import("./commands/container-commands.js")).containerCommands(g) },
  { names: ["exec", "logs", "top", "stats"], file: "container-io-commands", load: async (g) => (await import("./commands/container-io-commands.js")).containerIoCommands(g) },
  { names: ["port"], file: "port-command", load: async (g) => [(await import("./commands/port-command.js")).portCommand(g)] },
  { names: ["cp"], file: "cp-command", load: async (g) => [(await import("./commands/cp-command.js")).cpCommand(g)] },
  { names: ["network"], file: "network-commands", load: async (g) => [(await import("./commands/network-commands.js")).networkCommand(g)] },
  { names: ["volume"], file: "volume-commands", load: async (g) => [(await import("./commands/volume-commands.js")).volumeCommand(g)] },
  { names: ["base"], file: "base-command", load: async (g) => [(await import("./commands/base-command.js")).baseCommand(g)] },
  { names: ["build"], file: "build-command", load: async (g) => [(await import("./commands/build-command.js")).buildCommand(g)] },
  { names: ["up", "down", "service"], file: "stack-commands", load: async (g) => (await import("./commands/stack-commands.js")).stackCommands(g) },
  { names: ["daemon"], file: "daemon-commands", load: async (g) => (await import("./commands/daemon-commands.js")).daemonCommands(g) },
  { names: ["events"], file: "events-command", load: async (g) => [(await import("./commands/events-command.js")).eventsCommand(g)] },
  { names: ["rollout"], file: "rollout-commands", load: async (g) => [(await import("./commands/rollout-commands.js")).rolloutCommand(g)] },
  { names: ["recommend"], file: "recommend-command", load: async (g) => [(await import("./commands/recommend-command.js")).recommendCommand(g)] },
];

/**
 * Build the command tree for a command line whose first word after the
 * global options is `word` (see {@link commandWord}): only the module that
 * defines that command, none for `--version`, else every command (help, an
 * unknown command). Commands read globals through the callback, after parsing.
 */
export async function buildProgram(word?: string): Promise<Command> {
  const program = addGlobalOptions(new Command("berth")
    .description("berth: build, store, run and orchestrate OCI containers")
    .version(VERSION, "-v, --version", "print the version"))
    .showHelpAfterError("(run with --help for usage)");
  const globals: Globals = () => program.opts<GlobalOptions>();
  const only = COMMAND_MODULES.find((m) => word !== undefined && m.names.includes(word));
  const modules = word === "-v" || word === "--version" ? [] : only !== undefined ? [only] : COMMAND_MODULES;
  for (const m of modules) {
    for (const c of await m.load(globals)) program.addCommand(c);
  }
  return program;
}

/** Run the CLI; returns the exit code (the launcher sets it; nothing here exits the process). */
export async function main(argv: readonly string[]): Promise<number> {
  const word = commandWord(argv);
  const program = await buildProgram(word);
  for (const c of [program, ...allCommands(program)]) {
    c.exitOverride();
    c.configureHelp({ sortSubcommands: true, showGlobalOptions: true });
    c.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  }
  try {
    await program.parseAsync(argv as string[], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : ExitCode.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end by "throwing" with exit code 0.
      if (e.exitCode === 0) return ExitCode.ok;
      // Their exit code is the container's otherwise, so a bad command line must not read as one (docker's 125).
      return word !== undefined && CONTAINER_CODE_COMMANDS.has(word) ? ExitCode.containerCommandFailed : ExitCode.usage;
    }
    printError(e, program.opts<GlobalOptions>().debug === true);
    return exitCodeFor(e);
  }
}

/** Commands whose exit code is a container's: berth's own failures give 125 there, docker's code for them. */
const CONTAINER_CODE_COMMANDS = new Set(["run", "create", "exec"]);

function allCommands(c: Command): Command[] {
  return c.commands.flatMap((s) => [s, ...allCommands(s)]);
}
