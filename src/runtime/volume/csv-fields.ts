import { InvalidArgumentError } from "../../oci/index.js";

/**
 * The comma-separated fields of one `--mount` value, read as docker reads
 * it (Go's encoding/csv, one record): a field may be double-quoted to hold
 * commas (`"volume-label=a=b,c"`), with `""` for a quote inside. Throws
 * InvalidArgumentError, prefixed by `subject`, for a quote in the middle of
 * an unquoted field, text after a closing quote, an unterminated quote or
 * a line break.
 */
export function csvFields(text: string, subject: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new InvalidArgumentError(`${subject}: a quoted field has no closing "`);
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i];
        i++;
      }
      if (i < text.length && text[i] !== ",") throw new InvalidArgumentError(`${subject}: text after a closing quote at position ${i + 1}`);
    } else {
      const end = text.indexOf(",", i);
      field = text.slice(i, end < 0 ? text.length : end);
      if (field.includes('"')) throw new InvalidArgumentError(`${subject}: a " inside an unquoted field; quote the whole field ("key=value")`);
      i = end < 0 ? text.length : end;
    }
    if (/[\r\n]/.test(field)) throw new InvalidArgumentError(`${subject}: a field holds a line break`);
    fields.push(field);
    if (i >= text.length) return fields;
    i++; // the comma
  }
}
