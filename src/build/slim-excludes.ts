/**
 * Paths left out of every base, as Debian's official slim images leave them
 * out (debuerreotype's `slimify`, a dpkg `path-exclude` list): manuals, info
 * pages, translations and documentation — except each package's
 * `copyright` file, which licences require to ship with the binaries.
 */
const EXCLUDED = [
  "usr/share/doc/",
  "usr/share/man/",
  "usr/share/info/",
  "usr/share/groff/",
  "usr/share/lintian/",
  "usr/share/linda/",
  "usr/share/locale/",
];

/** True when `path` (relative, no leading "./") is dropped from the image. Directories above the cut stay. */
export function isSlimExcluded(path: string): boolean {
  const p = path.replace(/^\.\//, "").replace(/\/+$/, "");
  if (!EXCLUDED.some((dir) => p.startsWith(dir))) return false;
  // usr/share/doc/<pkg>/copyright and the usr/share/doc/<pkg> directory holding it stay.
  return !/^usr\/share\/doc\/[^/]+(\/copyright)?$/.test(p);
}
