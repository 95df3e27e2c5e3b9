import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { isBerthError } from "../../oci/index.js";
import { formatComposeWarning } from "./compose-file-error.js";
import { loadComposeProject } from "./load-compose-project.js";
import { inProject, load, loadText, rejects } from "./compose.test-support.js";

const WEB = "services:\n  web:\n    image: nginx\n";

describe("finding the files", () => {
  it("finds compose.yaml in a parent directory and merges the override beside it", async () => {
    await inProject({ "compose.yaml": WEB, "compose.override.yaml": "services:\n  web:\n    image: nginx:2\n", "sub/deeper/.keep": "" }, async (dir) => {
      const r = await loadComposeProject({ env: {}, workingDir: join(dir, "sub", "deeper"), files: undefined });
      assert.deepEqual(r.project.files, [join(dir, "compose.yaml"), join(dir, "compose.override.yaml")]);
      assert.equal(r.project.services.web!.image, "nginx:2");
    });
  });

  it("prefers compose.yaml over docker-compose.yml, with a warning", async () => {
    await inProject({ "compose.yaml": WEB, "docker-compose.yml": "services:\n  old:\n    image: x\n" }, async (dir) => {
      const r = await load(dir);
      assert.deepEqual(Object.keys(r.project.services), ["web"]);
      assert.match(r.warnings.map(formatComposeWarning).join("\n"), /found several compose files/);
    });
  });

  it("reads docker-compose.yml when it is the only one", async () => {
    await inProject({ "docker-compose.yml": WEB }, async (dir) => assert.ok((await load(dir)).project.services.web));
  });

  it("takes COMPOSE_FILE, separated by colons", async () => {
    await inProject({ "a.yaml": WEB, "b.yaml": "services:\n  web:\n    read_only: true\n" }, async (dir) => {
      const r = await load(dir, { env: { COMPOSE_FILE: "a.yaml:b.yaml" } });
      assert.equal(r.project.services.web!.readOnly, true);
    });
  });

  it("says NOT_FOUND when no directory up to the root has a file", async () => {
    await inProject({ ".keep": "" }, async (dir) => {
      await assert.rejects(load(dir), (e: unknown) => isBerthError(e, "NOT_FOUND") && /no compose file/.test((e as Error).message));
    });
  });

  it("names a missing -f file", async () => {
    await inProject({}, async (dir) => { await rejects(load(dir, { files: [join(dir, "nope.yaml")] }), { file: join(dir, "nope.yaml"), match: /no such file/ }); });
  });

  it("refuses a file that is not UTF-8", async () => {
    await inProject({ "compose.yaml": new Uint8Array([0x73, 0x3a, 0x20, 0xff, 0xfe, 0x0a]) }, async (dir) => { await rejects(load(dir), { match: /not UTF-8/ }); });
  });
});

