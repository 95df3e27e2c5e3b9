// @ts-check
// The shop's front door: one HTML page built from the catalog and cart APIs,
// which it finds by service name. The page names the replica that answered
// (its hostname and an id made when the process started), so load balancing
// across replicas can be seen from a browser; so do the catalog and cart
// replicas that served the page.
//
//   GET  /              the page (sets a `cart` cookie on the first visit)
//   POST /cart/items    form field sku → adds one to the cart, then 303 to /
//   POST /cart/clear    empties the cart, then 303 to /
//   GET  /api/whoami    {hostname, instance, pid, uptimeSeconds}
//   GET  /healthz       {"status":"ok"}: this process answers (the APIs are not asked)
//
// Env: PORT (8080), HOST (default every address), CATALOG_URL (http://catalog:3001),
// CART_URL (http://cart:3002).
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { hostname } from "node:os";
import { renderPage, toCartItems, toProducts } from "./page.js";
import { requestJson, UpstreamError } from "./upstream.js";

const PORT = Number(process.env.PORT ?? 8080);
const CATALOG_URL = (process.env.CATALOG_URL ?? "http://catalog:3001").replace(/\/+$/, "");
const CART_URL = (process.env.CART_URL ?? "http://cart:3002").replace(/\/+$/, "");
const INSTANCE = randomBytes(4).toString("hex");
const STARTED = Date.now();
const MAX_FORM = 1024;

/** @typedef {import("node:http").IncomingMessage} Request */
/** @typedef {import("node:http").ServerResponse} Response */

const whoami = () => ({ hostname: hostname(), instance: INSTANCE, pid: process.pid, uptimeSeconds: Math.floor((Date.now() - STARTED) / 1000) });

/** @param {Response} res @param {number} status @param {string} type @param {string} text @param {Record<string, string>} [headers] */
function send(res, status, type, text, headers = {}) {
  res.writeHead(status, { "content-type": `${type}; charset=utf-8`, "content-length": Buffer.byteLength(text), "cache-control": "no-store", "x-served-by": `${hostname()}/${INSTANCE}`, ...headers });
  res.end(text);
}

/** The visitor's cart id from the cookie, or a new one (then `isNew`). @param {Request} req */
function cartOf(req) {
  const m = /(?:^|;\s*)cart=([A-Za-z0-9_-]{16,64})(?:;|$)/.exec(req.headers.cookie ?? "");
  return m?.[1] ? { id: m[1], isNew: false } : { id: randomBytes(12).toString("base64url"), isNew: true };
}

/** The sku field of an urlencoded form of at most MAX_FORM bytes, or undefined. @param {Request} req */
async function formSku(req) {
  if (!/^application\/x-www-form-urlencoded\b/.test(req.headers["content-type"] ?? "")) return undefined;
  let text = "";
  for await (const chunk of req) {
    text += chunk;
    if (text.length > MAX_FORM) return undefined;
  }
  return new URLSearchParams(text).get("sku") ?? undefined;
}

/** @param {Request} req @param {Response} res */
async function route(req, res) {
  const path = (req.url ?? "").split("?")[0] ?? "";
  const action = `${req.method} ${path}`;
  if (action === "GET /healthz") return send(res, 200, "application/json", JSON.stringify({ status: "ok" }));
  if (action === "GET /api/whoami") return send(res, 200, "application/json", JSON.stringify(whoami()));
  const cart = cartOf(req);
  /** @type {Record<string, string>} */
  const cookie = cart.isNew ? { "set-cookie": `cart=${cart.id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=604800` } : {};
  const cartUrl = `${CART_URL}/carts/${cart.id}`;
  if (action === "GET /" || action === "HEAD /") {
    const upstreams = { catalog: "", cart: "" };
    const [products, items] = await Promise.all([
      requestJson("GET", `${CATALOG_URL}/products`).then((r) => {
        upstreams.catalog = r.servedBy;
        return toProducts(r.value);
      }).catch((/** @type {Error} */ e) => e),
      cart.isNew ? [] : requestJson("GET", cartUrl).then((r) => {
        upstreams.cart = r.servedBy;
        return toCartItems(r.value);
      }).catch((/** @type {Error} */ e) => e),
    ]);
    return send(res, 200, "text/html", renderPage({ products, cart: items, replica: whoami(), upstreams }), cookie);
  }
  if (action === "POST /cart/items" || action === "POST /cart/clear") {
    if (action === "POST /cart/clear") await requestJson("DELETE", cartUrl);
    else {
      const sku = await formSku(req);
      if (sku === undefined) return send(res, 400, "text/plain", "send a form (application/x-www-form-urlencoded, at most 1 KiB) with a sku field\n");
      await requestJson("POST", `${cartUrl}/items`, { body: { sku, qty: 1 } });
    }
    return send(res, 303, "text/plain", "see /\n", { location: "/", ...cookie });
  }
  return send(res, 404, "text/plain", "not found; the shop is at /\n");
}

const server = createServer((req, res) => {
  route(req, res).catch((/** @type {unknown} */ e) => {
    if (res.headersSent) return res.destroy();
    const status = e instanceof UpstreamError && e.status >= 400 && e.status < 500 ? 400 : 502;
    console.error(`gateway: ${req.method} ${req.url}: ${e instanceof Error ? e.message : String(e)}`);
    send(res, status, "text/plain", `${e instanceof Error ? e.message : "failed"}\n`);
  });
});
server.headersTimeout = 10_000;
server.requestTimeout = 15_000;
server.listen(PORT, process.env.HOST, () => console.log(`gateway: on :${PORT}, catalog ${CATALOG_URL}, cart ${CART_URL} (${hostname()}, instance ${INSTANCE}, pid ${process.pid})`));

// As PID 1 in a container, node has no default action for SIGTERM: without a
// handler a stop would wait out its grace period and end in SIGKILL.
for (const signal of /** @type {const} */ (["SIGTERM", "SIGINT"])) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 3_000).unref();
  });
}
