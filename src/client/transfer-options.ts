import { availableParallelism } from "node:os";
import { loadCredentials, type Credentials } from "./auth/docker-config.js";
import type { HttpTransport } from "./http-transport.js";
import type { ProgressListener } from "./progress.js";
import { RegistryClient } from "./registry-client.js";
import type { RetryOptions } from "./retry.js";

/** Options shared by pullImage, pushImage and copyImage. */
export interface TransferOptions {
  /** Credentials for a registry host; default: docker's config.json and credential helpers (loadCredentials). */
  readonly credentials?: (host: string) => Promise<Credentials | undefined>;
  /** Hosts spoken to in plain HTTP ("host:port", or "host" for any port); loopback hosts always are. */
  readonly insecureRegistries?: readonly string[];
  readonly transport?: HttpTransport;
  readonly userAgent?: string;
  readonly retry?: RetryOptions;
  /** Blobs transferred at once; default {@link defaultConcurrency}. */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
}

/**
 * Blobs transferred at once when not told: 3 to 6, more on machines with
 * more cores. Transfers wait on the network more than on the CPU, but each
 * stream hashes its bytes and writes them to disk; docker and containerd
 * default to 3, go-containerregistry to 4.
 */
export function defaultConcurrency(): number {
  return Math.min(6, Math.max(3, availableParallelism()));
}

/**
 * Blobs copied at once registry to registry when not told: 6, as skopeo. A
 * copy writes nothing locally, so it waits on the two registries more than on
 * this machine; measured on 2 cores, 6 streams took ~15% less time than 3.
 */
export const DEFAULT_COPY_CONCURRENCY = 6;

/** A RegistryClient for `host` configured from transfer options. */
export function clientFor(host: string, opts: TransferOptions): RegistryClient {
  const credentials = opts.credentials ?? ((h: string) => loadCredentials(h));
  return new RegistryClient(host, {
    credentials: () => credentials(host),
    ...(opts.insecureRegistries && { insecureRegistries: opts.insecureRegistries }),
    ...(opts.transport && { transport: opts.transport }),
    ...(opts.userAgent && { userAgent: opts.userAgent }),
    ...(opts.retry && { retry: opts.retry }),
  });
}
