import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { InvalidLogTimeError } from "./errors.js";
import { parseLogTime } from "./parse-log-time.js";

const NOW = new Date("2024-05-01T12:00:00.000Z");

describe("parseLogTime", () => {
  const cases: readonly { input: string; want?: string; expectErr?: true }[] = [
    { input: "10m", want: "2024-05-01T11:50:00.000Z" },
    { input: "1h30m", want: "2024-05-01T10:30:00.000Z" },
    { input: "1.5h", want: "2024-05-01T10:30:00.000Z" },
    { input: "90s", want: "2024-05-01T11:58:30.000Z" },
    { input: "250ms", want: "2024-05-01T11:59:59.750Z" },
    { input: "-10m", want: "2024-05-01T12:10:00.000Z" },
    { input: "1714550400", want: "2024-05-01T08:00:00.000Z" },
    { input: "1714550400.25", want: "2024-05-01T08:00:00.250Z" },
    { input: "1714550400.000000001", want: "2024-05-01T08:00:00.000Z" },
    { input: "0", want: "1970-01-01T00:00:00.000Z" },
    { input: "2024-05-01T10:00:00Z", want: "2024-05-01T10:00:00.000Z" },
    { input: "2024-05-01T10:00:00.123456789Z", want: "2024-05-01T10:00:00.123Z" },
    { input: "2024-05-01T10:00:00+02:00", want: "2024-05-01T08:00:00.000Z" },
    { input: "2024-05-01T10:00Z", want: "2024-05-01T10:00:00.000Z" },
    { input: "2024-05-01T10Z", want: "2024-05-01T10:00:00.000Z" },
    { input: "2024-05-01Z", want: "2024-05-01T00:00:00.000Z" },
    { input: " 10m ", want: "2024-05-01T11:50:00.000Z" },
    { input: "", expectErr: true },
    { input: "yesterday", expectErr: true },
    { input: "10x", expectErr: true },
    { input: "h", expectErr: true },
    { input: "2024-02-30", expectErr: true },
    { input: "2024-05-01T24:00:00Z", expectErr: true },
    { input: "2024-05-01T10:00:00+25:00", expectErr: true },
    { input: "1e9", expectErr: true },
    { input: "-1714550400", expectErr: true },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.input)} → ${c.want ?? "error"}`, () => {
      if (c.expectErr) {
        assert.throws(() => parseLogTime(c.input, NOW), (e: unknown) => e instanceof InvalidLogTimeError && isBerthError(e, "INVALID_ARGUMENT") && e.message.includes("since") && e.hint !== undefined);
        return;
      }
      assert.equal(parseLogTime(c.input, NOW).toISOString(), c.want);
    });
  }

  it("reads a time without a zone as local time, as docker does", () => {
    assert.equal(parseLogTime("2024-05-01T10:20:30", NOW).getTime(), new Date(2024, 4, 1, 10, 20, 30).getTime());
    assert.equal(parseLogTime("2024-05-01", NOW).getTime(), new Date(2024, 4, 1).getTime());
  });

  it("names the field it parsed", () => {
    assert.throws(() => parseLogTime("soon", NOW, "until"), /until: "soon" is not a time/);
  });
});
