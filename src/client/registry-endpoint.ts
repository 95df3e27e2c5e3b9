import { InvalidArgumentError } from "../oci/index.js";

/** Where a registry's API is, and how to speak to it. */
export interface RegistryEndpoint {
  /** The registry as references name it: "docker.io", "localhost:5000", "[::1]:5000". */
  readonly host: string;
  /** The API's origin: "https://registry-1.docker.io", "http://localhost:5000". */
  readonly baseUrl: URL;
  /** True when plain HTTP is used. */
  readonly isInsecure: boolean;
}

/** Options for {@link registryEndpoint}. */
export interface RegistryEndpointOptions {
  /** Speak plain HTTP to this registry. */
  readonly insecure?: boolean;
  /** Hosts spoken to over plain HTTP: "host:port" for one port, or "host" for any. */
  readonly insecureRegistries?: readonly string[];
}

// Docker Hub's API lives on another name than the one references use (part of the reference spec).
const DOCKER_HUB_API = "registry-1.docker.io";
const HUB_NAMES = new Set(["docker.io", "index.docker.io"]);

/**
 * The endpoint of registry `host`. HTTPS, except for loopback hosts
 * (localhost, 127.0.0.0/8, [::1]) and hosts the options list as insecure,
 * which get plain HTTP, as docker treats them. Throws InvalidArgumentError
 * when `host` is not a plain host[:port] (no scheme, path, user or query).
 */
export function registryEndpoint(host: string, opts: RegistryEndpointOptions = {}): RegistryEndpoint {
  const url = parseHost(host);
  const isInsecure = opts.insecure === true || isLoopbackHost(url.hostname) || isListed(url, opts.insecureRegistries ?? []);
  const apiHost = HUB_NAMES.has(url.hostname) && url.port === "" ? DOCKER_HUB_API : host.toLowerCase();
  return Object.freeze({ host, baseUrl: new URL(`${isInsecure ? "http" : "https"}://${apiHost}`), isInsecure });
}

/** Whether a host name (no port) is this machine: "localhost", 127.0.0.0/8, "[::1]". */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === "localhost" || h.endsWith(".localhost") || h === "[::1]" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Whether `url` (any URL) may be spoken to in plain HTTP given the insecure
 * list: used for token realms and redirects, so that credentials never cross
 * the network in clear text except where the user said so.
 */
export function isInsecureAllowed(url: URL, insecureRegistries: readonly string[]): boolean {
  return url.protocol === "https:" || isLoopbackHost(url.hostname) || isListed(url, insecureRegistries);
}

function isListed(url: URL, list: readonly string[]): boolean {
  return list.some((entry) => {
    const e = entry.toLowerCase().replace(/^https?:\/\//, "").replace(/\/+$/, "");
    return e === url.host.toLowerCase() || e === url.hostname.toLowerCase();
  });
}

function parseHost(host: string): URL {
  const fail = (): InvalidArgumentError =>
    new InvalidArgumentError(`registry host "${host}": must be host[:port]`, { hint: "for example registry.example.com, localhost:5000 or [::1]:5000" });
  if (host === "" || /[/\s@?#\\]/.test(host)) throw fail();
  let url: URL;
  try {
    url = new URL(`http://${host}`);
  } catch {
    throw fail();
  }
  if (url.host.toLowerCase() !== host.toLowerCase() && `${url.host}:80` !== host.toLowerCase()) throw fail();
  return url;
}
