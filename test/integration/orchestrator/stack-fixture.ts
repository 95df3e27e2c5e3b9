import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, type TestContext } from "node:test";
import { ImageStore } from "../../../src/image/index.js";
import { loadComposeProject, StackEngine, type ComposeProject, type StackEngineOptions, type StackEvent } from "../../../src/orchestrator/index.js";
import { ContainerRuntime, NetworkStore, type ContainerSummary } from "../../../src/runtime/index.js";
import { pidsWithCommandLine, terminate } from "../../support/process.js";
import { missingTools } from "../../support/require-root.js";
import { waitFor } from "../../support/wait-for.js";
import { randomSubnet } from "../runtime/containers/berth-session.js";
import { containersUnsupported, makeRuntimeFixture, type RuntimeFixture } from "../runtime/runtime-fixture.js";

/** The busybox image every root has: `/bin/busybox APPLET`; sh runs applets by name. */
export const IMAGE = "localhost/busybox:t1";
export const TOOLS = ["/usr/bin/conmon", "/usr/lib/podman/netavark", "/usr/lib/podman/aardvark-dns", "/usr/bin/tini-static"];
const PROJECT_LABEL = "com.docker.compose.project";

/**
 * One test file's berth root with the busybox image, a network store whose
 * bridges carry a prefix of this file's own (two files making networks at
 * once never pick the same bridge name), and the StackEngine over it.
 * {@link cleanup} takes every container, network, volume and process of the
 * root apart, then removes the temp dir, whatever the tests left.
 */
export class StackRoot {
  readonly runtime: ContainerRuntime;
  readonly networks: NetworkStore;
  private readonly subnets = new Map<string, string>();
  constructor(readonly fx: RuntimeFixture) {
    this.runtime = new ContainerRuntime(new ImageStore(fx.root));
    this.networks = new NetworkStore(fx.root, { bridgePrefix: `bs${randomBytes(3).toString("hex")}` });
  }

  get root(): string {
    return this.fx.root;
  }

  engine(opts: Omit<StackEngineOptions, "networks"> = {}): StackEngine {
    return new StackEngine(this.runtime, { networks: this.networks, pollMs: 100, ...opts });
  }

  /**
   * Write `yaml` as `<tmp>/<dir>/compose.yaml` (a `${SUBNET}` in it is replaced
   * by a random free /24, the same each time for one `dir`, so parallel files
   * never share a subnet) and load it.
   */
  async project(dir: string, yaml: string, extra: Record<string, string> = {}): Promise<ComposeProject> {
    const path = join(this.fx.tmp.path, dir);
    await mkdir(path, { recursive: true });
    const subnet = this.subnets.get(dir) ?? (await randomSubnet());
    this.subnets.set(dir, subnet);
    await writeFile(join(path, "compose.yaml"), yaml.replaceAll("${SUBNET}", subnet));
    for (const [name, text] of Object.entries(extra)) await writeFile(join(path, name), text);
    return (await loadComposeProject({ files: [join(path, "compose.yaml")], env: {} })).project;
  }

  /** The containers of `project` (by label), newest first. */
  async containers(project: string): Promise<ContainerSummary[]> {
    return (await this.runtime.list()).filter((c) => c.record.labels?.[PROJECT_LABEL] === project);
  }

  /** Name → id of the project's containers. */
  async ids(project: string): Promise<Record<string, string>> {
    return Object.fromEntries((await this.containers(project)).map((c) => [c.record.name ?? "", c.record.id]));
  }

  /** Nothing of `project` is left: no container, no network, no volume labelled for it, no stack dir. */
  async assertGone(project: string): Promise<void> {
    assert.deepEqual((await this.containers(project)).map((c) => c.record.name), [], "containers left");
    assert.deepEqual((await this.networks.list()).filter((n) => n.labels[PROJECT_LABEL] === project).map((n) => n.name), [], "networks left");
    assert.deepEqual((await this.runtime.ctx.volumes().list()).filter((v) => v.Labels[PROJECT_LABEL] === project).map((v) => v.Name), [], "volumes left");
  }

  /** Best effort, whatever the tests left: every container, then every labelled network and volume, the root's processes, the temp dir. */
  async cleanup(): Promise<void> {
    for (const c of await this.runtime.list().catch(() => [])) await this.runtime.remove(c.record, { force: true, volumes: true }).catch(() => undefined);
    for (const n of await this.networks.list().catch(() => [])) if (n.labels[PROJECT_LABEL] !== undefined) await this.networks.remove(n.name).catch(() => undefined);
    const volumes = this.runtime.ctx.volumes();
    for (const v of await volumes.list().catch(() => [])) await volumes.remove(v.Name, { force: true }).catch(() => undefined);
    // conmon, the health monitor and aardvark-dns of this root all carry its unique path.
    for (const pid of await pidsWithCommandLine(this.root)) await terminate(pid, 2_000).catch(() => undefined);
    await this.fx.tmp.remove();
  }
}

/**
 * Inside a describe block: a StackRoot made before its tests when this machine
 * can run containers with networks, cleaned up after even when tests failed.
 * Each test calls the accessor first: the root, or undefined after skipping with the reason.
 */
export function useStackRoot(): (t: TestContext) => StackRoot | undefined {
  let root: StackRoot | undefined;
  let why: string | undefined;
  before(async () => {
    why = await containersUnsupported();
    const missing = missingTools(TOOLS);
    if (why === undefined && missing.length > 0) why = `needs ${missing.join(", ")} (apt-get install conmon netavark aardvark-dns tini)`;
    if (why === undefined) root = new StackRoot(await makeRuntimeFixture());
  });
  after(async () => root?.cleanup());
  return (t) => {
    if (why !== undefined) {
      t.skip(why);
      return undefined;
    }
    assert.ok(root, "stack root not built");
    return root;
  };
}

/** Collects a stack operation's events. */
export class EventLog {
  readonly events: StackEvent[] = [];
  readonly sink = (e: StackEvent): void => void this.events.push(e);

  /** `action container` for events that changed a replica, in order. */
  changes(): string[] {
    return this.events.filter((e) => ["create", "recreate", "replace", "start", "stop", "remove"].includes(e.action)).map((e) => `${e.action} ${e.container ?? e.service}`);
  }

  clear(): void {
    this.events.length = 0;
  }
}

/** Poll `probe` (bounded) until it returns a value that is not undefined/false; the error names `what` and the last value. */
export const eventually = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> =>
  waitFor(what, probe, { timeoutMs });

/** Run `script` with sh in `container` (bounded): its exit code and output. */
export async function execIn(r: StackRoot, container: string, script: string): Promise<{ code: number; out: string }> {
  const chunks: Buffer[] = [];
  const code = await r.runtime.exec(container, ["/bin/sh", "-c", script], { capture: { chunks, maxBytes: 64 * 1024 }, timeoutMs: 40_000 });
  return { code, out: Buffer.concat(chunks).toString() };
}

/** {@link execIn} that must succeed: its output. */
export async function execOk(r: StackRoot, container: string, script: string): Promise<string> {
  const { code, out } = await execIn(r, container, script);
  assert.equal(code, 0, `${script}: ${out}`);
  return out;
}
