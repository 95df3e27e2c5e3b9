import { randomUUID } from "node:crypto";

/** The four workflows of the OCI distribution-spec conformance suite. */
export type Workflow = "pull" | "push" | "contentDiscovery" | "contentManagement";

/**
 * Groups of checks a caller may turn off for a registry known not to support
 * them; each marked `it` is reported as skipped with the given reason (or a
 * default one for `true`).
 */
export interface SkippableChecks {
  /** Pull "400 response body should contain OCI-conforming JSON message" (GET of manifest `sha256:totallywrong`). */
  readonly errorCodes?: true | string;
  /** Push "Out-of-order blob upload should return 416" (a PATCH whose Content-Range does not start at the upload's size). */
  readonly outOfOrderChunks?: true | string;
  /** Push "Retry previous blob chunk should return 416" and "Get on stale blob upload …" (reusing an older upload Location). */
  readonly staleUploadSession?: true | string;
  /** Discovery "GET number of tags should be limitable by `n` …" and "GET start of tag is set by `last` …". */
  readonly tagPagination?: true | string;
  /** Management "DELETE request to manifest tag …" and the discovery teardown, whose deletions include a tag. */
  readonly tagDeletion?: true | string;
  /** OCI 1.1 referrers: discovery "References setup" (subject pushes, OCI-Subject header) and the four `/referrers/` listings. */
  readonly referrers?: true | string;
}

/**
 * Options of {@link conformanceSuite}, one per environment knob of the Go
 * suite (named in brackets). Only `rootUrl` and `namespace` are required.
 */
export interface ConformanceOptions {
  /** Base URL of the registry, e.g. `http://127.0.0.1:5000` [OCI_ROOT_URL]. Called when each request is made, so a server started in a `before` hook works. No request goes to another origin. */
  readonly rootUrl: () => string;
  /** Repository the workflows use, e.g. `conformance/main` [OCI_NAMESPACE]. */
  readonly namespace: string;
  /** Repository blobs are cross-mounted into [OCI_CROSSMOUNT_NAMESPACE]; default `conformance-<uuid>` as in Go. */
  readonly crossmountNamespace?: string;
  /** Credentials for Basic auth or for the Bearer token realm [OCI_USERNAME, OCI_PASSWORD]. */
  readonly username?: string;
  readonly password?: string;
  /** `scope` sent to the token realm instead of the challenge's [OCI_AUTH_SCOPE]. */
  readonly authScope?: string;
  /** Workflows to run [OCI_TEST_PULL, OCI_TEST_PUSH, OCI_TEST_CONTENT_DISCOVERY, OCI_TEST_CONTENT_MANAGEMENT]; each defaults to true here (Go defaults to false). */
  readonly workflows?: { readonly [W in Workflow]?: boolean };
  /** Delete manifests before the blobs they reference in teardowns; default true [OCI_DELETE_MANIFEST_BEFORE_BLOBS]. */
  readonly deleteManifestBeforeBlobs?: boolean;
  /**
   * Whether the registry mounts a blob without `from` [OCI_AUTOMATIC_CROSSMOUNT].
   * Undefined (the env var unset) skips the two checks about it.
   */
  readonly automaticCrossmount?: boolean;
  /**
   * Pull content that is already in the registry instead of pushing it
   * [OCI_BLOB_DIGEST, OCI_MANIFEST_DIGEST, OCI_TAG_NAME]. The pull setup and
   * teardown are skipped only when all three are given; a digest given alone
   * still replaces the computed ones, as in Go.
   */
  readonly blobDigest?: string;
  readonly manifestDigest?: string;
  readonly tagName?: string;
  /** Tags already in the registry; skips the discovery setup [OCI_TAG_LIST]. */
  readonly tagList?: readonly string[];
  /** Declare nothing for disabled workflows instead of skipped tests [OCI_HIDE_SKIPPED_WORKFLOWS]. */
  readonly hideSkippedWorkflows?: boolean;
  /** Log every request and response: true for stderr, or a line sink [OCI_DEBUG]. */
  readonly debug?: boolean | ((line: string) => void);
  /** Seed of the test data (Go uses Ginkgo's random seed); default 1. */
  readonly seed?: number;
  /** Abort a request (one round trip) after this long; default 30 000 ms. */
  readonly requestTimeoutMs?: number;
  /** Checks to report as skipped, for registries known to lack a feature. */
  readonly skip?: SkippableChecks;
  /** Name of the outer `describe`; default "OCI Distribution Conformance Tests". */
  readonly title?: string;
}

