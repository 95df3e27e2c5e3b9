/**
 * The first word of `argv` after the global options `--root DIR` and
 * `--debug`: a command's name, or an option. Its own module because the
 * launcher (bin/berth.cjs, through dist/bundle/command-word.cjs) reads it before it loads any bundle, to pick the
 * bundle of that command.
 */
export function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--root") i++;
    else if (a !== "--debug" && !a.startsWith("--root=")) return a;
  }
  return undefined;
}
