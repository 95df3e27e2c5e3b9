/**
 * The registry client (and with it http, https and tls), loaded when an image
 * moves: every command that reads the store without pulling — `ps`, `run` of a
 * local image, a build — then starts without initialising it (in the CLI's
 * bundle a module imported this way is initialised on first use).
 */
export const loadClient = (): Promise<typeof import("../client/index.js")> => import("../client/index.js");