/** {@link ConformanceOptions} with defaults applied and the Go suite's derived switches. */
export interface ResolvedOptions extends ConformanceOptions {
  readonly crossmountNamespace: string;
  readonly enabled: { readonly [W in Workflow]: boolean };
  readonly deleteManifestBeforeBlobs: boolean;
  readonly seed: number;
  readonly requestTimeoutMs: number;
  readonly title: string;
  /** False when content to pull was named (all of blobDigest, manifestDigest and tagName). */
  readonly runPullSetup: boolean;
  /** False when {@link ConformanceOptions.tagList} was given. */
  readonly runContentDiscoverySetup: boolean;
  /** Sink for debug lines, or undefined. */
  readonly log: ((line: string) => void) | undefined;
}

/** Default reasons printed for {@link SkippableChecks} given as `true`. */
export const DEFAULT_SKIP_REASONS: { readonly [K in keyof SkippableChecks]-?: string } = {
  errorCodes: "the error body check was turned off (skip.errorCodes)",
  outOfOrderChunks: "the out-of-order chunk check was turned off (skip.outOfOrderChunks)",
  staleUploadSession: "the stale upload session checks were turned off (skip.staleUploadSession)",
  tagPagination: "the tag pagination checks were turned off (skip.tagPagination)",
  tagDeletion: "the tag deletion checks were turned off (skip.tagDeletion)",
  referrers: "the referrers checks were turned off (skip.referrers)",
};

/** Apply defaults and compute the switches setup.go derives from the environment. */
export function resolveOptions(opts: ConformanceOptions): ResolvedOptions {
  const w = opts.workflows ?? {};
  const debug = opts.debug;
  return {
    ...opts,
    crossmountNamespace: opts.crossmountNamespace ?? `conformance-${randomUUID()}`,
    enabled: {
      pull: w.pull ?? true,
      push: w.push ?? true,
      contentDiscovery: w.contentDiscovery ?? true,
      contentManagement: w.contentManagement ?? true,
    },
    deleteManifestBeforeBlobs: opts.deleteManifestBeforeBlobs ?? true,
    seed: opts.seed ?? 1,
    requestTimeoutMs: opts.requestTimeoutMs ?? 30_000,
    title: opts.title ?? "OCI Distribution Conformance Tests",
    runPullSetup: !(nonEmpty(opts.tagName) && nonEmpty(opts.manifestDigest) && nonEmpty(opts.blobDigest)),
    runContentDiscoverySetup: opts.tagList === undefined,
    log: typeof debug === "function" ? debug : debug === true ? (line) => console.error(line) : undefined,
  };
}

const nonEmpty = (s: string | undefined): boolean => s !== undefined && s !== "";

/** Go's strconv.ParseBool: 1, t, T, TRUE, true, True are true; anything else (also unset) is false. */
const parseBool = (value: string | undefined): boolean =>
  value !== undefined && ["1", "t", "T", "TRUE", "true", "True"].includes(value);

const envString = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
};

/**
 * Read the Go suite's environment variables into options, with Go's meaning:
 * a workflow runs only when its OCI_TEST_* variable is true. Throws when
 * OCI_ROOT_URL or OCI_NAMESPACE is missing, naming it.
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): ConformanceOptions {
  const rootUrl = envString(env, "OCI_ROOT_URL");
  const namespace = envString(env, "OCI_NAMESPACE");
  if (rootUrl === undefined || namespace === undefined) {
    throw new Error(`optionsFromEnv: OCI_ROOT_URL and OCI_NAMESPACE must be set, got ${JSON.stringify({ rootUrl, namespace })}`);
  }
  const deleteFirst = env.OCI_DELETE_MANIFEST_BEFORE_BLOBS;
  const autoMount = env.OCI_AUTOMATIC_CROSSMOUNT;
  const tagList = env.OCI_TAG_LIST;
  return {
    rootUrl: () => rootUrl,
    namespace,
    crossmountNamespace: envString(env, "OCI_CROSSMOUNT_NAMESPACE"),
    username: env.OCI_USERNAME,
    password: env.OCI_PASSWORD,
    authScope: envString(env, "OCI_AUTH_SCOPE"),
    workflows: {
      pull: parseBool(env.OCI_TEST_PULL),
      push: parseBool(env.OCI_TEST_PUSH),
      contentDiscovery: parseBool(env.OCI_TEST_CONTENT_DISCOVERY),
      contentManagement: parseBool(env.OCI_TEST_CONTENT_MANAGEMENT),
    },
    // Set but unparsable means false in Go (ParseBool's zero value); unset keeps the default.
    deleteManifestBeforeBlobs: deleteFirst === undefined ? undefined : parseBool(deleteFirst),
    automaticCrossmount: autoMount === undefined ? undefined : parseBool(autoMount),
    blobDigest: envString(env, "OCI_BLOB_DIGEST"),
    manifestDigest: envString(env, "OCI_MANIFEST_DIGEST"),
    tagName: envString(env, "OCI_TAG_NAME"),
    tagList: tagList === undefined || tagList === "" ? undefined : tagList.split(","),
    hideSkippedWorkflows: env.OCI_HIDE_SKIPPED_WORKFLOWS === "1",
    debug: parseBool(env.OCI_DEBUG),
  };
}
