import type { IncomingMessage, ServerResponse } from "node:http";
import { InvalidArgumentError } from "../oci/index.js";
import { httpStatusOf, toWireError, type StreamLine } from "./api-wire.js";

/** Largest request body the API reads: a compose project's options, never file contents. */
const MAX_BODY = 1 << 20;

/** The request's JSON body (an object), bounded; a body that is not one is an InvalidArgumentError. */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new InvalidArgumentError(`request body over ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new InvalidArgumentError("request body is not JSON");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new InvalidArgumentError("request body must be a JSON object");
  return v as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, e: unknown): void {
  const w = toWireError(e);
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, httpStatusOf(w.code), { error: w });
}

/** A streamed answer: NDJSON lines as the work goes on; its result or error is the last line. */
export interface LineStream<E> {
  event(e: E): void;
  progress(line: string): void;
  /** Aborted when the client goes away (the CLI was interrupted). */
  readonly signal: AbortSignal;
}

/** Run `work`, streaming its events to `res` as NDJSON; a failure after the header is sent travels as the last line. */
export async function streamLines<E, R>(req: IncomingMessage, res: ServerResponse, work: (s: LineStream<E>) => Promise<R>): Promise<void> {
  const ac = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) ac.abort();
  });
  res.writeHead(200, { "content-type": "application/x-ndjson" });
  const write = (line: StreamLine<E, R>): void => {
    if (!res.destroyed) res.write(`${JSON.stringify(line)}\n`);
  };
  try {
    const result = await work({ event: (event) => write({ event }), progress: (progress) => write({ progress }), signal: ac.signal });
    write({ result });
  } catch (e) {
    write({ error: toWireError(e) });
  }
  res.end();
  void req;
}
