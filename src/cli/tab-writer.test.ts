import assert from "node:assert/strict";
import { it } from "node:test";
import { alignTabs } from "./tab-writer.js";

// Expected texts are what Go's tabwriter.NewWriter(w, 10, 1, 3, ' ', 0) prints (docker's table writer).
const cases: readonly { name: string; input: string; want: string }[] = [
  { name: "columns: min width 10, else widest + 3", input: "NAMES\tSTATUS\na-rather-long-name\tUp\n", want: "NAMES                STATUS\na-rather-long-name   Up\n" },
  { name: "the text after the last tab is not padded", input: "A\tB\tC\nxx\tyyyyyyyyyyyyy\tz\n", want: "A         B               C\nxx        yyyyyyyyyyyyy   z\n" },
  { name: "no tab: as it is", input: "plain\nlines\n", want: "plain\nlines\n" },
  { name: "code points, not bytes", input: "é\tx\nab\ty\n", want: "é         x\nab        y\n" },
  { name: "a line without the column ends the block", input: "a\tb\nno tabs here\nlong-cell-here\tc\n", want: "a         b\nno tabs here\nlong-cell-here   c\n" },
  { name: "empty cells", input: "\t\tx\n", want: "                    x\n" },
];

for (const c of cases) {
  it(`alignTabs: ${c.name}`, () => assert.equal(alignTabs(c.input), c.want));
}
