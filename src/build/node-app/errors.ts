import { BerthError } from "../../oci/index.js";

/** A context with a Dockerfile: berth builds only package.json projects so far. */
export class DockerfileNotSupportedError extends BerthError {
  constructor(readonly file: string) {
    super("INVALID_ARGUMENT", `${file}: Dockerfile builds are not implemented yet; remove -f/Dockerfile or build it with docker build`, {
      hint: "without a Dockerfile, berth build packs a Node.js project (package.json) into a distroless image",
    });
  }
}

/** Dependencies declared but no lockfile to install them from. */
export class MissingLockfileError extends BerthError {
  constructor(readonly dir: string) {
    super("FAILED_PRECONDITION", `${dir}: package.json declares dependencies but there is no package-lock.json or npm-shrinkwrap.json`, {
      hint: "run npm install --package-lock-only and commit package-lock.json: the image installs exactly what the lock names (npm ci)",
    });
  }
}

/** `npm ci` failed or could not be started. */
export class NpmInstallError extends BerthError {
  constructor(readonly dir: string, detail: string, readonly output: string, cause?: unknown) {
    super("FAILED_PRECONDITION", `npm ci --omit=dev in a copy of ${dir}'s package.json and lockfile: ${detail}${output ? `\n${output}` : ""}`, {
      cause,
      hint: "run npm ci --omit=dev in the project to see the full error; npm's own registry config (.npmrc, npm config) is used",
    });
  }
}

/** Native addons built for another Node.js ABI than the image's node. */
export class NativeAddonMismatchError extends BerthError {
  constructor(readonly files: readonly string[], readonly builtFor: string, readonly imageAbi: number) {
    super("FAILED_PRECONDITION", `native addons built for Node.js ABI ${builtFor}, but the image's node has ABI ${imageAbi}: ${files.slice(0, 5).join(", ")}${files.length > 5 ? ` and ${files.length - 5} more` : ""}`, {
      hint: "npm runs on this machine: run berth with a Node.js of the image's major version (Debian's nodejs), or use dependencies with N-API or no native code",
    });
  }
}
