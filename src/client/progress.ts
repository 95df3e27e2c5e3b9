import type { Descriptor, Digest, Platform } from "../oci/index.js";

/**
 * What a transfer reports as it goes, one event at a time, for the CLI to
 * render. Per blob: `blob-start`, `blob-bytes`*, `blob-done`; or one of
 * `blob-exists` (already at the destination), `blob-mounted` (linked from
 * another repository of the target registry) and `blob-skipped` (not
 * transferred on purpose, such as a foreign layer). `blob-retry` tells that
 * an attempt failed and another follows. Byte events come at most every
 * 100 ms per blob, and always once at the end.
 */
export type ProgressEvent =
  | { readonly type: "resolve"; readonly reference: string; readonly descriptor: Descriptor }
  | { readonly type: "manifest-done"; readonly descriptor: Descriptor; readonly platform?: Platform }
  | { readonly type: "blob-start"; readonly digest: Digest; readonly size: number; readonly mediaType: string; readonly offset: number }
  | { readonly type: "blob-bytes"; readonly digest: Digest; readonly size: number; readonly bytes: number }
  | { readonly type: "blob-done"; readonly digest: Digest; readonly size: number }
  | { readonly type: "blob-exists"; readonly digest: Digest; readonly size: number }
  | { readonly type: "blob-mounted"; readonly digest: Digest; readonly size: number; readonly from: string }
  | { readonly type: "blob-skipped"; readonly digest: Digest; readonly size: number; readonly reason: string }
  | { readonly type: "blob-retry"; readonly digest: Digest; readonly attempt: number; readonly error: string };

/** Receives progress events. It should return quickly; what it throws is ignored. */
export type ProgressListener = (event: ProgressEvent) => void;

/** Call `listener` with `event`, ignoring what it throws: a broken display must not break a pull. */
export function emitProgress(listener: ProgressListener | undefined, event: ProgressEvent): void {
  if (listener === undefined) return;
  try {
    listener(event);
  } catch {
    // see above
  }
}

/** Counts one blob's bytes and reports them at most every `intervalMs`. */
export class ByteProgress {
  private bytes: number;
  private reported = -1;
  private lastAt = 0;

  constructor(
    private readonly listener: ProgressListener | undefined,
    private readonly blob: { readonly digest: Digest; readonly size: number },
    offset = 0,
    private readonly intervalMs = 100,
  ) {
    this.bytes = offset;
  }

  /** Bytes so far, including those of an earlier session. */
  get total(): number {
    return this.bytes;
  }

  add(n: number): void {
    this.bytes += n;
    if (this.listener === undefined) return;
    const now = Date.now();
    if (now - this.lastAt >= this.intervalMs) {
      this.lastAt = now;
      this.report();
    }
  }

  /** Start counting again from `offset` (a transfer restarted). */
  reset(offset: number): void {
    this.bytes = offset;
    this.report();
  }

  /** Report the count if it changed since the last report. */
  flush(): void {
    if (this.bytes !== this.reported) this.report();
  }

  private report(): void {
    this.reported = this.bytes;
    emitProgress(this.listener, { type: "blob-bytes", digest: this.blob.digest, size: this.blob.size, bytes: this.bytes });
  }
}
