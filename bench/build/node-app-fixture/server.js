// The build bench's app: an express server using every dependency once, so a
// missing or broken one fails at start. GET / answers JSON with the build mark;
// GET /health answers "ok". PORT defaults to 3000.
import compression from "compression";
import cookieParser from "cookie-parser";
import cors from "cors";
import express from "express";
import helmet from "helmet";
import createError from "http-errors";
import pino from "pino";
import { describeRequest } from "./src/describe.js";
import { BUILD_MARK } from "./src/mark.js";

const port = Number(process.env.PORT || 3000);
const log = pino({ level: process.env.LOG_LEVEL || "info" });
const app = express();

app.use(helmet());
app.use(cors());
app.use(compression());
app.use(cookieParser());

app.get("/health", (_req, res) => res.type("text/plain").send("ok\n"));
app.get("/", (req, res, next) => {
  try {
    res.json({ mark: BUILD_MARK, ...describeRequest(req.query, req.cookies) });
  } catch (err) {
    next(createError(400, err.message));
  }
});
app.use((_req, _res, next) => next(createError(404, "not found")));
// Four parameters: express tells error handlers by their arity.
app.use((err, _req, res, next) => (res.headersSent ? next(err) : res.status(err.status || 500).json({ error: err.message })));

const server = app.listen(port, () => log.info({ port }, "listening"));
// A container is stopped with SIGTERM; close the server so node exits at once.
process.on("SIGTERM", () => server.close(() => process.exit(0)));
