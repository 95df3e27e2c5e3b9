/**
 * The HTTP client of the conformance suite, doing what the Go suite's client
 * (github.com/bloodorangeio/reggie over resty) does: fill `<name>`,
 * `<reference>` and `<digest>` into a route, append query parameters to the
 * ones already in a Location, answer a 401 once with Basic auth or a Bearer
 * token, and follow redirects. Every request stays on the root URL's origin.
 */

/** One answered request; the body is read whole. */
export interface RegistryResponse {
  readonly method: string;
  /** Path and query of the request, for messages. */
  readonly path: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
  /** A header's value, or "" when absent (Go's Header().Get). */
  header(name: string): string;
  /** The body decoded as UTF-8. */
  text(): string;
  /** Path and query of the Location header, "" when absent (reggie's GetRelativeLocation). */
  relativeLocation(): string;
}

/** What to send besides method and path. */
export interface RequestSpec {
  /** Appended after any query already in the path, in this order. */
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent with a Content-Length computed from its size. */
  readonly body?: Uint8Array;
}

/** Values for the `<name>`, `<reference>` and `<digest>` placeholders of a route. */
export interface RouteParams {
  /** Defaults to the client's namespace. */
  readonly name?: string;
  readonly reference?: string;
  readonly digest?: string;
}

/** Options of {@link RegistryClient}. */
export interface RegistryClientOptions {
  readonly rootUrl: () => string;
  readonly namespace: string;
  readonly username?: string;
  readonly password?: string;
  readonly authScope?: string;
  readonly timeoutMs: number;
  readonly log?: (line: string) => void;
}

const USER_AGENT = "distribution-spec-conformance-tests";
const MAX_REDIRECTS = 10;
const LOGGED_BODY_BYTES = 2048;

export class RegistryClient {
  constructor(private readonly opts: RegistryClientOptions) {}

  /** The repository `<name>` stands for. */
  get namespace(): string {
    return this.opts.namespace;
  }

  /**
   * Fill a route like `/v2/<name>/manifests/<reference>`. Throws "request is
   * invalid" when a placeholder stays unfilled (an empty value), as reggie
   * refuses to send such a request.
   */
  route(template: string, params: RouteParams = {}): string {
    const values: Record<string, string | undefined> = {
      "<name>": params.name ?? this.opts.namespace,
      "<reference>": params.reference,
      "<digest>": params.digest,
    };
    let path = template;
    for (const [placeholder, value] of Object.entries(values)) {
      if (value !== undefined && value !== "") path = path.split(placeholder).join(value);
    }
    if (/<name>|<reference>|<digest>|<session_id>|\/{3,}/.test(path)) {
      throw new Error(`request is invalid: ${path} (a placeholder has no value)`);
    }
    return path;
  }

  /**
   * Send `method` to the root URL joined with `path` (a filled route or a
   * relative Location). A 401 with WWW-Authenticate is answered once with
   * credentials; same-origin redirects are followed up to 10 times.
   */
  async send(method: string, path: string, spec: RequestSpec = {}): Promise<RegistryResponse> {
    const url = this.urlFor(path, spec.query);
    const headers = new Headers({ "User-Agent": USER_AGENT, ...spec.headers });
    let res = await this.follow(method, url, headers, spec.body);
    if (res.status === 401 && res.header("WWW-Authenticate") !== "") {
      const authorization = await this.authorize(res.header("WWW-Authenticate"));
      headers.set("Authorization", authorization);
      res = await this.follow(method, url, headers, spec.body);
    }
    return res;
  }

  private urlFor(path: string, query: Readonly<Record<string, string>> | undefined): URL {
    const root = this.opts.rootUrl().replace(/\/+$/, "");
    const url = new URL(`${root}/${path.replace(/^\//, "")}`);
    const added = new URLSearchParams(query).toString();
    // Append as text, like resty: re-encoding an upload's opaque state could change it.
    if (added !== "") url.search = url.search === "" ? added : `${url.search.slice(1)}&${added}`;
    return url;
  }

  private assertSameOrigin(url: URL, what: string): void {
    const origin = new URL(this.opts.rootUrl()).origin;
    if (url.origin !== origin) {
      throw new Error(`${what} points to ${url.origin}, not the registry at ${origin}; the conformance suite sends no request elsewhere`);
    }
  }

