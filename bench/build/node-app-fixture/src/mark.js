// The bench rewrites the next line before each build: its warm rebuild is "one line of one
// source file changed".
export const BUILD_MARK = "fixture";
