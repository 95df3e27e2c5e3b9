import { createInterface } from "node:readline";

/**
 * docker's prune question: write `question` on stdout, read one line from
 * stdin; only y or yes (any case) agrees, and a closed stdin does not.
 */
export async function confirm(question: string): Promise<boolean> {
  process.stdout.write(question);
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of rl) {
      if (!process.stdin.isTTY) process.stdout.write("\n");
      return /^\s*y(es)?\s*$/i.test(line);
    }
    return false;
  } finally {
    rl.close();
  }
}
