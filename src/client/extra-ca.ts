import { readFileSync } from "node:fs";
import type { SecureContext } from "node:tls";

/**
 * Where bin/berth.cjs leaves the NODE_EXTRA_CA_CERTS file its shebang kept
 * from Node's start-up. A global rather than an export: the launcher runs
 * before, and outside, the bundle that holds this module.
 */
export const DEFERRED_EXTRA_CA_CERTS = Symbol.for("berth.deferredExtraCaCerts");

let made: { context: SecureContext | undefined } | undefined;

/**
 * The TLS context for a connection this process opens, or undefined for
 * Node's default.
 *
 * Node 20 reads NODE_EXTRA_CA_CERTS, and with it its own ~140 root
 * certificates, before any code runs: about 40 ms of every start on a machine
 * whose proxy CA is set that way, though most commands open no TLS
 * connection. So berth's launcher hides the variable from Node (see
 * bin/berth.cjs) and this makes, on the first TLS connection, what Node would
 * have made at start: its root certificates plus the file's. Node 20 has no
 * way to add certificates to its default store after start
 * (tls.setDefaultCACertificates came later), hence a context of our own. A
 * file that cannot be read or parsed gets Node's own warning and changes
 * nothing, as at Node's start.
 */
export function extraCaContext(): SecureContext | undefined {
  if (made !== undefined) return made.context;
  const file = (globalThis as Record<symbol, unknown>)[DEFERRED_EXTRA_CA_CERTS];
  made = { context: undefined };
  if (typeof file !== "string" || file === "") return undefined;
  // Loaded here, not at the top: a process that opens no TLS connection never initialises tls.
  const tls = process.getBuiltinModule("node:tls");
  try {
    made.context = tls.createSecureContext({ ca: [...tls.rootCertificates, readFileSync(file, "latin1")] });
  } catch (e) {
    process.emitWarning(`Ignoring extra certs from \`${file}\`, load failed: ${(e as Error).message}`);
  }
  return made.context;
}