describe("several files", () => {
  const files = {
    "compose.yaml": "services:\n  web:\n    image: app\n    ports: [\"8080:80\"]\n    volumes: [\"./data:/data\"]\n    environment: {A: \"1\", B: \"2\"}\n",
    "ops/override.yaml": "services:\n  web:\n    ports: [\"8443:443\"]\n    volumes: [\"./logs:/logs\"]\n    environment: [B=3]\n",
  };

  it("merges in order and resolves every relative path against the first file's directory", async () => {
    await inProject(files, async (dir) => {
      const { project } = await load(dir, { files: [join(dir, "compose.yaml"), join(dir, "ops/override.yaml")] });
      const web = project.services.web!;
      assert.deepEqual(web.ports.map((p) => p.target), [80, 443]);
      assert.deepEqual(web.volumes.map((v) => v.source), [join(dir, "data"), join(dir, "logs")]);
      assert.deepEqual(web.environment, { A: "1", B: "3" });
      assert.equal(project.workingDir, dir);
    });
  });

  it("applies !reset and !override from a later file (13-merge.md)", async () => {
    await inProject({ ...files, "reset.yaml": "services:\n  web:\n    ports: !reset []\n    environment:\n      A: !reset null\n    volumes: !override\n      - ./only:/only\n" }, async (dir) => {
      const { project } = await load(dir, { files: [join(dir, "compose.yaml"), join(dir, "reset.yaml")] });
      assert.deepEqual(project.services.web!.ports, []);
      assert.deepEqual(project.services.web!.environment, { B: "2" });
      assert.deepEqual(project.services.web!.volumes.map((v) => v.target), ["/only"]);
    });
  });

  it("names the later file and its line when that file is wrong", async () => {
    await inProject({ ...files, "bad.yaml": "services:\n  web:\n    ports:\n      - \"8080:80\"\n      - \"99999:80\"\n" }, async (dir) => {
      await rejects(load(dir, { files: [join(dir, "compose.yaml"), join(dir, "bad.yaml")] }), { file: join(dir, "bad.yaml"), path: "services.web.ports[1]", line: 5 });
    });
  });

  it("names the later file when the files cannot be merged", async () => {
    await inProject({ ...files, "clash.yaml": "volumes:\n  data:\n    external: true\n", "compose.yaml": files["compose.yaml"] + "volumes:\n  data:\n    external: {name: shared}\n" }, async (dir) => {
      await rejects(load(dir, { files: [join(dir, "compose.yaml"), join(dir, "clash.yaml")] }), { file: join(dir, "clash.yaml"), path: "volumes.data.external", line: 3, match: /cannot merge a boolean into a mapping/ });
    });
  });

  it("locates a cross-file error in the file that wrote it", async () => {
    await inProject({ "compose.yaml": WEB, "more.yaml": "services:\n  api:\n    image: api\n    depends_on: [db]\n" }, async (dir) => {
      await rejects(load(dir, { files: [join(dir, "compose.yaml"), join(dir, "more.yaml")] }), { file: join(dir, "more.yaml"), path: "services.api.depends_on.db", line: 4 });
    });
  });
});

