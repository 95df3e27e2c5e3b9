import assert from "node:assert/strict";
import { it } from "node:test";
import { GoStruct, TemplateError } from "./go-template/go-template.js";
import { headerRow, parseListFormat, renderList } from "./list-format.js";

const header = headerRow("row", { ID: "CONTAINER ID", Names: "NAMES", Status: "STATUS" }, ["Label"]);
const rows = [
  new GoStruct("row", { ID: "abc", Names: "web", Status: "Up 2 minutes", Label: (k: unknown) => (k === "tier" ? "front" : "") }),
  new GoStruct("row", { ID: "def", Names: "a-longer-name", Status: "Exited (0) 1 hour ago", Label: () => "" }),
];

const render = (format: string): string => {
  const f = parseListFormat(format);
  assert.equal(f.kind, "template");
  return renderList(f as Extract<typeof f, { kind: "template" }>, rows, header);
};

it("parseListFormat: table alone is the command's own table", () => {
  assert.deepEqual(parseListFormat("table"), { kind: "default-table" });
  assert.deepEqual(parseListFormat("table  "), { kind: "default-table" });
});

it("renderList: a template prints once per row, with a newline, and no header", () => {
  assert.equal(render("{{.ID}} {{.Names}}"), "abc web\ndef a-longer-name\n");
});

it("renderList: a typed \\t is a tab, as in docker", () => {
  assert.equal(render("{{.ID}}\\t{{.Names}}"), "abc\tweb\ndef\ta-longer-name\n");
});

it("renderList: table has docker's header and aligned columns", () => {
  assert.equal(render("table {{.Names}}\\t{{.Status}}\t{{.Label \"tier\"}}"),
    "NAMES           STATUS                  TIER\n"
    + "web             Up 2 minutes            front\n"
    + "a-longer-name   Exited (0) 1 hour ago   \n");
});

it("renderList: no rows, a table is its header", () => {
  const f = parseListFormat("table {{.ID}}");
  assert.equal(renderList(f as Extract<typeof f, { kind: "template" }>, [], header), "CONTAINER ID\n");
});

it("parseListFormat: a bad template is a usage error before anything runs", () => {
  assert.throws(() => parseListFormat("table {{.ID"), TemplateError);
});
