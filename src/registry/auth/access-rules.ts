import { REPOSITORY_ACTIONS, type AccessRule } from "./auth-config.js";
import type { AccessScope } from "./access-scope.js";

interface CompiledRule {
  readonly pattern: RegExp;
  readonly users: ReadonlySet<string>;
  readonly actions: ReadonlySet<string>;
}

/**
 * A repository glob as a RegExp: `*` matches within one path segment, `**`
 * across segments, anything else literally. A whole `**` segment in the
 * middle may also match no segment, so `a`, `**`, `b` joined by slashes
 * matches `a/b` as well as `a/x/y/b`.
 */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; ) {
    if (glob.startsWith("**/", i)) {
      re += "(?:.*/)?";
      i += 3;
    } else if (glob.startsWith("**", i)) {
      re += ".*";
      i += 2;
    } else if (glob[i] === "*") {
      re += "[^/]*";
      i += 1;
    } else {
      re += glob[i]!.replace(/[.+?^${}()|[\]\\-]/g, "\\$&");
      i += 1;
    }
  }
  return new RegExp(`^${re}$`);
}

const expand = (actions: Iterable<string>): Set<string> => {
  const set = new Set(actions);
  if (set.has("*")) for (const a of REPOSITORY_ACTIONS) set.add(a);
  return set;
};

/**
 * Who may do what on which repository, from the `access:` rules of the config.
 *
 * Rules are tried in order; the first whose repository glob and users both
 * match decides. Users are names, `*` (any authenticated user) or
 * `anonymous` (no credentials). When rules name the repository but none names
 * the account, nothing is granted: a rule for `team-a/*` closes those
 * repositories to everyone it does not list. When no rule names the
 * repository, authenticated users may pull, push and delete, and anonymous
 * users get what `anonymous` says (`pull` or nothing).
 *
 * The registry itself (`registry:catalog:*`, listing all repositories) is
 * open to authenticated users only.
 */
export class AccessRules {
  private readonly rules: readonly CompiledRule[];
  private readonly anonymousDefault: ReadonlySet<string>;

  constructor(rules: readonly AccessRule[], anonymous: "none" | "pull") {
    this.rules = rules.map((r) => ({ pattern: globToRegExp(r.repository), users: new Set(r.users), actions: expand(r.actions) }));
    this.anonymousDefault = new Set(anonymous === "pull" ? ["pull"] : []);
  }

  /**
   * The actions of `requested` that `account` (undefined: no credentials)
   * may do on `repository`, in the order requested. A requested `*` is granted
   * only with all of pull, push and delete; unknown actions never are.
   */
  evaluate(account: string | undefined, repository: string, requested: readonly string[]): string[] {
    const allowed = this.allowedActions(account, repository);
    return [...new Set(requested)].filter((a) => (a === "*" ? REPOSITORY_ACTIONS.every((x) => allowed.has(x)) : allowed.has(a)));
  }

  /** `scope` with its actions cut down to those granted; see {@link evaluate}. */
  grant(account: string | undefined, scope: AccessScope): AccessScope {
    if (scope.type === "registry") {
      const granted = account !== undefined && scope.name === "catalog" ? scope.actions.filter((a) => a === "*") : [];
      return { ...scope, actions: granted };
    }
    return { ...scope, actions: this.evaluate(account, scope.name, scope.actions) };
  }

  private allowedActions(account: string | undefined, repository: string): ReadonlySet<string> {
    let named = false;
    for (const rule of this.rules) {
      if (!rule.pattern.test(repository)) continue;
      named = true;
      const userMatches = account === undefined ? rule.users.has("anonymous") : rule.users.has("*") || rule.users.has(account);
      if (userMatches) return rule.actions;
    }
    if (named) return new Set();
    return account === undefined ? this.anonymousDefault : new Set(REPOSITORY_ACTIONS);
  }
}
