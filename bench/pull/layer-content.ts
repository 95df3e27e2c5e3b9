import { createCipheriv, createHash } from "node:crypto";

/**
 * What a file of the bench image holds. "random" does not compress at all; "log", "records" and
 * "source" are text that gzip shrinks 3–5×; "sparse" alternates random and zero blocks, so it
 * halves.
 */
export type ContentKind = "random" | "log" | "records" | "source" | "sparse";

const SPARSE_BLOCK = 64 * 1024;

/**
 * `size` bytes of `kind` determined by `seed` alone: the same arguments give the same bytes on
 * every machine, so the image (and its digests, for one zlib build) is the same each run.
 */
export function contentBytes(kind: ContentKind, size: number, seed: string): Buffer {
  switch (kind) {
    case "random":
      return keystream(size, seed);
    case "sparse":
      return sparseBytes(size, seed);
    default:
      return textBytes(kind, size, seed);
  }
}

/** AES-256-CTR over zeros with a key derived from `seed`: deterministic, incompressible, and GB/s fast. */
function keystream(size: number, seed: string): Buffer {
  const key = createHash("sha256").update(`berth bench ${seed}`).digest();
  const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  return cipher.update(Buffer.alloc(size));
}

function sparseBytes(size: number, seed: string): Buffer {
  const out = Buffer.alloc(size);
  const noise = keystream(size, seed);
  for (let at = 0; at < size; at += 2 * SPARSE_BLOCK) noise.copy(out, at, at, Math.min(at + SPARSE_BLOCK, size));
  return out;
}

/** mulberry32: a small seeded generator of floats in [0, 1); quality is beside the point here. */
function prng(seed: string): () => number {
  let a = createHash("sha256").update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function vocabulary(rand: () => number, count: number): string[] {
  const words: string[] = [];
  for (let i = 0; i < count; i++) {
    const len = 2 + Math.floor(rand() * 9);
    let w = "";
    for (let j = 0; j < len; j++) w += String.fromCharCode(97 + Math.floor(rand() * 26));
    words.push(w);
  }
  return words;
}

const LEVELS = ["DEBUG", "INFO", "INFO", "INFO", "WARN", "ERROR"];

/**
 * Text lines in one of three shapes, words drawn with a skew toward the first of the vocabulary
 * (as in real text), so gzip finds repeats but not a trivially short dictionary.
 */
function textBytes(kind: "log" | "records" | "source", size: number, seed: string): Buffer {
  const rand = prng(seed);
  const vocab = vocabulary(rand, 800);
  const word = (): string => vocab[Math.floor(vocab.length * rand() ** 3)]!;
  const words = (n: number): string => Array.from({ length: n }, word).join(" ");
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  let n = 0;
  let clock = 1_700_000_000_000;
  // Buffer.write stops at the end of the buffer, so the last line is cut to fit exactly.
  while (pos < size) {
    n++;
    let line: string;
    if (kind === "log") {
      clock += Math.floor(rand() * 250);
      line = `${new Date(clock).toISOString()} ${LEVELS[n % LEVELS.length]} svc-${n % 17} [req ${(n * 2654435761 >>> 0).toString(16)}] ${words(4 + (n % 9))}\n`;
    } else if (kind === "records") {
      line = `{"id":${n},"name":"${word()}","tags":["${word()}","${word()}"],"score":${(rand() * 1000).toFixed(3)},"active":${rand() < 0.5}}\n`;
    } else {
      const indent = " ".repeat(2 * (n % 4));
      line = n % 7 === 0 ? `${indent}// ${words(6)}\n` : `${indent}const ${word()}_${word()} = ${word()}(${word()}, ${n % 100});\n`;
    }
    pos += out.write(line, pos, "latin1");
  }
  return out;
}
