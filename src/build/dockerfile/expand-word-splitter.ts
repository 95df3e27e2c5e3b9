/**
 * Where docker's shell lexer splits words (ProcessWords): on Go's
 * unicode.IsSpace, never inside quotes or after an escape.
 */

const WHITE_SPACE = /^\p{White_Space}$/u;

/** Go's unicode.IsSpace. */
export function isSpace(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return WHITE_SPACE.test(ch);
}

/** Words as docker's wordsStruct builds them: quoted text never splits, empty words are dropped. */
export class WordSplitter {
  private readonly words: string[] = [];
  private word = "";

  addChar(ch: string): void {
    if (!isSpace(ch)) this.word += ch;
    else if (this.word !== "") {
      this.words.push(this.word);
      this.word = "";
    }
  }
  /** Text from a `$` expansion: its white space splits words. Copied in runs, not character by character. */
  addString(s: string): void {
    let start = 0;
    for (let i = 0; i <= s.length; i++) {
      if (i < s.length && !isSpace(s[i]!)) continue;
      if (i > start) this.word += s.slice(start, i);
      if (i < s.length) this.addChar(s[i]!);
      start = i + 1;
    }
  }
  addRaw(s: string): void {
    this.word += s;
  }
  done(): string[] {
    if (this.word !== "") this.words.push(this.word);
    this.word = "";
    return this.words;
  }
}
