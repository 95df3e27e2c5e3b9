import type { IncomingMessage, ServerResponse } from "node:http";
import { buildImage } from "../build/index.js";
import type { ImageStore } from "../image/index.js";
import type { ContainerRuntime } from "../runtime/index.js";
import { InvalidArgumentError } from "../oci/index.js";
import {
  formatRecommendations, revisionHistoryRows, rolloutStatusRows, REVISION_COLUMNS, ROLLOUT_COLUMNS, StackNotKeptError,
  type LoggedEvent, type StackRollouts, type StackScaling, type StackSupervisor,
} from "../orchestrator/index.js";
import { ApiRouter } from "./api-router.js";
import { startForClient, streamAttachedRun } from "./attached-run.js";
import { parseBuildRequest, parseDownRequest, parseKillRequest, parseRunRequest, parseScaleRequest, parseStopRequest, parseUpRequest } from "./api-requests.js";
import { readJsonBody, sendJson, streamLines } from "./http-json.js";
import { FRAME_CONTENT_TYPE } from "./frame-stream.js";

/** What the routes need from the daemon besides the supervisor. */
export interface DaemonRouteContext {
  readonly supervisor: StackSupervisor;
  /** The image store builds write to. */
  readonly store: ImageStore;
  /** The runtime `berth run` hands its containers to. */
  readonly runtime: ContainerRuntime;
  /** The daemon's log (one line per build). */
  readonly log?: (line: string) => void;
  readonly scaling: StackScaling;
  readonly rollouts: StackRollouts;
  readonly info: () => Record<string, unknown>;
  /** Ask the daemon to stop after this answer is sent. */
  readonly shutdown: () => void;
  /** Extra per-stack detail for status (balanced ports). */
  readonly stackExtras?: (project: string) => Record<string, unknown>;
}

const NAME = "([a-z0-9][a-z0-9_-]*)";
/** A container's full id, as `run` answers it. */
const ID = "([0-9a-f]{64})";
/** compose allows more in a service's name than in a project's. */
const SVC = "([a-zA-Z0-9][a-zA-Z0-9._-]*)";

/**
 * The daemon's HTTP API, version 1 (docs/daemon-api.md): JSON in and out;
 * operations that take a while (`up`, `down`, `scale`, `stop`, `build`) answer with
 * NDJSON: their events as they happen, then the result or the error.
 */
