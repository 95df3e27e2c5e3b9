import { setTimeout as sleep } from "node:timers/promises";
import type { Cleanup } from "../harness/cleanup.js";
import { freePort } from "../harness/free-port.js";
import type { Cli } from "./build-tools.js";
import { APP_PORT } from "./node-app-context.js";

/** How long a started container gets to answer its first GET. */
const ANSWER_TIMEOUT_MS = 30_000;

/**
 * GET http://127.0.0.1:`port`/ until it answers 200 with JSON whose `mark` is `mark`, bounded
 * by {@link ANSWER_TIMEOUT_MS}; throws with the last status or error.
 */
export async function expectAnswer(port: number, mark: string): Promise<void> {
  const deadline = Date.now() + ANSWER_TIMEOUT_MS;
  let last = "no answer";
  for (let attempt = 0; Date.now() < deadline && attempt < 300; attempt++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/?name=bench`, { signal: AbortSignal.timeout(5_000) });
      const text = await res.text();
      if (res.status === 200) {
        const got = (JSON.parse(text) as { mark?: unknown }).mark;
        if (got === mark) return;
        throw new Error(`answered mark ${JSON.stringify(got)}, expected ${mark}: the image is not the last build`);
      }
      last = `status ${res.status}: ${text.slice(0, 200)}`;
    } catch (err) {
      if ((err as Error).message.includes("is not the last build")) throw err;
      last = (err as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`GET http://127.0.0.1:${port}/: ${last} after ${ANSWER_TIMEOUT_MS / 1000} s`);
}

/**
 * Untimed: `berth run -d -p 127.0.0.1:PORT:3000 IMAGE`, one GET, `berth rm -f`. The container
 * is removed also when the GET fails (and by `cleanup` if the bench is stopped in between).
 */
export async function checkBerthServes(berth: Cli, image: string, mark: string, cleanup: Cleanup): Promise<string> {
  const port = await freePort();
  const id = (await berth(["run", "-d", "-p", `127.0.0.1:${port}:${APP_PORT}`, image], 120_000)).stdout.trim();
  let removed = false;
  const remove = async (): Promise<void> => {
    if (removed) return;
    removed = true;
    await berth(["rm", "-f", id], 120_000);
  };
  cleanup.defer(`berth rm -f ${id}`, remove);
  try {
    await expectAnswer(port, mark);
    return `berth run -d -p 127.0.0.1:${port}:${APP_PORT}: GET / answered mark ${mark}`;
  } finally {
    await remove();
  }
}

/**
 * Untimed: docker's image serves too (host network, PORT set to a free port, as the bench's
 * dockerd has no bridge for -p), then `docker rm -f`.
 */
export async function checkDockerServes(docker: Cli, image: string, mark: string, cleanup: Cleanup): Promise<string> {
  const port = await freePort();
  const id = (await docker(["run", "-d", "--network", "host", "-e", `PORT=${port}`, image], 120_000)).stdout.trim();
  let removed = false;
  const remove = async (): Promise<void> => {
    if (removed) return;
    removed = true;
    await docker(["rm", "-f", id], 120_000);
  };
  cleanup.defer(`docker rm -f ${id}`, remove);
  try {
    await expectAnswer(port, mark);
    return `docker run -d --network host -e PORT=${port}: GET / answered mark ${mark}`;
  } finally {
    await remove();
  }
}
