import type { SpecSeccomp } from "./seccomp-profile.js";

/**
 * The part of the OCI runtime-spec config.json (config.md, config-linux.md,
 * version 1.0.2 as Debian's runc reads it) that berth writes. Field names
 * are the spec's.
 */
export interface RuntimeSpec {
  readonly ociVersion: string;
  readonly process: SpecProcess;
  readonly root: { readonly path: string; readonly readonly: boolean };
  readonly hostname?: string;
  readonly mounts: readonly SpecMount[];
  readonly linux: SpecLinux;
}

export interface SpecProcess {
  readonly terminal: boolean;
  readonly user: { readonly uid: number; readonly gid: number; readonly additionalGids?: readonly number[] };
  readonly args: readonly string[];
  readonly env: readonly string[];
  readonly cwd: string;
  readonly capabilities: {
    readonly bounding: readonly string[];
    readonly effective: readonly string[];
    readonly permitted: readonly string[];
  };
  readonly rlimits: readonly { readonly type: string; readonly soft: number; readonly hard: number }[];
  readonly noNewPrivileges: boolean;
}

export interface SpecMount {
  readonly destination: string;
  readonly type: string;
  readonly source: string;
  readonly options: readonly string[];
}

export interface SpecLinux {
  readonly namespaces: readonly { readonly type: string; readonly path?: string }[];
  readonly cgroupsPath: string;
  readonly resources: SpecResources;
  readonly maskedPaths: readonly string[];
  readonly readonlyPaths: readonly string[];
  readonly seccomp?: SpecSeccomp;
}

export interface SpecResources {
  readonly devices: readonly { readonly allow: boolean; readonly access: string }[];
  readonly memory?: { readonly limit: number; readonly swap?: number };
  readonly cpu?: { readonly quota: number; readonly period: number };
  readonly pids?: { readonly limit: number };
}
