import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../oci/index.js";
import { matchesContainerFilter, parseContainerFilter } from "./container-filter.js";
import type { ContainerRecord } from "./container-record.js";
import type { ContainerSummary } from "./container-runtime.js";
import type { ContainerState } from "./container-state.js";
import type { HealthStatus } from "./health-status.js";

const BUSYBOX_ID = `sha256:3f57d9401f8d${"0".repeat(52)}`;
const NGINX_ID = `sha256:9c1ffb7e0c2a${"1".repeat(52)}`;

function container(id: string, name: string, image: string, imageId: string, state: Partial<ContainerState>,
  extra: { labels?: Record<string, string>; health?: HealthStatus["status"] } = {}): ContainerSummary {
  const record = { id: id.padEnd(64, "0"), name, image, imageId, imageConfig: {}, lowerDirs: [], created: "2024-01-01T00:00:00Z", options: {},
    ...(extra.labels && { labels: extra.labels }) } as unknown as ContainerRecord;
  return {
    record, state: { status: "created", restartCount: 0, ...state }, command: ["sh"], ports: [],
    ...(extra.health && { health: { status: extra.health, failingStreak: 0, log: [], runId: "r" } }),
  };
}

const STARTED = "2024-01-01T00:00:01Z";
const CONTAINERS: readonly ContainerSummary[] = [
  container("aaa1", "c1", "docker.io/library/busybox:latest", BUSYBOX_ID, { status: "running", startedAt: STARTED }, { labels: { tier: "web", env: "prod" }, health: "healthy" }),
  container("aab2", "c10", "docker.io/library/busybox:latest", BUSYBOX_ID, { status: "exited", startedAt: STARTED, exitCode: 4 }, { labels: { tier: "web" } }),
  container("bbb3", "db", "docker.io/library/nginx:1.27", NGINX_ID, { status: "exited", startedAt: STARTED, exitCode: 137 }, { labels: { env: "prod" } }),
  container("ccc4", "idle", "localhost/busybox:bench", BUSYBOX_ID, { status: "created" }),
  // Its start failed: berth keeps it exited, with an exit code but no start time; docker calls it created.
  container("ddd5", "broken", "docker.io/library/nginx:1.27", NGINX_ID, { status: "exited", exitCode: 127 }),
];

interface Case {
  readonly filters: readonly string[];
  /** Names of the containers that pass. */
  readonly want?: readonly string[];
  readonly expectErr?: RegExp;
}

const CASES: readonly Case[] = [
  { filters: [], want: ["c1", "c10", "db", "idle", "broken"] },
  // One key repeated: any value (docker ORs them).
  { filters: ["status=exited", "status=running"], want: ["c1", "c10", "db"] },
  { filters: ["name=^db$", "name=^idle$"], want: ["db", "idle"] },
  { filters: ["exited=4", "exited=137"], want: ["c10", "db"] },
  { filters: ["id=aaa", "id=bbb"], want: ["c1", "db"] },
  // Different keys: all of them.
  { filters: ["status=exited", "status=running", "name=^c"], want: ["c1", "c10"] },
  { filters: ["label=tier=web", "status=exited"], want: ["c10"] },
  // label values must all hold, as docker's MatchKVList.
  { filters: ["label=tier", "label=env=prod"], want: ["c1"] },
  { filters: ["label=env"], want: ["c1", "db"] },
  { filters: ["label=env=dev"], want: [] },
  // name is a regular expression, tried with and without docker's leading "/".
  { filters: ["name=^c1$"], want: ["c1"] },
  { filters: ["name=c1"], want: ["c1", "c10"] },
  { filters: ["name=i."], want: ["idle"] },
  { filters: ["name=^/db$"], want: ["db"] },
  { filters: ["name=["], expectErr: /^--filter name=\[: not a regular expression/ },
  // id is a prefix.
  { filters: ["id=aa"], want: ["c1", "c10"] },
  { filters: ["id=a1"], want: [] },
  // status: docker's states; a failed start is created, not exited.
  { filters: ["status=created"], want: ["idle", "broken"] },
  { filters: ["status=exited"], want: ["c10", "db"] },
  { filters: ["status=dead"], want: [] },
  { filters: ["status=bogus"], expectErr: /^--filter status=bogus: unknown status bogus$/ },
  { filters: ["exited=127"], want: [] },
  { filters: ["exited=+4"], want: ["c10"] },
  { filters: ["exited=abc"], expectErr: /^--filter exited=abc: the exit code is not an integer$/ },
  { filters: ["exited="], expectErr: /not an integer/ },
  { filters: ["health=healthy"], want: ["c1"] },
  { filters: ["health=none"], want: ["c10", "db", "idle", "broken"] },
  { filters: ["health=bogus"], expectErr: /^--filter health=bogus: unknown health bogus$/ },
  // ancestor: the image by reference (normalised) or by id.
  { filters: ["ancestor=busybox"], want: ["c1", "c10"] },
  { filters: ["ancestor=busybox:latest"], want: ["c1", "c10"] },
  { filters: ["ancestor=docker.io/library/nginx:1.27"], want: ["db", "broken"] },
  { filters: ["ancestor=nginx"], want: [] },
  { filters: ["ancestor=localhost/busybox:bench"], want: ["idle"] },
  { filters: ["ancestor=3f57d9401f8d"], want: ["c1", "c10", "idle"] },
  { filters: [`ancestor=${NGINX_ID}`], want: ["db", "broken"] },
  { filters: ["ancestor=nginx:1.27", "ancestor=localhost/busybox:bench"], want: ["db", "idle", "broken"] },
  { filters: ["ancestor=Busybox"], expectErr: /^--filter ancestor=Busybox: not an image reference or id/ },
  // The form itself.
  { filters: ["status"], expectErr: /^--filter status: expected key=value$/ },
  { filters: ["volume=x"], expectErr: /^--filter volume=x: unknown key volume$/ },
];

describe("container filter", () => {
  for (const c of CASES) {
    it(c.filters.join(" ") || "(none)", () => {
      if (c.expectErr) {
        assert.throws(() => parseContainerFilter(c.filters), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && c.expectErr!.test(e.message));
        return;
      }
      const filter = parseContainerFilter(c.filters);
      assert.deepEqual(CONTAINERS.filter((s) => matchesContainerFilter(filter, s)).map((s) => s.record.name), c.want);
    });
  }

  it("only a status lists stopped containers without -a, as docker's", () => {
    assert.equal(parseContainerFilter(["status=exited"]).selectsStatus, true);
    assert.equal(parseContainerFilter(["name=^db$", "exited=137", "label=env", "ancestor=nginx:1.27"]).selectsStatus, false);
  });

  it("an invalid value names the valid ones in its hint", () => {
    assert.throws(() => parseContainerFilter(["status=bogus"]), (e: unknown) =>
      isBerthError(e) && e.hint === "status is one of created, restarting, running, removing, paused, exited, dead");
    assert.throws(() => parseContainerFilter(["health=bogus"]), (e: unknown) =>
      isBerthError(e) && e.hint === "health is one of starting, healthy, unhealthy, none");
  });
});
