import type { IncomingMessage, ServerResponse } from "node:http";
import { BerthError } from "../oci/index.js";
import { MISSING_ROUTE } from "./daemon-errors.js";
import { sendError } from "./http-json.js";

/** A route's handler: the request, the response, the path's captures, the query. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, params: readonly string[], query: URLSearchParams) => Promise<void>;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handler: RouteHandler;
}

/**
 * The API's routes: method and a path pattern whose groups are the
 * parameters (decoded). A dozen routes do not need a framework; a typed
 * error from a handler becomes its HTTP status with the error as JSON.
 */
export class ApiRouter {
  private readonly routes: Route[] = [];

  add(method: string, pattern: RegExp, handler: RouteHandler): this {
    this.routes.push({ method, pattern, handler });
    return this;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://berth");
    const matching = this.routes.filter((r) => r.pattern.test(url.pathname));
    const route = matching.find((r) => r.method === req.method);
    try {
      if (route === undefined) {
        throw matching.length > 0 ? new BerthError("INVALID_ARGUMENT", `${req.method ?? "?"} not allowed on ${url.pathname}`)
          : new BerthError("NOT_FOUND", `${MISSING_ROUTE} ${url.pathname}`, { hint: "is the CLI older or newer than the daemon? restart it with `berth daemon stop`" });
      }
      const params = (route.pattern.exec(url.pathname) ?? []).slice(1).map((p) => decodeURIComponent(p ?? ""));
      await route.handler(req, res, params, url.searchParams);
    } catch (e) {
      sendError(res, e);
    }
  }
}