describe("project name", () => {
  const named = "name: From_File\n" + WEB;
  it("comes from the option first", async () => assert.equal((await loadText(named, { projectName: "opt", env: { COMPOSE_PROJECT_NAME: "envname" } })).project.name, "opt"));
  it("then from COMPOSE_PROJECT_NAME", async () => assert.equal((await loadText(named, { env: { COMPOSE_PROJECT_NAME: "envname" } })).project.name, "envname"));
  it("then from name:, normalised", async () => assert.equal((await loadText(named)).project.name, "from_file"));
  it("then from the directory", async () => assert.match((await loadText(WEB)).project.name, /^berth-compose-/));
  it("refuses an invalid explicit name", async () => {
    await assert.rejects(loadText(WEB, { projectName: "My App" }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /invalid project name/.test((e as Error).message));
  });
  it("is available as ${COMPOSE_PROJECT_NAME} and prefixes resources", async () => {
    const { project } = await loadText("name: shop\nservices:\n  web:\n    image: ${COMPOSE_PROJECT_NAME}-web\n    volumes: [data:/d]\nvolumes:\n  data:\n  ext: {external: true}\n  named: {name: exact}\n");
    assert.equal(project.services.web!.image, "shop-web");
    assert.deepEqual([project.volumes.data!.name, project.volumes.ext!.name, project.volumes.named!.name], ["shop_data", "ext", "exact"]);
    assert.equal(project.networks.default!.name, "shop_default");
  });
});

describe("variables, .env and env_file", () => {
  it("reads .env from the project directory; the environment wins", async () => {
    await inProject({ "compose.yaml": "services:\n  web:\n    image: \"${IMAGE}:${TAG:-latest}\"\n    environment: [FROM_DOTENV]\n", ".env": "# comment\nexport IMAGE='registry.example/web'\nTAG=1.0 # inline\nFROM_DOTENV=\"yes\"\n" }, async (dir) => {
      assert.equal((await load(dir)).project.services.web!.image, "registry.example/web:1.0");
      assert.equal((await load(dir, { env: { TAG: "2.0" } })).project.services.web!.image, "registry.example/web:2.0");
      assert.deepEqual((await load(dir)).project.services.web!.environment, { FROM_DOTENV: "yes" });
    });
  });

  it("takes COMPOSE_PROJECT_NAME from .env", async () => {
    await inProject({ "compose.yaml": WEB, ".env": "COMPOSE_PROJECT_NAME=fromdotenv\n" }, async (dir) => assert.equal((await load(dir)).project.name, "fromdotenv"));
  });

  it("names .env and its line when it is binary junk", async () => {
    await inProject({ "compose.yaml": WEB, ".env": new Uint8Array([0x41, 0x3d, 0x31, 0x0a, 0x00, 0x01, 0x02, 0x0a]) }, async (dir) => {
      await rejects(load(dir), { file: join(dir, ".env"), line: 2, match: /NUL/ });
    });
  });

  it("warns once per unset variable, with the file and line", async () => {
    const r = await loadText("services:\n  web:\n    image: \"x${NOPE}\"\n    labels: [\"a=${NOPE}\"]\n");
    const w = r.warnings.filter((x) => /NOPE/.test(x.message));
    assert.equal(w.length, 1);
    assert.equal(w[0]!.line, 3);
    assert.equal(r.project.services.web!.image, "x");
  });

  it("refuses a required variable with the file, path and line", async () => {
    await rejects(loadText("services:\n  web:\n    image: x\n    environment:\n      DB: ${DB_URL:?set DB_URL}\n"), { path: "services.web.environment.DB", line: 5, match: /required variable DB_URL is missing a value: set DB_URL/ });
  });

  it("refuses an unterminated ${ with the path and line", async () => {
    await rejects(loadText("services:\n  web:\n    image: x\n    command: echo ${oops\n"), { path: "services.web.command", line: 4, match: /never closed/ });
  });

  it("does not interpolate keys", async () => {
    const r = await loadText("services:\n  web:\n    image: x\n    environment:\n      ${KEY}: v\n", { env: { KEY: "no" } });
    assert.deepEqual(r.project.services.web!.environment, { "${KEY}": "v" });
  });

  it("builds the environment from env_files in order, then environment", async () => {
    await inProject({
      "compose.yaml": "services:\n  web:\n    image: x\n    env_file:\n      - ./a.env\n      - path: conf/b.env\n      - path: missing.env\n        required: false\n    environment:\n      B: from-compose\n      GONE:\n      SHELL_VAR:\n",
      "a.env": "A=a\nB=a\nGONE=a\n", "conf/b.env": "B=b\nC=${SHELL_VAR}-c\n",
    }, async (dir) => {
      const web = (await load(dir, { env: { SHELL_VAR: "s" } })).project.services.web!;
      assert.deepEqual(web.environment, { A: "a", B: "from-compose", C: "s-c", SHELL_VAR: "s" });
      assert.deepEqual(web.envFiles.map((f) => [f.path, f.required]), [[join(dir, "a.env"), true], [join(dir, "conf/b.env"), true], [join(dir, "missing.env"), false]]);
    });
  });

  it("refuses a missing required env_file with its path", async () => {
    await rejects(loadText("services:\n  web:\n    image: x\n    env_file: [ok.env, nope.env]\n"), { path: "services.web.env_file[0]", match: /ok\.env not found/ });
  });

  it("names the env_file and line of a bad env_file line", async () => {
    await inProject({ "compose.yaml": "services:\n  web:\n    image: x\n    env_file: app.env\n", "app.env": "OK=1\nBAD LINE\n" }, async (dir) => {
      await rejects(load(dir), { file: join(dir, "app.env"), line: 2, match: /not a variable name/ });
    });
  });

  it("casts interpolated numbers and booleans as compose does", async () => {
    const r = await loadText("services:\n  web:\n    image: x\n    read_only: ${RO}\n    deploy:\n      replicas: ${N}\n    init: \"yes\"\n", { env: { RO: "true", N: "3" } });
    assert.equal(r.project.services.web!.readOnly, true);
    assert.equal(r.project.services.web!.deploy.replicas, 3);
    assert.equal(r.project.services.web!.init, true);
  });

  it("resolves build context, args from the environment and a bare KEY", async () => {
    const r = await loadText("services:\n  web:\n    build:\n      context: ./app\n      dockerfile: Dockerfile.prod\n      target: runtime\n      args: [VERSION=1, FROM_ENV, UNSET]\n", { env: { FROM_ENV: "e" } });
    const b = r.project.services.web!.build!;
    assert.equal(b.context, join(r.project.workingDir, "app"));
    assert.deepEqual([b.dockerfile, b.target, b.args], ["Dockerfile.prod", "runtime", { VERSION: "1", FROM_ENV: "e" }]);
  });

  it("keeps a git build context as written", async () => {
    const r = await loadText("services:\n  web:\n    build: https://github.com/example/app.git#main\n");
    assert.equal(r.project.services.web!.build!.context, "https://github.com/example/app.git#main");
  });
});