export function daemonRoutes(ctx: DaemonRouteContext): ApiRouter {
  const sup = ctx.supervisor;
  return new ApiRouter()
    .add("GET", /^\/v1\/ping$/, async (_q, res) => sendJson(res, 200, { ok: true }))
    .add("GET", /^\/v1\/info$/, async (_q, res) => sendJson(res, 200, ctx.info()))
    .add("POST", /^\/v1\/shutdown$/, async (_q, res) => {
      sendJson(res, 202, { stopping: true });
      res.once("finish", ctx.shutdown);
    })
    .add("GET", /^\/v1\/stacks$/, async (_q, res) => sendJson(res, 200, sup.list().map((s) => ({
      project: s.stored.project, files: s.stored.files, workingDir: s.stored.workingDir, stopped: s.stored.stopped, updated: s.stored.updated,
      services: s.stored.services, readable: s.project !== undefined,
    }))))
    .add("POST", /^\/v1\/stacks\/up$/, async (req, res) => {
      const body = parseUpRequest(await readJsonBody(req));
      await streamLines(req, res, (s) => sup.up(body, { onEvent: s.event, onProgress: s.progress, signal: s.signal }));
    })
    .add("POST", /^\/v1\/build$/, async (req, res) => {
      // The CLI's `berth build` when a daemon runs: no Node start-up, and the builders' code already compiled.
      const body = parseBuildRequest(await readJsonBody(req));
      await streamLines(req, res, async (s) => {
        const started = Date.now();
        const built = await buildImage(ctx.store, body, { onProgress: s.progress, signal: s.signal });
        ctx.log?.(`built ${built.names.join(", ")} (${built.digest}) from ${body.context} in ${Date.now() - started} ms`);
        return built;
      });
    })
    .add("POST", /^\/v1\/containers\/run$/, async (req, res) => {
      // `berth run -d` when a daemon runs: the container is made and started here, warm; the CLI prints its id.
      const started = await startForClient(ctx.runtime, parseRunRequest(await readJsonBody(req)));
      sendJson(res, 200, "record" in started ? { id: started.record.id } : started);
    })
    .add("POST", /^\/v1\/containers\/run\/attached$/, async (req, res) => {
      // A foreground `berth run`: made, started, its output streamed back and its exit code last (see attached-run.ts).
      const body = parseRunRequest(await readJsonBody(req));
      res.writeHead(200, { "content-type": FRAME_CONTENT_TYPE });
      await streamAttachedRun(ctx.runtime, body, res);
    })
    .add("POST", new RegExp(`^/v1/containers/${ID}/kill$`), async (req, res, [id]) => {
      // The signals a foreground `berth run` receives, passed on to its container (docker's --sig-proxy).
      const { signal } = parseKillRequest(await readJsonBody(req));
      await ctx.runtime.kill(id!, signal);
      sendJson(res, 200, {});
    })
    .add("GET", new RegExp(`^/v1/stacks/${NAME}$`), async (_q, res, [name]) => {
      const status = await sup.engine.status(name!);
      sendJson(res, 200, { ...status, ...ctx.stackExtras?.(name!) });
    })
    .add("POST", new RegExp(`^/v1/stacks/${NAME}/down$`), async (req, res, [name]) => {
      const body = parseDownRequest(await readJsonBody(req));
      await streamLines(req, res, (s) => sup.down(name!, body, { onEvent: s.event }));
    })
    .add("POST", new RegExp(`^/v1/stacks/${NAME}/stop$`), async (req, res, [name]) => {
      const body = parseStopRequest(await readJsonBody(req));
      await streamLines(req, res, async (s) => {
        await sup.stopStack(name!, body, { onEvent: s.event });
        return { stopped: name };
      });
    })
    .add("POST", new RegExp(`^/v1/stacks/${NAME}/scale$`), async (req, res, [name]) => {
      const scale = parseScaleRequest(await readJsonBody(req));
      await streamLines(req, res, (s) => sup.scale(name!, scale, { onEvent: s.event, signal: s.signal }));
    })
    .add("GET", new RegExp(`^/v1/stacks/${NAME}/recommend$`), async (_q, res, [name], query) => {
      const kept = sup.get(name!);
      if (kept?.project === undefined) throw new StackNotKeptError(name!, kept === undefined ? "no such stack" : "its compose files could not be read");
      const service = query.get("service") ?? undefined;
      if (service !== undefined && kept.project.services[service] === undefined) throw new InvalidArgumentError(`no service ${service} in stack ${name}`, { hint: `services: ${Object.keys(kept.project.services).join(", ")}` });
      const formatted = formatRecommendations(ctx.scaling.recommend(kept, service));
      sendJson(res, 200, { header: formatted.header, rows: formatted.rows, recommendations: formatted.json });
    })
    .add("GET", new RegExp(`^/v1/stacks/${NAME}/rollouts$`), async (_q, res, [name]) => {
      // A stack the daemon does not keep has no rollouts to show: say so, not an empty table.
      if (sup.get(name!) === undefined) throw new StackNotKeptError(name!, "no such stack");
      const records = ctx.rollouts.status(name!);
      sendJson(res, 200, { header: ROLLOUT_COLUMNS, rows: rolloutStatusRows(records).map((r) => [r.service, r.state, r.revisions, r.detail, r.elapsed, r.updated]), records });
    })
    .add("GET", new RegExp(`^/v1/stacks/${NAME}/services/${SVC}/revisions$`), async (_q, res, [name, service]) => {
      const revisions = ctx.rollouts.history(name!, service!);
      sendJson(res, 200, {
        header: REVISION_COLUMNS, rows: revisionHistoryRows(revisions).map((r) => [r.revision, r.status, r.created, r.image, r.config, r.replicas]),
        revisions: revisions.map(({ plan: _plan, ...rest }) => rest),
      });
    })
    .add("POST", new RegExp(`^/v1/stacks/${NAME}/services/${SVC}/undo$`), async (req, res, [name, service]) => {
      await readJsonBody(req);
      await streamLines(req, res, async (s) => {
        const r = await ctx.rollouts.undo(name!, service!, { onEvent: s.event, signal: s.signal });
        return { state: r.state, detail: r.detail, revision: r.revision.revision };
      });
    })
    .add("GET", /^\/v1\/events$/, (req, res, _p, query) => streamEvents(sup, req, res, query));
}

/**
 * `GET /v1/events?after=ID&project=P&service=S&limit=N&follow=1`: the log as
 * NDJSON, then (follow) new events as they come; `last=N` instead of `limit`:
 * the newest N events that match.
 */
async function streamEvents(sup: StackSupervisor, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const num = (k: string): number | undefined => {
    const v = query.get(k);
    if (v === null) return undefined;
    if (!/^\d{1,15}$/.test(v)) throw new InvalidArgumentError(`${k}=${v}: a whole number`);
    return Number(v);
  };
  const afterId = num("after");
  const lastN = num("last");
  const limit = lastN ?? num("limit");
  const project = query.get("project") ?? undefined;
  const service = query.get("service") ?? undefined;
  const follow = query.get("follow") === "1" || query.get("follow") === "true";
  const wanted = (e: LoggedEvent): boolean => (project === undefined || e.project === project) && (service === undefined || e.service === service);
  // Subscribe before reading the log, so nothing falls between the two.
  const pending: LoggedEvent[] = [];
  let last = afterId ?? 0;
  let live = false;
  const send = (e: LoggedEvent): void => {
    if (e.id <= last || !wanted(e)) return;
    last = e.id;
    res.write(`${JSON.stringify(e)}\n`);
  };
  const unsubscribe = follow ? sup.follow((e) => (live ? send(e) : pending.push(e))) : () => undefined;
  try {
    const history = sup.state.events({ ...(afterId !== undefined && { afterId }), ...(project !== undefined && { project }), ...(service !== undefined && { service }), ...(limit !== undefined && { limit }), ...(lastN !== undefined && { newest: true }) });
    // The head goes once the query has run: a query the log refuses (limit=0) is answered as an error, not as an empty stream.
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    for (const e of history) send(e as LoggedEvent);
    if (!follow) return;
    for (const e of pending) send(e);
    live = true;
    await new Promise<void>((resolve) => {
      req.on("close", resolve);
      res.on("close", resolve);
    });
  } finally {
    unsubscribe();
    // Before the head, the router answers the error.
    if (res.headersSent) res.end();
  }
}