  private async follow(method: string, url: URL, headers: Headers, body: Uint8Array | undefined): Promise<RegistryResponse> {
    let current = { method, url, body };
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const res = await this.roundTrip(current.method, current.url, headers, current.body);
      const location = res.header("Location");
      if (![301, 302, 303, 307, 308].includes(res.status) || location === "") return res;
      const next = new URL(location, current.url);
      this.assertSameOrigin(next, `redirect from ${current.method} ${res.path}`);
      // Go's client: 301/302/303 turn into a body-less GET (HEAD stays HEAD); 307/308 repeat the request.
      const keep = res.status === 307 || res.status === 308 || current.method === "HEAD";
      current = { method: keep ? current.method : "GET", url: next, body: keep ? current.body : undefined };
    }
    throw new Error(`${method} ${url.pathname}: more than ${MAX_REDIRECTS} redirects`);
  }

  private async roundTrip(method: string, url: URL, headers: Headers, body: Uint8Array | undefined): Promise<RegistryResponse> {
    const path = `${url.pathname}${url.search}`;
    this.opts.log?.(`--> ${method} ${url.href}\n${formatHeaders(headers)}${body ? `\n${preview(body)}` : ""}`);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      throw new Error(`${method} ${url.href}: no response: ${(err as Error).message}`, { cause: err });
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    this.opts.log?.(`<-- ${res.status} ${method} ${path}\n${formatHeaders(res.headers)}${bytes.length > 0 ? `\n${preview(bytes)}` : ""}`);
    return makeResponse(method, path, res.status, res.headers, bytes);
  }

  /** The Authorization value answering a WWW-Authenticate challenge, as reggie's retryRequestWithAuth. */
  private async authorize(challenge: string): Promise<string> {
    const basic = `Basic ${Buffer.from(`${this.opts.username ?? ""}:${this.opts.password ?? ""}`).toString("base64")}`;
    const scheme = /bearer|basic/i.exec(challenge)?.[0].toLowerCase();
    if (scheme === "basic") return basic;
    if (scheme !== "bearer") throw new Error(`cannot answer the authentication challenge "${challenge}": neither Basic nor Bearer`);
    const params = new Map([...challenge.matchAll(/([a-zA-Z]+)="(.+?)"/g)].map((m) => [(m[1] ?? "").toLowerCase(), m[2] ?? ""]));
    const realm = params.get("realm");
    if (realm === undefined) throw new Error(`Bearer challenge "${challenge}" has no realm`);
    const tokenUrl = new URL(realm);
    this.assertSameOrigin(tokenUrl, "the token realm");
    tokenUrl.searchParams.set("service", params.get("service") ?? "");
    const scope = this.opts.authScope ?? params.get("scope");
    if (scope !== undefined && scope !== "") tokenUrl.searchParams.set("scope", scope);
    const res = await this.roundTrip("GET", tokenUrl, new Headers({ Accept: "application/json", "User-Agent": USER_AGENT, Authorization: basic }), undefined);
    let info: { token?: unknown; access_token?: unknown };
    try {
      info = JSON.parse(res.text()) as typeof info;
    } catch (err) {
      throw new Error(`token realm ${tokenUrl.pathname} answered ${res.status} with a body that is not JSON`, { cause: err });
    }
    const token = typeof info.token === "string" && info.token !== "" ? info.token : info.access_token;
    return `Bearer ${typeof token === "string" ? token : ""}`;
  }
}

function makeResponse(method: string, path: string, status: number, headers: Headers, body: Uint8Array): RegistryResponse {
  return {
    method,
    path,
    status,
    headers,
    body,
    header: (name) => headers.get(name) ?? "",
    text: () => Buffer.from(body).toString("utf8"),
    relativeLocation: () => {
      const location = headers.get("Location");
      if (location === null || location === "") return "";
      try {
        const u = new URL(location, "http://relative.invalid");
        return `${u.pathname}${u.search}`;
      } catch {
        return "";
      }
    },
  };
}

const formatHeaders = (headers: Headers): string =>
  [...headers].map(([k, v]) => `    ${k}: ${k === "authorization" ? "<redacted>" : v}`).join("\n");

const preview = (bytes: Uint8Array): string => {
  const text = Buffer.from(bytes.subarray(0, LOGGED_BODY_BYTES)).toString("utf8");
  return bytes.length > LOGGED_BODY_BYTES ? `${text}… (${bytes.length} bytes)` : text;
};
