// @ts-check
// The container's health check: compose runs ["CMD", "node", "/app/healthcheck.js"].
// The image is distroless (no shell, no curl), so node itself asks /healthz.
// Exit 0 when it answers 200 within 2 s, else 1 — docker's HEALTHCHECK contract.
import { request } from "node:http";

const port = Number(process.env.PORT ?? 8080);
const req = request({ host: "127.0.0.1", port, path: "/healthz", timeout: 2_000 }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on("timeout", () => req.destroy(new Error("no answer within 2 s")));
req.on("error", (e) => {
  console.error(`healthcheck: http://127.0.0.1:${port}/healthz: ${e.message}`);
  process.exit(1);
});
req.end();
