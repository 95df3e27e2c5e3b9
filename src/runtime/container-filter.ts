import { formatReference, InvalidArgumentError, parseReference } from "../oci/index.js";
import type { ContainerSummary } from "./container-runtime.js";

/** The `ps --filter` keys berth reads: docker's names and meanings. */
export const CONTAINER_FILTER_KEYS = ["id", "name", "label", "status", "health", "exited", "ancestor"] as const;
export type ContainerFilterKey = (typeof CONTAINER_FILTER_KEYS)[number];

// docker's states. berth never has a paused or dead container, but docker's cleanup idiom
// `ps -aq -f status=dead` is valid there, so it is valid here and lists nothing.
const STATUSES = ["created", "restarting", "running", "removing", "paused", "exited", "dead"] as const;
const HEALTH_STATES = ["starting", "healthy", "unhealthy", "none"] as const;

type Test = (c: ContainerSummary) => boolean;

/**
 * A parsed `ps --filter` list. As docker's daemon does, a container passes
 * when, for every key given, one of that key's values matches it: values of
 * one key are ORed, keys are ANDed. `label` is docker's exception: every
 * label value given must hold (its MatchKVList).
 */
export interface ContainerFilter {
  /** Per key given, one test per value, in the order given. */
  readonly tests: ReadonlyMap<ContainerFilterKey, readonly Test[]>;
  /** A `status` was given: as in docker, only that lists stopped containers without `-a` (`ps -q -f name=^web$` asks whether web runs). */
  readonly selectsStatus: boolean;
}

/**
 * Parse `--filter` values (`key=value` each). Throws InvalidArgumentError
 * naming the filter for: no `=`, an unknown key, a status or health that
 * does not exist, an exit code that is not an integer, a name that is not
 * a regular expression, an ancestor that is neither a reference nor an id.
 */
export function parseContainerFilter(filters: readonly string[]): ContainerFilter {
  const tests = new Map<ContainerFilterKey, Test[]>();
  for (const f of filters) {
    const i = f.indexOf("=");
    if (i < 1) throw new InvalidArgumentError(`--filter ${f}: expected key=value`, { hint: `keys: ${CONTAINER_FILTER_KEYS.join(", ")}` });
    const key = f.slice(0, i);
    if (!isFilterKey(key)) throw new InvalidArgumentError(`--filter ${f}: unknown key ${key}`, { hint: `keys: ${CONTAINER_FILTER_KEYS.join(", ")}` });
    tests.set(key, [...(tests.get(key) ?? []), testFor(key, f.slice(i + 1), f)]);
  }
  return { tests, selectsStatus: tests.has("status") };
}

/** True when `c` passes `filter` (see ContainerFilter); an empty filter passes every container. */
export function matchesContainerFilter(filter: ContainerFilter, c: ContainerSummary): boolean {
  for (const [key, tests] of filter.tests) {
    const passes = key === "label" ? tests.every((t) => t(c)) : tests.some((t) => t(c));
    if (!passes) return false;
  }
  return true;
}

const isFilterKey = (k: string): k is ContainerFilterKey => (CONTAINER_FILTER_KEYS as readonly string[]).includes(k);
const isOneOf = <T extends string>(all: readonly T[], v: string): v is T => (all as readonly string[]).includes(v);

/** docker's state of a container: a failed start of one that never ran is `created` (earlier berth wrote `exited` with no start time, and such state files remain). */
export const dockerState = (c: ContainerSummary): string =>
  c.state.status === "exited" && c.state.startedAt === undefined ? "created" : c.state.status;

function testFor(key: ContainerFilterKey, value: string, filter: string): Test {
  const invalid = (what: string, hint: string): InvalidArgumentError => new InvalidArgumentError(`--filter ${filter}: ${what}`, { hint });
  switch (key) {
    case "id": return (c) => c.record.id.startsWith(value);
    case "name": {
      let re: RegExp;
      try {
        re = new RegExp(value);
      } catch (e) {
        throw invalid(`not a regular expression (${(e as Error).message})`, "name= is a regular expression, as in docker: ^web$ for exactly web");
      }
      // docker's names start with "/"; it tries the pattern with and without it (`name=^/web$` works there).
      return (c) => re.test(c.record.name ?? "") || re.test(`/${c.record.name ?? ""}`);
    }
    case "label": {
      const j = value.indexOf("=");
      const labelKey = j < 0 ? value : value.slice(0, j);
      return (c) => {
        const labels = c.record.labels ?? {};
        return Object.hasOwn(labels, labelKey) && (j < 0 || labels[labelKey] === value.slice(j + 1));
      };
    }
    case "status":
      if (!isOneOf(STATUSES, value)) throw invalid(`unknown status ${value}`, `status is one of ${STATUSES.join(", ")}`);
      return (c) => dockerState(c) === value;
    case "health":
      if (!isOneOf(HEALTH_STATES, value)) throw invalid(`unknown health ${value}`, `health is one of ${HEALTH_STATES.join(", ")}`);
      return (c) => (c.health?.status ?? "none") === value;
    case "exited": {
      // docker reads it with Go's strconv.Atoi: an optional sign, then decimal digits.
      const code = /^[+-]?\d{1,10}$/.test(value) ? Number(value) : NaN;
      if (Number.isNaN(code)) throw invalid("the exit code is not an integer", "e.g. exited=0 or exited=137");
      return (c) => dockerState(c) === "exited" && c.state.exitCode === code;
    }
    case "ancestor": return ancestorTest(value, invalid);
  }
}

/**
 * The image a container was made from, named by reference (normalised: `busybox`
 * is docker.io/library/busybox:latest) or by image id or a prefix of it (4 hex
 * digits or more, with or without `sha256:`). Unlike docker, images built on that
 * image are not followed: berth's records keep no parent chain.
 */
function ancestorTest(value: string, invalid: (what: string, hint: string) => InvalidArgumentError): Test {
  const hex = value.replace(/^sha256:/, "");
  const idPrefix = /^[a-f0-9]{4,64}$/.test(hex) ? hex : undefined;
  let reference: string | undefined;
  try {
    reference = formatReference(parseReference(value));
  } catch (e) {
    if (idPrefix === undefined) throw invalid(`not an image reference or id (${(e as Error).message})`, "e.g. ancestor=busybox:1.36 or ancestor=sha256:3f57d9401f8d");
  }
  return (c) => (idPrefix !== undefined && c.record.imageId.replace(/^sha256:/, "").startsWith(idPrefix)) ||
    (reference !== undefined && normalisedImage(c.record.image) === reference);
}

/** A record's image as formatReference writes it; the record keeps the store's name, or what the user typed for an id. */
function normalisedImage(image: string): string | undefined {
  try {
    return formatReference(parseReference(image));
  } catch {
    return undefined;
  }
}
