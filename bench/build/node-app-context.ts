import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

// dist/bench/build/node-app-context.js → <repo>/bench/build/node-app-fixture (the .js files are not compiled)
export const NODE_FIXTURE_DIR = fileURLToPath(new URL("../../../bench/build/node-app-fixture/", import.meta.url));
/** The source file whose one line changes before a warm rebuild. */
export const MARK_FILE = "src/mark.js";
/** The CA file's name in docker's context; only the deps stage copies it. */
export const CA_IN_CONTEXT = "build-ca.pem";
/** The app listens here in both images. */
export const APP_PORT = 3000;

const MARK_LINE = /^export const BUILD_MARK = "[^"\n]*";$/gm;

/**
 * `source` with its one `export const BUILD_MARK = "…";` line set to `mark`. Throws unless there
 * is exactly one such line, and for a mark that is not a short `[A-Za-z0-9._-]` word (it ends
 * up in a JS string literal).
 */
export function withMark(source: string, mark: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(mark)) throw new Error(`build mark "${mark}": use 1 to 64 of A-Z a-z 0-9 . _ -`);
  const found = source.match(MARK_LINE)?.length ?? 0;
  if (found !== 1) throw new Error(`${MARK_FILE}: expected one line 'export const BUILD_MARK = "…";', found ${found}`);
  return source.replace(MARK_LINE, `export const BUILD_MARK = "${mark}";`);
}

/**
 * docker's Dockerfile for the app, laid out the standard cache-friendly way: package*.json,
 * `npm ci --omit=dev`, then the sources, so a source edit reruns only the last COPY. The
 * app lives in `app/` of the context so the CA file beside it is not part of the final
 * stage's copy. With `withCa`, a deps stage gets the build machine's CA (HTTPS here goes
 * through a proxy it signs; the legacy builder cannot mount secrets) for the one RUN that
 * needs it, and the final stage takes only node_modules from that stage.
 */
export function nodeDockerfile(base: string, withCa: boolean): string {
  const ca = withCa
    ? [`COPY ${CA_IN_CONTEXT} /tmp/${CA_IN_CONTEXT}`, `RUN NODE_EXTRA_CA_CERTS=/tmp/${CA_IN_CONTEXT} npm ci --omit=dev --no-audit --no-fund`]
    : ["RUN npm ci --omit=dev --no-audit --no-fund"];
  return [
    `FROM ${base} AS deps`,
    "ARG NPM_CONFIG_REGISTRY",
    "WORKDIR /app",
    "COPY app/package*.json ./",
    ...ca,
    "",
    `FROM ${base}`,
    "ENV NODE_ENV=production",
    "WORKDIR /app",
    "COPY --from=deps /app/node_modules ./node_modules",
    "COPY app/ ./",
    "USER 65532:65532",
    `EXPOSE ${APP_PORT}`,
    'CMD ["node", "server.js"]',
    "",
  ].join("\n");
}

/** The two build contexts of part (a), made from the one fixture. */
export interface NodeContexts {
  /** berth's: the project itself (berth's zero-config build refuses a context with a Dockerfile). */
  readonly berth: string;
  /** docker's: Dockerfile, .dockerignore, the CA file when there is one, and the project under app/. */
  readonly docker: string;
  /** The host CA file copied into docker's context, if any. */
  readonly caFile: string | undefined;
  /** Set the mark line in both contexts' {@link MARK_FILE}. */
  setMark(mark: string): Promise<void>;
}

/**
 * The CA bundle npm on this machine trusts beyond node's own: NODE_EXTRA_CA_CERTS, else
 * SSL_CERT_FILE; undefined when neither is set.
 */
export const hostCaFile = (env: NodeJS.ProcessEnv): string | undefined => env.NODE_EXTRA_CA_CERTS || env.SSL_CERT_FILE || undefined;

/** Copy the fixture into `dir`/berth and `dir`/docker/app and write docker's files around it. */
export async function makeNodeContexts(dir: string, base: string, caFile: string | undefined): Promise<NodeContexts> {
  const berth = join(dir, "berth-ctx");
  const docker = join(dir, "docker-ctx");
  // A node_modules someone made by hand in the fixture must not ride along into either context.
  const filter = (src: string): boolean => basename(src) !== "node_modules";
  await cp(NODE_FIXTURE_DIR, berth, { recursive: true, filter });
  await mkdir(docker, { recursive: true });
  await cp(NODE_FIXTURE_DIR, join(docker, "app"), { recursive: true, filter });
  if (caFile !== undefined) await cp(caFile, join(docker, CA_IN_CONTEXT));
  await writeFile(join(docker, "Dockerfile"), nodeDockerfile(base, caFile !== undefined));
  await writeFile(join(docker, ".dockerignore"), "app/node_modules\napp/.git\n");
  const original = await readFile(join(berth, MARK_FILE), "utf8");
  return {
    berth, docker, caFile,
    setMark: async (mark) => {
      const text = withMark(original, mark);
      await writeFile(join(berth, MARK_FILE), text);
      await writeFile(join(docker, "app", MARK_FILE), text);
    },
  };
}
