import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GoStruct, GoTemplate, TemplateError } from "./go-template.js";

// An inspect object as berth prints it (JSON: every object is a Go map).
const container = {
  Id: "c0ffee",
  Name: "/web",
  State: { Pid: 4242, Running: true, ExitCode: 0, Health: null, Status: "running" },
  Config: { Labels: { "com.example.k": "v", a: "<b>&" }, Env: ["A=1", "B=2"], Cmd: [] },
  NetworkSettings: { IPAddress: "", Networks: { zeta: { IPAddress: "10.0.0.2" }, alpha: { IPAddress: "10.0.0.1" } } },
  IPAM: { Config: [{ Subnet: "10.89.0.0/24" }, { Subnet: "fd00::/64" }] },
  Big: 1e300,
  Nested: [[1, 2], [3]],
};

const row = new GoStruct("*formatter.ContainerContext", { ID: "c0ffee", Names: "web", Label: (k: unknown) => (k === "x" ? "1" : "") }, { Size: "not measured" });

interface Case {
  readonly name: string;
  readonly template: string;
  readonly data?: unknown;
  readonly want?: string;
  /** A TemplateError whose message matches. */
  readonly expectErr?: RegExp;
}

const cases: readonly Case[] = [
  // Field chains and maps
  { name: "field chain", template: "{{.State.Pid}}", want: "4242" },
  { name: "text around actions", template: "pid={{.State.Pid}}\n", want: "pid=4242\n" },
  { name: "map key as field", template: "{{.Config.Labels.a}}", want: "<b>&" },
  { name: "missing key is <no value>", template: "{{.Config.Labels.nope}}", want: "<no value>" },
  { name: "missing key's field is <no value> too (Go: invalid receiver)", template: "{{.Nope.Deeper}}", want: "<no value>" },
  { name: "a field of null (Go's nil) fails", template: "{{.State.Health.Status}}", expectErr: /at 1:3: executing: nil pointer evaluating \.State\.Health\.Status/ },
  { name: "a field of a string fails", template: "{{.Name.X}}", expectErr: /can't evaluate field X in type string/ },
  { name: "dot prints a map as Go's fmt, keys sorted", template: "{{.Config.Labels}}", want: "map[a:<b>& com.example.k:v]" },
  { name: "slice prints as Go's fmt", template: "{{.Config.Env}} {{.Config.Cmd}} {{.Nested}}", want: "[A=1 B=2] [] [[1 2] [3]]" },
  { name: "bool and empty string", template: "{{.State.Running}}[{{.NetworkSettings.IPAddress}}]", want: "true[]" },
  { name: "huge number prints as Go's float", template: "{{.Big}}", want: "1e+300" },
  { name: "small float gets a two-digit exponent", template: "{{0.0000001}}", want: "1e-07" },
  // json
  { name: "json is compact, escapes <>& and has no newline", template: "{{json .Config}}", want: '{"Labels":{"com.example.k":"v","a":"\\u003cb\\u003e\\u0026"},"Env":["A=1","B=2"],"Cmd":[]}' },
  { name: "json of a missing value is null", template: "{{json .Nope}}", want: "null" },
  { name: "json in a pipeline", template: "{{.Config.Env | json}}", want: '["A=1","B=2"]' },
  { name: "json of a row skips methods", template: "{{json .}}", data: row, want: '{"ID":"c0ffee","Names":"web"}' },
  // index
  { name: "index of a map", template: '{{index .Config.Labels "com.example.k"}}', want: "v" },
  { name: "index of a missing key", template: '{{index .Config.Labels "nope"}}', want: "<no value>" },
  { name: "index of a slice, nested", template: "{{index .Nested 0 1}}", want: "2" },
  { name: "index out of range", template: "{{index .Config.Env 5}}", expectErr: /error calling index: index out of range: 5/ },
  { name: "index of a slice by string", template: '{{index .Config.Env "a"}}', expectErr: /expected an integer/ },
  { name: "index with a huge number", template: "{{index .Config.Env 99999999999999999999999}}", expectErr: /expected an integer/ },
  // range
  { name: "range over a map, sorted keys", template: "{{range .NetworkSettings.Networks}}{{.IPAddress}},{{end}}", want: "10.0.0.1,10.0.0.2," },
  { name: "range over a slice", template: "{{range .IPAM.Config}}{{.Subnet}} {{end}}", want: "10.89.0.0/24 fd00::/64 " },
  { name: "range with key and value", template: "{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}", want: "a=<b>&;com.example.k=v;" },
  { name: "range with index", template: "{{range $i, $e := .Config.Env}}{{$i}}:{{$e}} {{end}}", want: "0:A=1 1:B=2 " },
  { name: "range else on empty", template: "{{range .Config.Cmd}}x{{else}}none{{end}}", want: "none" },
  { name: "range over missing is empty", template: "{{range .Nope}}x{{else}}none{{end}}", want: "none" },
  { name: "range over a number fails", template: "{{range .State.Pid}}{{end}}", expectErr: /range can't iterate over 4242/ },
  { name: "$ is the root inside range", template: "{{range .Config.Env}}{{$.Name}}{{end}}", want: "/web/web" },
  // if / with
  { name: "if true", template: "{{if .State.Running}}up{{else}}down{{end}}", want: "up" },
  { name: "if empty string is false", template: "{{if .NetworkSettings.IPAddress}}ip{{else}}no ip{{end}}", want: "no ip" },
  { name: "if zero, empty slice and missing are false", template: "{{if .State.ExitCode}}a{{end}}{{if .Config.Cmd}}b{{end}}{{if .Nope}}c{{end}}", want: "" },
  { name: "else if", template: "{{if .Nope}}a{{else if .State.Running}}b{{else}}c{{end}}", want: "b" },
  { name: "with sets dot", template: "{{with .State}}{{.Pid}}{{end}}", want: "4242" },
  { name: "with on null runs else", template: "{{with .State.Health}}{{.Status}}{{else}}no health{{end}}", want: "no health" },
  { name: "eq, len and parentheses", template: "{{if eq (len .Config.Env) 2}}two{{end}}", want: "two" },
  { name: "and, or, not", template: "{{and 1 0}} {{or 0 \"x\"}} {{not .Nope}}", want: "0 x true" },
  { name: "comparing string with number fails", template: '{{eq .Name 1}}', expectErr: /incompatible types for comparison/ },
  // functions
  { name: "println", template: "{{println .Name .State.Pid}}", want: "/web 4242\n" },
  { name: "printf verbs", template: '{{printf "%s|%d|%v|%q|%5s|%-4d|%x|%%" .Name .State.Pid .Config.Env .Name "ab" 7 255}}', want: '/web|4242|[A=1 B=2]|"/web"|   ab|7   |ff|%' },
  { name: "printf mismatches print as Go's", template: '{{printf "%d %s" "x"}}', want: "%!d(string=x) %!s(MISSING)" },
  { name: "printf of a huge literal is a float", template: '{{printf "%d" 99999999999999999999999}}', want: "%!d(float64=1e+23)" },
  { name: "printf refuses a huge width", template: '{{printf "%999999999d" 1}}', want: "%!(BADWIDTH)1" },
  { name: "join, upper, lower, title", template: '{{join .Config.Env ","}} {{upper "ab"}} {{lower "AB"}} {{title "hello big world"}}', want: "A=1,B=2 AB ab Hello Big World" },
  { name: "len of a string counts bytes", template: '{{len "é"}} {{len .Config.Labels}}', want: "2 2" },
  { name: "split then index", template: '{{index (split "a:b" ":") 1}}', want: "b" },
  { name: "truncate and pad", template: '[{{truncate "abcdef" 3}}][{{pad "x" 1 2}}]', want: "[abc][ x  ]" },
  { name: "function with the wrong count", template: "{{len}}", expectErr: /wrong number of args for len: want 1 got 0/ },
  { name: "upper of a number", template: "{{upper .State.Pid}}", expectErr: /expected string; got int/ },
  // literals, variables, trimming, comments
  { name: "string escapes", template: '{{"a\\tb\\n\\u00e9\\x41\\101"}}|{{`raw\\n`}}', want: "a\tb\néAA|raw\\n" },
  { name: "char constant is a number", template: "{{'a'}}", want: "97" },
  { name: "number forms", template: "{{0x1F}} {{0755}} {{1_000}} {{-3}} {{1.5}}", want: "31 493 1000 -3 1.5" },
  { name: "variable declared and assigned", template: "{{$x := .Name}}{{$x = \"b\"}}{{$x}}", want: "b" },
  { name: "trim markers", template: "a  {{- .Name -}}  \n b", want: "a/webb" },
  { name: "{{-3}} is a number, not a trim", template: "a {{-3}}", want: "a -3" },
  { name: "comment", template: "x{{/* a comment */}}y {{- /* trimmed */ -}} z", want: "xyz" },
  { name: "dot alone", template: "{{.}}", data: "s", want: "s" },
  // rows (Go structs): methods, unknown and unsupported fields
  { name: "method with argument", template: '{{.Label "x"}}|{{.Label "y"}}', data: row, want: "1|" },
  { name: "unknown field of a row fails", template: "{{.Nope}}", data: row, expectErr: /can't evaluate field Nope in type \*formatter.ContainerContext/ },
  { name: "unsupported field of a row says why", template: "{{.Size}}", data: row, expectErr: /\.Size: not measured/ },
  { name: "argument to a non-method", template: '{{.ID "x"}}', data: row, expectErr: /\.ID is not a method but has arguments/ },
  // hostile and broken input
  { name: "unterminated action", template: "ab{{.Name", expectErr: /^template "ab\{\{\.Name": at 1:3: unclosed action/ },
  { name: "position on a later line", template: "x\n  {{.Name}} {{nope}}", expectErr: /at 2:15: function "nope" not defined/ },
  { name: "unknown function", template: "{{foo .X}}", expectErr: /function "foo" not defined/ },
  { name: "unterminated string", template: '{{"abc}}', expectErr: /unterminated quoted string/ },
  { name: "bad escape", template: '{{"\\q"}}', expectErr: /unknown escape sequence/ },
  { name: "bad number", template: "{{3abc}}", expectErr: /bad number syntax/ },
  { name: "missing end", template: "{{if .X}}a", expectErr: /has no \{\{end\}\}/ },
  { name: "stray end", template: "a{{end}}", expectErr: /unexpected \{\{end\}\}/ },
  { name: "stray else", template: "{{else}}", expectErr: /unexpected \{\{else\}\}/ },
  { name: "empty action", template: "{{}}", want: "" },
  { name: "empty pipeline after |", template: "{{.Name |}}", expectErr: /missing command/ },
  { name: "undefined variable", template: "{{$nope}}", expectErr: /undefined variable "\$nope"/ },
  { name: "variable out of scope after end", template: "{{range $v := .Config.Env}}{{end}}{{$v}}", expectErr: /undefined variable "\$v"/ },
  { name: "unsupported define", template: '{{define "x"}}{{end}}', expectErr: /\{\{define\}\} is not supported/ },
  { name: "unclosed paren", template: "{{(len .Config.Env}}", expectErr: /unclosed left paren/ },
  { name: "unclosed comment", template: "{{/* x }}", expectErr: /unclosed comment/ },
  { name: "nesting past the limit", template: "{{if 1}}".repeat(101) + "{{end}}".repeat(101), expectErr: /nested more than 100 deep/ },
  { name: "parentheses past the limit", template: `{{${"(".repeat(101)}1${")".repeat(101)}}}`, expectErr: /nested more than 100 deep/ },
  { name: "nesting at the limit is fine", template: "{{if 1}}".repeat(100) + "x" + "{{end}}".repeat(100), want: "x" },
  { name: "nested ranges that run too long are stopped", template: "{{range $.}}{{range $.}}{{range $.}}{{range $.}}{{end}}{{end}}{{end}}{{end}}", data: Array.from({ length: 100 }, () => 0), expectErr: /stopped after \d+ steps/ },
  { name: "output past the limit is stopped", template: '{{range .}}{{printf "%999999s" ""}}{{end}}', data: Array.from({ length: 20 }, () => 0), expectErr: /output passes/ },
];

describe("GoTemplate", () => {
  for (const c of cases) {
    it(c.name, () => {
      const run = (): string => GoTemplate.parse(c.template).execute(c.data ?? container);
      if (c.expectErr) {
        assert.throws(run, (e: unknown) => e instanceof TemplateError && c.expectErr!.test(e.message) && e.code === "INVALID_ARGUMENT", c.template);
      } else {
        assert.equal(run(), c.want, c.template);
      }
    });
  }

  it("a table header: the column names, json and upper leave them as they are", () => {
    const header = new GoStruct("h", { ID: "CONTAINER ID", Names: "NAMES" });
    assert.equal(GoTemplate.parse("{{.ID}}\t{{json .Names}}\t{{upper .Names}}").executeHeader(header), "CONTAINER ID\tNAMES\tNAMES");
  });
});
