import { close as closeCb, constants, open as openCb } from "node:fs";
import { unlink } from "node:fs/promises";
import { Socket } from "node:net";
import { promisify } from "node:util";
import { RuntimeToolError } from "./errors.js";
import { execTool } from "./internal/exec-tool.js";

const openFd = promisify(openCb);
const closeFd = promisify(closeCb);

/** One output stream of a process berth starts: the end it writes to, the end berth reads. */
export interface OutputFifo {
  /** The write end, for the child's stdio; {@link OutputFifos.closeWriteEnds} once the child has it. */
  readonly writeFd: number;
  readonly reader: Socket;
}

/** A process's stdout and stderr pipes. */
export interface OutputFifos {
  readonly stdout: OutputFifo;
  readonly stderr: OutputFifo;
  /** Close this process's copies of the write ends: the readers then end when the child's last copy closes. */
  closeWriteEnds(): Promise<void>;
  /** Close all (when no child got them). */
  close(): Promise<void>;
}

/**
 * Named FIFOs at `paths`, mode 0600. Node has no mkfifo; the program makes
 * them all in one start (2-3 ms). On failure none is left (mkfifo makes what
 * it can) and RuntimeToolError is thrown with mkfifo's message.
 */
export async function makeFifos(paths: readonly string[]): Promise<void> {
  const made = await execTool("/usr/bin/mkfifo", ["-m", "600", ...paths]);
  if (made.code !== 0) {
    await Promise.all(paths.map((p) => unlink(p).catch(() => undefined)));
    throw new RuntimeToolError("mkfifo", [...paths], made.stderr || `exit ${made.code}`);
  }
}

/**
 * Two pipes for a process's stdout and stderr, made as named FIFOs at
 * `paths` and unlinked once both ends are open. Real pipes, as docker's
 * shim and runc give (Node's "pipe" stdio is a socket pair, and a socket
 * cannot be reopened through /dev/stdout). berth's own stdout and stderr
 * are never handed into a container: a terminal would let it type into
 * berth's (TIOCSTI), and a file could be reopened through /proc.
 */
export async function openOutputFifos(paths: readonly [string, string]): Promise<OutputFifos> {
  await makeFifos(paths);
  const fds: number[] = [];
  try {
    for (const path of paths) {
      // The read end first, non-blocking, so that opening the write end finds a reader and does not wait.
      fds.push(await openFd(path, constants.O_RDONLY | constants.O_NONBLOCK));
      fds.push(await openFd(path, constants.O_WRONLY));
    }
  } catch (e) {
    await Promise.all(fds.map((fd) => closeFd(fd).catch(() => undefined)));
    throw e;
  } finally {
    await Promise.all(paths.map((p) => unlink(p).catch(() => undefined)));
  }
  const [outR, outW, errR, errW] = fds as [number, number, number, number];
  let writeEnds: Promise<void> | undefined;
  const closeWriteEnds = (): Promise<void> => (writeEnds ??= Promise.all([closeFd(outW), closeFd(errW)]).then(() => undefined));
  const fifos: OutputFifos = {
    stdout: { writeFd: outW, reader: new Socket({ fd: outR, readable: true, writable: false }) },
    stderr: { writeFd: errW, reader: new Socket({ fd: errR, readable: true, writable: false }) },
    closeWriteEnds,
    close: async () => {
      fifos.stdout.reader.destroy();
      fifos.stderr.reader.destroy();
      await closeWriteEnds();
    },
  };
  return fifos;
}
