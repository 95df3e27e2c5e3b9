// berth's zero-config Node.js example: `berth build examples/node-app` makes
// an image with no Dockerfile. GET / answers a greeting; GET /health answers
// "ok"; GET /files/NAME names NAME's content type.
import http from "node:http";
import escapeHtml from "escape-html";
import mime from "mime-types";
import ms from "ms";
import { greeting } from "./lib/greeting.js";

const port = Number(process.env.PORT || 8080);
const started = Date.now();

const server = http.createServer((req, res) => {
  const url = new URL(req.url || "/", "http://localhost");
  if (url.pathname === "/health") {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
  } else if (url.pathname.startsWith("/files/")) {
    const name = decodeURIComponent(url.pathname.slice("/files/".length));
    res.writeHead(200, { "content-type": "text/plain" }).end(`${name}: ${mime.lookup(name) || "unknown"}\n`);
  } else if (url.pathname === "/") {
    const who = escapeHtml(url.searchParams.get("name") || "world");
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" })
      .end(`<p>${greeting(who)} (node ${process.version}, up ${ms(Date.now() - started)})</p>\n`);
  } else {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  }
});

server.listen(port, () => console.log(`listening on :${port}`));
// A container is stopped with SIGTERM; close the server so node exits at once.
process.on("SIGTERM", () => server.close(() => process.exit(0)));
