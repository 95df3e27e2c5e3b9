import { Command, Option } from "commander";
import { join } from "node:path";
import type { RegistryConfig } from "../../registry/index.js";
import { InvalidArgumentError } from "../../oci/index.js";
import { resolveBerthRoot } from "../berth-root.js";
import type { GlobalOptions } from "../main.js";
import { ExitCode } from "../exit-codes.js";
import { formatBytes } from "../format.js";

const DEFAULT_ADDR = "127.0.0.1:5000";

// Loaded when a registry command runs: its dependencies (jose, zod, yaml,
// bcrypt) cost ~0.2 s of start-up that every other command would pay.
const registryLayer = (): Promise<typeof import("../../registry/index.js")> => import("../../registry/index.js");
const openStore = async (root: string): Promise<import("../../registry/index.js").RepositoryStore> => {
  const [{ RepositoryStore, registryPaths }, { ContentStore }] = await Promise.all([registryLayer(), import("../../content/index.js")]);
  return new RepositoryStore(root, new ContentStore(registryPaths(root).content));
};
const loadConfig = async (path: string | undefined): Promise<RegistryConfig | undefined> =>
  path ? (await registryLayer()).loadRegistryConfig(path) : undefined;

async function registryRoot(globals: GlobalOptions, config?: RegistryConfig): Promise<string> {
  return config?.root ?? join(resolveBerthRoot(globals.root), "registry");
}

/** `berth registry …`: serve, gc, fsck. */
export function registryCommand(globals: () => GlobalOptions): Command {
  const cmd = new Command("registry").description("run and maintain an OCI distribution registry");

  cmd
    .command("serve")
    .description("serve an OCI registry (distribution-spec v1.1) from <root>/registry")
    .option("--addr <host:port>", `address to listen on (default ${DEFAULT_ADDR}, or the config file's addr)`)
    .option("--config <file>", "YAML config: addr, root, tls {cert,key}, auth {htpasswd, token, anonymous, access}")
    .option("--tls-cert <file>", "serve HTTPS with this certificate (PEM)")
    .option("--tls-key <file>", "private key for --tls-cert (PEM)")
    .option("--log", "print one line per request")
    .addHelpText("after", "\nStops cleanly on SIGINT or SIGTERM. Without auth in the config, anyone who can reach the address may push and pull.")
    .action(async (opts: { addr?: string; config?: string; tlsCert?: string; tlsKey?: string; log?: boolean }) => {
      const config = await loadConfig(opts.config);
      const { serveRegistry } = await registryLayer();
      if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) {
        throw new InvalidArgumentError("--tls-cert and --tls-key go together", { hint: "give both, or put tls: {cert, key} in the config file" });
      }
      const tls = opts.tlsCert && opts.tlsKey ? { cert: opts.tlsCert, key: opts.tlsKey } : config?.tls;
      const addr = opts.addr ?? config?.addr ?? DEFAULT_ADDR;
      const root = await registryRoot(globals(), config);
      const running = await serveRegistry({
        addr, root,
        ...(tls && { tls }),
        ...(config?.auth && { auth: config.auth }),
        ...(config?.maxManifestBytes && { maxManifestBytes: config.maxManifestBytes }),
        ...(opts.log && { log: (l: string) => process.stdout.write(`${l}\n`) }),
      });
      process.stdout.write(`berth registry listening on ${running.url} (root ${root})\n`);
      if (!config?.auth && !/^(127\.|\[::1\]|localhost)/.test(running.host)) {
        process.stderr.write("warning: no auth configured and listening beyond loopback: anyone who reaches it can push\n");
      }
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void running.close().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });

  cmd
    .command("gc")
    .description("remove blobs no manifest references (and, with --delete-untagged, manifests no tag reaches); run with the server stopped")
    .option("--dry-run", "print what would be removed, remove nothing")
    .option("--delete-untagged", "also remove manifests that no tag, index or kept subject reaches")
    .option("--config <file>", "read the registry root from this config file")
    .addOption(new Option("--upload-max-age <hours>", "remove unfinished uploads older than this").default("24").argParser((v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`--upload-max-age: "${v}" is not a number of hours`);
      return String(n);
    }))
    .action(async (opts: { dryRun?: boolean; deleteUntagged?: boolean; config?: string; uploadMaxAge: string }) => {
      const config = await loadConfig(opts.config);
      const root = await registryRoot(globals(), config);
      const { garbageCollect } = await registryLayer();
      const r = await garbageCollect(await openStore(root), {
        dryRun: opts.dryRun === true,
        deleteUntagged: opts.deleteUntagged === true,
        uploadMaxAgeMs: Number(opts.uploadMaxAge) * 3600_000,
      });
      const verb = opts.dryRun ? "would remove" : "removed";
      for (const m of r.manifestsRemoved) process.stdout.write(`${verb} manifest ${m.repository}@${m.digest}\n`);
      for (const d of r.blobsRemoved) process.stdout.write(`${verb} blob ${d}\n`);
      process.stdout.write(
        `${verb} ${r.manifestsRemoved.length} manifests, ${r.blobsRemoved.length} blobs (${formatBytes(r.bytesFreed)}), ${r.uploadsRemoved} stale uploads; kept ${r.blobsKept} blobs\n`,
      );
    });

  cmd
    .command("fsck")
    .description("re-verify every blob against its digest and check manifests, blobs and tags agree")
    .option("--config <file>", "read the registry root from this config file")
    .option("--quiet", "print only problems")
    .action(async (opts: { config?: string; quiet?: boolean }) => {
      const config = await loadConfig(opts.config);
      const root = await registryRoot(globals(), config);
      const { fsck } = await registryLayer();
      const r = await fsck(await openStore(root));
      for (const p of r.problems) process.stdout.write(`${p.kind}: ${p.message}\n`);
      if (!opts.quiet || r.problems.length > 0) {
        process.stdout.write(`verified ${r.blobsVerified} blobs (${formatBytes(r.bytesVerified)}); ${r.problems.length} problems\n`);
      }
      if (r.problems.length > 0) process.exitCode = ExitCode.failure;
    });

  return cmd;
}
