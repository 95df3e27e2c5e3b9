// What GET / answers besides the mark: the query checked by zod, a request id, times.
import dayjs from "dayjs";
import _ from "lodash";
import ms from "ms";
import { v4 as uuidv4 } from "uuid";
import { z } from "zod";

const started = Date.now();
const Query = z.object({ name: z.string().max(64).default("world") });

/** The answer to GET /: throws (zod) on a bad query. */
export function describeRequest(query, cookies) {
  const { name } = Query.parse(query);
  return {
    greeting: `hello, ${_.escape(name)}`,
    id: uuidv4(),
    now: dayjs().toISOString(),
    up: ms(Date.now() - started),
    cookies: Object.keys(cookies ?? {}).length,
    node: process.version,
  };
}
