// @ts-check
// The shop's catalog: the product list as JSON, from products.json shipped in
// the image. Read-only and stateless, so any number of replicas can serve it.
//
//   GET /products        → [{sku, name, description, priceCents}, …]
//   GET /products/:sku   → one product, or 404
//   GET /healthz         → {"status":"ok"}
//
// Env: PORT (3001), HOST (the address to listen on; default every address).
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { hostname } from "node:os";

const PORT = Number(process.env.PORT ?? 3001);
const SERVED_BY = hostname();

/** @typedef {{ sku: string, name: string, description: string, priceCents: number }} Product */
/** @type {Product[]} */
const products = JSON.parse(readFileSync(new URL("./products.json", import.meta.url), "utf8"));
const bySku = new Map(products.map((p) => [p.sku, p]));

/**
 * @param {import("node:http").ServerResponse} res
 * @param {number} status
 * @param {unknown} value
 */
function sendJson(res, status, value) {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), "x-served-by": SERVED_BY });
  res.end(text);
}

const server = createServer((req, res) => {
  // req.url is whatever the client sent; anything that is not a path is a 404, never an exception.
  const path = (req.url ?? "").split("?")[0] ?? "";
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    return sendJson(res, 405, { error: `${req.method} is not allowed; the catalog is read-only` });
  }
  if (path === "/healthz") return sendJson(res, 200, { status: "ok" });
  if (path === "/products") return sendJson(res, 200, products);
  const m = /^\/products\/([a-z0-9-]{1,40})$/.exec(path);
  const product = m ? bySku.get(m[1] ?? "") : undefined;
  if (product) return sendJson(res, 200, product);
  return sendJson(res, 404, { error: m ? `no product with sku ${JSON.stringify(m[1])}` : "not found; try /products" });
});
server.headersTimeout = 10_000;
server.requestTimeout = 15_000;
server.listen(PORT, process.env.HOST, () => console.log(`catalog: ${products.length} products on :${PORT} (${SERVED_BY}, pid ${process.pid})`));

// As PID 1 in a container, node has no default action for SIGTERM: without a
// handler a stop would wait out its grace period and end in SIGKILL.
for (const signal of /** @type {const} */ (["SIGTERM", "SIGINT"])) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 3_000).unref();
  });
}
