/**
 * Dockerfiles built by both `docker build` (docker 28's legacy builder, as
 * Debian ships no buildx) and `berth build`, from the same local busybox
 * base; the parity test compares the resulting filesystems and configs.
 * Only instructions and flags the legacy builder knows appear here
 * (heredocs, --chmod and --link are BuildKit's: berth-only tests cover them).
 */

/** A file in a case's build context. */
export type ContextFile =
  | string
  | { readonly data: string; readonly mode?: number }
  | { readonly symlink: string }
  | { readonly tarOf: Readonly<Record<string, string>>; readonly gzip?: boolean };

export interface ParityCase {
  readonly name: string;
  readonly dockerfile: string;
  /** Path of the Dockerfile in the context; default `Dockerfile`. */
  readonly dockerfilePath?: string;
  readonly files?: Readonly<Record<string, ContextFile>>;
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly target?: string;
  /** `{{URL}}` in the Dockerfile becomes the test's HTTP server; it serves these paths. */
  readonly served?: Readonly<Record<string, string>>;
}

/** The base both builders start from: the fixture busybox image, loaded into both. */
export const BASE = "berth-test/busybox:1";
/** busybox's applets as links, so RUN lines read like shell. */
const INSTALL = `RUN ["/bin/busybox", "--install", "-s", "/bin"]`;

