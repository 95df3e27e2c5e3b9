// @ts-check
// The shop's cart: one redis hash per cart (`cart:<id>`: sku → quantity), so
// every replica sees the same carts and any of them can answer.
//
//   GET    /carts/:id          → {id, items: [{sku, qty}], count}
//   POST   /carts/:id/items    {"sku": "…", "qty": 1..10} → the cart after the add
//   DELETE /carts/:id          → 204
//   GET    /healthz            → 200 when redis answers PING, else 503
//
// Env: PORT (3002), HOST (default every address), REDIS_URL (redis://redis:6379).
import { createServer } from "node:http";
import { hostname } from "node:os";
import { RedisClient } from "./redis-client.js";

const PORT = Number(process.env.PORT ?? 3002);
const SERVED_BY = hostname();
const redis = new RedisClient(process.env.REDIS_URL ?? "redis://redis:6379", { timeoutMs: 2_000 });

const CART_ID = /^[A-Za-z0-9_-]{1,64}$/;
const SKU = /^[a-z0-9][a-z0-9-]{0,39}$/;
const MAX_ITEMS = 50;
const MAX_BODY = 4 * 1024;
// Abandoned carts go away by themselves.
const CART_TTL_SECONDS = 7 * 24 * 3600;

/** A client error, answered with its status and message. */
class HttpError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** @param {import("node:http").ServerResponse} res @param {number} status @param {unknown} value */
function sendJson(res, status, value) {
  const text = value === undefined ? "" : JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), "x-served-by": SERVED_BY });
  res.end(text);
}

/** The body as JSON; at most MAX_BODY bytes. @param {import("node:http").IncomingMessage} req @returns {Promise<unknown>} */
async function readJson(req) {
  if (!/^application\/json\b/.test(req.headers["content-type"] ?? "")) throw new HttpError(415, "send Content-Type: application/json");
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, `body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "body is not JSON");
  }
}

/** @param {string} id */
async function readCart(id) {
  const flat = await redis.command("HGETALL", `cart:${id}`);
  const items = [];
  for (let i = 0; Array.isArray(flat) && i + 1 < flat.length; i += 2) items.push({ sku: String(flat[i]), qty: Number(flat[i + 1]) });
  items.sort((a, b) => a.sku.localeCompare(b.sku));
  return { id, items, count: items.reduce((n, item) => n + item.qty, 0) };
}

/** @param {string} id @param {unknown} body */
async function addItem(id, body) {
  const { sku, qty = 1 } = /** @type {{ sku?: unknown, qty?: unknown }} */ (typeof body === "object" && body !== null ? body : {});
  if (typeof sku !== "string" || !SKU.test(sku)) throw new HttpError(400, `sku: expected lower-case letters, digits and dashes (at most 40), got ${JSON.stringify(sku)?.slice(0, 60)}`);
  if (typeof qty !== "number" || !Number.isInteger(qty) || qty < 1 || qty > 10) throw new HttpError(400, `qty: expected a whole number from 1 to 10, got ${JSON.stringify(qty)?.slice(0, 20)}`);
  const cart = await readCart(id);
  if (cart.items.length >= MAX_ITEMS && !cart.items.some((i) => i.sku === sku)) throw new HttpError(409, `a cart holds at most ${MAX_ITEMS} different products`);
  await redis.command("HINCRBY", `cart:${id}`, sku, qty);
  await redis.command("EXPIRE", `cart:${id}`, CART_TTL_SECONDS);
  return readCart(id);
}

/** @param {import("node:http").IncomingMessage} req @param {import("node:http").ServerResponse} res */
async function route(req, res) {
  const path = (req.url ?? "").split("?")[0] ?? "";
  if (path === "/healthz") {
    const pong = await redis.command("PING").catch((/** @type {Error} */ e) => e);
    return pong === "PONG" ? sendJson(res, 200, { status: "ok", redis: "ok" }) : sendJson(res, 503, { status: "unavailable", redis: String(pong instanceof Error ? pong.message : pong) });
  }
  const m = /^\/carts\/([^/]+)(\/items)?$/.exec(path);
  if (!m) throw new HttpError(404, "not found; try /carts/ID");
  const id = decodeURIComponent(m[1] ?? "");
  if (!CART_ID.test(id)) throw new HttpError(400, "cart id: expected 1 to 64 letters, digits, _ or -");
  const action = `${req.method} ${m[2] ? "items" : "cart"}`;
  if (action === "GET cart" || action === "HEAD cart") return sendJson(res, 200, await readCart(id));
  if (action === "POST items") return sendJson(res, 200, await addItem(id, await readJson(req)));
  if (action === "DELETE cart") {
    await redis.command("DEL", `cart:${id}`);
    return sendJson(res, 204, undefined);
  }
  throw new HttpError(405, `${req.method} ${path} is not allowed`);
}

const server = createServer((req, res) => {
  route(req, res).catch((/** @type {unknown} */ e) => {
    if (res.headersSent) return res.destroy();
    if (e instanceof HttpError) return sendJson(res, e.status, { error: e.message });
    if (e instanceof URIError) return sendJson(res, 400, { error: "bad percent-encoding in the path" });
    console.error(`cart: ${req.method} ${req.url}: ${e instanceof Error ? e.message : String(e)}`);
    sendJson(res, 503, { error: "the cart store is unavailable; try again" });
  });
});
server.headersTimeout = 10_000;
server.requestTimeout = 15_000;
server.listen(PORT, process.env.HOST, () => console.log(`cart: on :${PORT}, redis ${process.env.REDIS_URL ?? "redis://redis:6379"} (${SERVED_BY}, pid ${process.pid})`));

// As PID 1 in a container, node has no default action for SIGTERM: without a
// handler a stop would wait out its grace period and end in SIGKILL.
for (const signal of /** @type {const} */ (["SIGTERM", "SIGINT"])) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    redis.close();
    setTimeout(() => process.exit(0), 3_000).unref();
  });
}
