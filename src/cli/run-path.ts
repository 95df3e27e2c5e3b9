let path: string | undefined;

/**
 * Name the path this run takes, for a command whose paths run very different
 * code: `berth build` hands the build to the daemon (a little client code) or
 * runs the builders itself. The launcher keeps a code cache per path and
 * loads the one of the path the last successful run took (bin/berth.cjs): one
 * cache for both would make the client deserialise the builders' code.
 * Lower case letters, digits and dashes.
 */
export function setRunPath(name: string): void {
  path = name;
}

/** The path named with {@link setRunPath} in this run, or undefined (the command's usual one). */
export const runPath = (): string | undefined => path;
