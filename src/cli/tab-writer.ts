/** Go's text/tabwriter settings; docker's tables use minWidth 10, tabWidth 1, padding 3, padded with spaces. */
export interface TabWriterOptions {
  readonly minWidth: number;
  readonly padding: number;
}

export const DOCKER_TABLE: TabWriterOptions = { minWidth: 10, padding: 3 };

/**
 * Align tab-separated text as Go's text/tabwriter does (left-aligned, space
 * padding), which docker uses for `--format 'table …'`: a tab ends a cell;
 * a column is as wide as its widest cell plus the padding, at least
 * minWidth, over each block of consecutive lines that have that cell; the
 * text after a line's last tab is not a cell and is not padded. Widths
 * count code points, as Go counts runes.
 */
export function alignTabs(text: string, opts: TabWriterOptions = DOCKER_TABLE): string {
  const endsWithNewline = text.endsWith("\n");
  const lines = (endsWithNewline ? text.slice(0, -1) : text).split("\n").map((l) => l.split("\t"));
  const widths: number[] = [];
  const out: string[] = [];
  const width = (s: string): number => [...s].length;

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      out.push(lines[i]!.map((cell, j) => (j < widths.length ? cell + " ".repeat(Math.max(0, widths[j]! - width(cell))) : cell)).join(""));
    }
  };

  // Go's tabwriter.format: find each block of lines with a cell in this column, size it, recurse into it.
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i]!.length - 1) continue;
      writeLines(line0, i);
      line0 = i;
      let w = opts.minWidth;
      for (; i < line1 && column < lines[i]!.length - 1; i++) w = Math.max(w, width(lines[i]![column]!) + opts.padding);
      widths.push(w);
      format(line0, i);
      widths.pop();
      line0 = i;
      i--; // the loop's i++ would skip the line that ended the block
    }
    writeLines(line0, line1);
  };
  format(0, lines.length);
  return out.join("\n") + (endsWithNewline ? "\n" : "");
}
