import { GoStruct, GoTemplate } from "./go-template/go-template.js";
import { alignTabs } from "./tab-writer.js";

/**
 * A list command's `--format` (ps, images) read as docker reads it:
 * `table` alone is the command's own table; `table TEMPLATE` is a table
 * whose header row is the template run over the column names; anything
 * else is a template printed once per row. A typed `\t` or `\n` stands
 * for a tab or a newline, and spaces around the template are dropped, as
 * docker does. Parsed before anything is listed, so a bad template fails
 * (exit 2) without side effects.
 */
export type ListFormat =
  | { readonly kind: "default-table" }
  | { readonly kind: "template"; readonly template: GoTemplate; readonly isTable: boolean };

export function parseListFormat(format: string): ListFormat {
  const isTable = format.startsWith("table");
  const body = (isTable ? format.slice("table".length) : format).replace(/^ +| +$/g, "").replace(/\\t/g, "\t").replace(/\\n/g, "\n");
  if (isTable && body === "") return { kind: "default-table" };
  return { kind: "template", template: GoTemplate.parse(body), isTable };
}

/**
 * The rows as the template prints them, each followed by a newline; for a
 * table, the header row first and the whole aligned on its tabs as
 * docker's tabwriter aligns it. `header` maps each field to its column name.
 */
export function renderList(format: Extract<ListFormat, { kind: "template" }>, rows: readonly GoStruct[], header: GoStruct): string {
  const lines = rows.map((r) => `${format.template.execute(r)}\n`).join("");
  if (!format.isTable) return lines;
  return alignTabs(`${format.template.executeHeader(header)}\n${lines}`);
}

/**
 * The header row's data: each field gives its column name, and a method
 * (`.Label "com.example.k"`) the last part of its argument upper-cased,
 * as docker heads such a column.
 */
export function headerRow(typeName: string, names: Readonly<Record<string, string>>, methods: readonly string[]): GoStruct {
  const label = (key: unknown): string => String(key).split(".").at(-1)!.toUpperCase();
  return new GoStruct(typeName, { ...names, ...Object.fromEntries(methods.map((m) => [m, label])) });
}
