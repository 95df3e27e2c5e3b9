import { buildBench } from "./build.bench.js";
import { Cleanup } from "./harness/cleanup.js";
import type { Bench } from "./harness/bench.js";
import { pullBench } from "./pull.bench.js";
import { registryBench } from "./registry.bench.js";
import { runBench } from "./run.bench.js";
import { upBench } from "./up.js";

/** Benchmarks by name. Add new ones here. */
const BENCHES: readonly Bench[] = [registryBench, pullBench, runBench, buildBench, upBench];

function usage(): string {
  const names = BENCHES.map((b) => `  ${b.name.padEnd(10)} ${b.description}`).join("\n");
  return `usage: node dist/bench/run.js <bench> [options]   (or: npm run bench -- <bench> [options])\n\navailable benches:\n${names}\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  const bench = BENCHES.find((b) => b.name === name);
  if (!bench) {
    if (name !== undefined && name !== "--help" && name !== "-h") process.stderr.write(`unknown bench "${name}"\n`);
    process.stderr.write(usage());
    return 2;
  }
  const cleanup = new Cleanup();
  let interrupted = false;
  // Ctrl-C or a kill still stops the servers and removes the temp dirs.
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupted = true;
    process.stderr.write(`\n${sig}: stopping servers, removing temp dirs\n`);
    void cleanup.run().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return await bench.run(rest, cleanup);
  } catch (err) {
    // After Ctrl-C the servers are gone and in-flight requests fail; that is not news.
    if (interrupted) return 130;
    process.stderr.write(`bench ${bench.name} failed: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  } finally {
    await cleanup.run();
  }
}

process.exitCode = await main(process.argv.slice(2));