export const PARITY_CASES: readonly ParityCase[] = [
  {
    name: "config-and-run",
    dockerfile: `FROM ${BASE}
${INSTALL}
ENV APP_HOME=/srv/app GREETING="hello world"
LABEL org.example.name="parity" version=1
WORKDIR $APP_HOME
RUN echo "$GREETING" > greeting.txt && mkdir -p data/sub && chmod 0700 data && ln -s greeting.txt link.txt && ln greeting.txt hard.txt
EXPOSE 8080 53/udp 9000-9002
VOLUME /srv/app/data
USER 1000:1000
STOPSIGNAL SIGINT
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["echo hi"]
`,
  },
  {
    name: "copy-semantics",
    dockerfile: `FROM ${BASE}
COPY . /ctx/
COPY files/*.txt /globbed/
COPY files/a.txt /renamed.txt
COPY dir /dircontents
COPY --chown=1234:5678 files /owned/
COPY files/a.txt files/b.txt /multi/
WORKDIR /rel
COPY files/a.txt .
COPY files/a.txt sub/
COPY fi?es/[ab].txt /class/
`,
    files: {
      ".dockerignore": "secret.env\nignored\n!ignored/keep.txt\n*.tmp\n",
      "files/a.txt": "a\n",
      "files/b.txt": { data: "b\n", mode: 0o600 },
      "files/c.md": "c\n",
      "files/run.sh": { data: "#!/bin/sh\necho run\n", mode: 0o755 },
      "dir/x/y.txt": "y\n",
      "dir/link": { symlink: "x/y.txt" },
      "dir/empty/.keep": "",
      "secret.env": "TOKEN=1\n",
      "ignored/drop.txt": "drop\n",
      "ignored/keep.txt": "keep\n",
      "scratch.tmp": "tmp\n",
    },
  },
  {
    name: "multi-stage",
    dockerfile: `FROM ${BASE} AS base
${INSTALL}
FROM base AS builder
RUN mkdir /out && echo built > /out/artifact && chmod 0640 /out/artifact && echo two > /out/second
FROM base AS other
RUN echo other > /other
FROM scratch
COPY --from=builder /out/ /
COPY --from=0 /bin/busybox /bin/busybox
COPY --from=other /other /from-other
CMD ["/bin/busybox", "cat", "/artifact"]
`,
  },
  {
    name: "build-args",
    dockerfile: `ARG BASE=${BASE}
ARG VERSION=1.0
FROM $BASE
${INSTALL}
ARG VERSION
ARG BUILD_NO=7
ARG UNSET
ENV VERSION=$VERSION
RUN echo "$VERSION-$BUILD_NO-[$UNSET]" > /version && echo "\${MISSING:-fallback}" > /default
LABEL version=\${VERSION} build=\${BUILD_NO} alt=\${VERSION:+set}
`,
    buildArgs: { BUILD_NO: "42" },
  },
  {
    name: "add",
    dockerfile: `FROM ${BASE}
ADD archive.tar.gz /unpacked/
ADD plain.tar /plain-unpacked
ADD notes.txt /notes/
ADD --chown=7:8 notes.txt /owned-notes.txt
ADD {{URL}}/remote.txt /remote/
ADD {{URL}}/remote.txt /remote-named.txt
`,
    files: {
      "archive.tar.gz": { tarOf: { "top/inner.txt": "inner\n", "top/deeper/x": "x\n" }, gzip: true },
      "plain.tar": { tarOf: { "p.txt": "p\n" } },
      "notes.txt": "notes\n",
    },
    served: { "/remote.txt": "from the web\n" },
  },
  {
    name: "users",
    dockerfile: `FROM ${BASE}
${INSTALL}
RUN mkdir -p /home/app && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd && echo 'app:x:1500:1600:app:/home/app:/bin/sh' >> /etc/passwd && echo 'root:x:0:' > /etc/group && echo 'app:x:1600:' >> /etc/group && chown 1500:1600 /home/app
USER app
WORKDIR /home/app/work
RUN touch /home/app/owned-by-app && id > /home/app/id.txt
COPY --chown=app:app file.txt /home/app/
COPY --chown=app file.txt /home/app/user-only.txt
USER root
RUN id -u > /root-id
`,
    files: { "file.txt": "file\n" },
  },
  {
    name: "shell-and-healthcheck",
    dockerfile: `FROM ${BASE}
${INSTALL}
SHELL ["/bin/sh", "-ec"]
RUN echo "shell=$0" > /shell.txt
HEALTHCHECK --interval=5s --timeout=2s --start-period=1s --retries=4 CMD wget -q -O- http://127.0.0.1:8080/ || exit 1
ENTRYPOINT exec /bin/sh -c 'echo entry'
CMD echo ignored
`,
  },
  {
    name: "whiteouts",
    dockerfile: `FROM ${BASE}
${INSTALL}
RUN mkdir -p /a/b/c /keep && echo 1 > /a/b/c/f && echo x > /gone && echo k > /keep/k && echo d > /a/b/d
RUN rm -rf /a/b && rm /gone && mkdir /a/b && echo new > /a/b/g && rm /bin/cat
RUN rm -rf /keep && mkdir /keep && echo again > /keep/again
`,
  },
  {
    name: "expansion",
    dockerfile: `FROM ${BASE}
ENV BASE_DIR=/opt NAME=tool
ENV LEGACY value with spaces
ENV QUOTED="a \\"quoted\\" value" SINGLE='no $NAME here' ESCAPED=\\$NAME
ENV DEST=$BASE_DIR/$NAME COMBINED=\${NAME}-\${UNSET:-none}-\${NAME:+yes}
WORKDIR $DEST/sub
COPY f.txt \${DEST}/f-\$NAME.txt
EXPOSE \${PORT:-7000}
LABEL "spaced key"="spaced value" multi.line="one \\
two"
`,
    files: { "f.txt": "f\n" },
  },
  {
    name: "entrypoint-resets-cmd",
    dockerfile: `FROM ${BASE} AS withcmd
CMD ["echo", "base"]
ONBUILD RUN echo never-run-here
FROM withcmd
ENTRYPOINT ["/bin/echo"]
VOLUME ["/data", "/logs"]
`,
  },
  {
    name: "copy-from-image",
    dockerfile: `FROM scratch
COPY --from=${BASE} /bin/busybox /bb
COPY --from=${BASE} /bin /bin-links/
`,
  },
  {
    name: "context-symlinks",
    dockerfile: `FROM ${BASE}
COPY links/ /links/
COPY real.txt /real.txt
`,
    files: {
      "links/abs": { symlink: "/etc/passwd" },
      "links/up": { symlink: "../../outside" },
      "links/ok": { symlink: "../real.txt" },
      "real.txt": "real\n",
    },
  },
  {
    name: "dockerfile-elsewhere",
    dockerfilePath: "build/app.Dockerfile",
    dockerfile: `FROM ${BASE}
COPY build/ /build/
COPY top.txt /
`,
    files: { "top.txt": "top\n", "build/extra.txt": "extra\n" },
  },
  {
    name: "target-stage",
    target: "middle",
    dockerfile: `FROM ${BASE} AS first
${INSTALL}
RUN echo first > /first
FROM first AS middle
RUN echo middle > /middle
FROM middle AS last
RUN echo last > /last
`,
  },
];
