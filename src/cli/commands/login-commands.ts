import { Command } from "commander";
import { RegistryClient, removeCredentials, saveCredentials } from "../../client/index.js";
import { BerthError, InvalidArgumentError, isBerthError } from "../../oci/index.js";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

/** login and logout, with credentials in docker's config.json (so docker and berth share them). */
export function loginCommands(): Command[] {
  const login = new Command("login")
    .description("log in to a registry; credentials are checked, then stored in docker's config.json")
    .argument("[server]", "registry host[:port]", "docker.io")
    .option("-u, --username <name>", "user name")
    .option("-p, --password <password>", "password (prefer --password-stdin: arguments show in ps)")
    .option("--password-stdin", "read the password from standard input")
    .option("--insecure-registry", "speak plain HTTP to this registry (loopback always is)")
    .action(async (server: string, flags: { username?: string; password?: string; passwordStdin?: boolean; insecureRegistry?: boolean }) => {
      if (!flags.username) throw new InvalidArgumentError("login: --username is required", { hint: "berth login -u NAME --password-stdin HOST" });
      if (flags.password !== undefined && flags.passwordStdin) throw new InvalidArgumentError("login: --password and --password-stdin exclude each other");
      const password = flags.passwordStdin ? await readStdin() : flags.password;
      if (!password) throw new InvalidArgumentError("login: no password given", { hint: "use --password-stdin" });
      const host = server.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
      const client = new RegistryClient(host === "docker.io" ? "registry-1.docker.io" : host, {
        credentials: { username: flags.username, password },
        ...(flags.insecureRegistry && { insecure: true }),
      });
      try {
        await client.ping();
      } catch (e) {
        // The client's hint ("run berth login HOST") is the command that just failed.
        if (!isBerthError(e, "UNAUTHENTICATED")) throw e;
        throw new BerthError("UNAUTHENTICATED", `login ${host}: the registry refused the username or password for ${flags.username}`, {
          cause: e, hint: "check them and try again; nothing was saved",
        });
      }
      await saveCredentials(host, flags.username, password);
      process.stdout.write("Login Succeeded\n");
    });

  const logout = new Command("logout")
    .description("remove stored credentials for a registry")
    .argument("[server]", "registry host[:port]", "docker.io")
    .action(async (server: string) => {
      const host = server.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
      const removed = await removeCredentials(host);
      process.stdout.write(removed ? `Removing login credentials for ${host}\n` : `Not logged in to ${host}\n`);
    });
  return [login, logout];
}
