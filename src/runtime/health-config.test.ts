import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Healthcheck } from "../oci/index.js";
import { healthFromFlags, parseHealthFlags, type HealthFlags, type HealthOverride } from "./health-config.js";
import type { HealthConfig } from "./container-record.js";

// An image built with `HEALTHCHECK --interval=10s --timeout=2s --retries=4 CMD test -e /tmp/ok`.
const IMAGE: Healthcheck = { Test: ["CMD-SHELL", "test -e /tmp/ok"], Interval: 10e9, Timeout: 2e9, Retries: 4 };
const IMAGE_CHECK: HealthConfig = { test: ["CMD-SHELL", "test -e /tmp/ok"], intervalMs: 10_000, timeoutMs: 2_000, startPeriodMs: 0, retries: 4, onFailure: "none" };
const DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, retries: 3, onFailure: "none" } as const;

interface MergeCase {
  readonly name: string;
  readonly flags: HealthFlags;
  readonly image?: Healthcheck;
  readonly want?: HealthConfig;
  readonly expectErr?: RegExp;
}

const MERGES: readonly MergeCase[] = [
  { name: "no flags keep the image's check", flags: {}, image: IMAGE, want: IMAGE_CHECK },
  { name: "no flags, no image check: none", flags: {} },
  { name: "--health-interval alone changes only the interval; the test stays the image's", flags: { interval: "5s" }, image: IMAGE, want: { ...IMAGE_CHECK, intervalMs: 5_000 } },
  { name: "--health-retries and --health-on-failure over the image's", flags: { retries: "5", onFailure: "kill" }, image: IMAGE, want: { ...IMAGE_CHECK, retries: 5, onFailure: "kill" } },
  { name: "--health-cmd replaces the image's command, keeps its timing", flags: { cmd: "true" }, image: IMAGE, want: { ...IMAGE_CHECK, test: ["CMD-SHELL", "true"] } },
  { name: "--health-cmd without an image check: docker's defaults", flags: { cmd: "true" }, want: { test: ["CMD-SHELL", "true"], ...DEFAULTS } },
  { name: "--health-cmd over HEALTHCHECK NONE", flags: { cmd: "true" }, image: { Test: ["NONE"] }, want: { test: ["CMD-SHELL", "true"], ...DEFAULTS } },
  { name: "an empty --health-cmd overrides nothing", flags: { cmd: "" }, image: IMAGE, want: IMAGE_CHECK },
  { name: "an empty --health-cmd and no image check: none", flags: { cmd: "" } },
  { name: "0 keeps the image's values", flags: { interval: "0s", timeout: "0", retries: "0", startPeriod: "0s" }, image: IMAGE, want: IMAGE_CHECK },
  { name: "0 without an image check: the defaults", flags: { cmd: "true", interval: "0s", timeout: "0s", retries: "0", startPeriod: "0s" }, want: { test: ["CMD-SHELL", "true"], ...DEFAULTS } },
  { name: "any Go duration", flags: { cmd: "true", interval: "1000000us", timeout: "1.5s", startPeriod: "1m30s" }, want: { test: ["CMD-SHELL", "true"], ...DEFAULTS, intervalMs: 1_000, timeoutMs: 1_500, startPeriodMs: 90_000 } },
  { name: "µs, ns and combined units", flags: { cmd: "true", interval: "2000µs", timeout: "1s500000000ns" }, want: { test: ["CMD-SHELL", "true"], ...DEFAULTS, intervalMs: 2, timeoutMs: 1_500 } },
  { name: "--no-healthcheck turns the image's off", flags: { noHealthcheck: true }, image: IMAGE },
  { name: "--no-healthcheck with an empty command and zeros is no conflict (docker's zero values)", flags: { noHealthcheck: true, cmd: "", interval: "0s", retries: "0" }, image: IMAGE },
  { name: "--no-healthcheck conflicts with --health-cmd", flags: { noHealthcheck: true, cmd: "true" }, expectErr: /^--no-healthcheck conflicts with --health-\* options \(--health-cmd\)$/ },
  { name: "--no-healthcheck conflicts with --health-interval", flags: { noHealthcheck: true, interval: "5s" }, image: IMAGE, expectErr: /conflicts with --health-\* options \(--health-interval\)/ },
  { name: "tuning without any command names the flags and says why", flags: { interval: "5s", retries: "5" }, expectErr: /^--health-interval, --health-retries: no health check command .*\(the image has no HEALTHCHECK\)$/ },
  { name: "tuning over HEALTHCHECK NONE", flags: { timeout: "5s" }, image: { Test: ["NONE"] }, expectErr: /--health-timeout: .*\(the image's HEALTHCHECK is NONE\)/ },
  { name: "a negative duration", flags: { cmd: "true", interval: "-1s" }, expectErr: /^--health-interval -1s: cannot be negative$/ },
  { name: "a nonzero duration under 1ms", flags: { cmd: "true", timeout: "500us" }, expectErr: /^--health-timeout 500us: must be 0 .* or at least 1ms$/ },
  { name: "a number without a unit", flags: { cmd: "true", startPeriod: "30" }, expectErr: /^--health-start-period 30: not a duration$/ },
  { name: "negative retries", flags: { cmd: "true", retries: "-1" }, expectErr: /^--health-retries -1: cannot be negative$/ },
  { name: "retries not a whole number", flags: { cmd: "true", retries: "2.5" }, expectErr: /^--health-retries 2\.5: not a whole number$/ },
  { name: "an unknown --health-on-failure", flags: { cmd: "true", onFailure: "explode" }, expectErr: /^--health-on-failure explode: expected none, kill, restart or stop$/ },
];

describe("healthFromFlags: the --health-* flags over the image's HEALTHCHECK, as docker merges them", () => {
  for (const c of MERGES) {
    it(c.name, () => {
      if (c.expectErr !== undefined) assert.throws(() => healthFromFlags(c.flags, c.image), { name: "InvalidArgumentError", message: c.expectErr });
      else assert.deepEqual(healthFromFlags(c.flags, c.image), c.want);
    });
  }
  it("keeps the image's start interval", () => {
    assert.equal(healthFromFlags({ retries: "2" }, { ...IMAGE, StartInterval: 1e9 })?.startIntervalMs, 1_000);
  });
});

describe("parseHealthFlags: what needs no image", () => {
  it("keeps only the fields the flags override", () => {
    const want: HealthOverride = { isDisabled: false, intervalMs: 5_000, retries: 5, onFailure: "kill" };
    assert.deepEqual(parseHealthFlags({ interval: "5s", timeout: "0s", retries: "5", onFailure: "kill", cmd: "" }), want);
  });
  it("accepts tuning flags without --health-cmd (the image may have the command)", () => {
    assert.doesNotThrow(() => parseHealthFlags({ interval: "5s", retries: "5", onFailure: "kill" }));
  });
});
