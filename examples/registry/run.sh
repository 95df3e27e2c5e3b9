#!/usr/bin/env bash
# The main job for now: set up, start berth's registry on a free loopback
# port, push an example image into it with skopeo, list it, pull it back and
# check the digests, pull it into berth's image store and copy it to another
# repository, then verify the registry with fsck. Later issues replace this
# with the example stack.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
bash scripts/setup.sh

work="$(mktemp -d -t berth-example-XXXXXX)"
port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
node bin/berth.js --root "$work/root" registry serve --addr "127.0.0.1:$port" > "$work/registry.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
echo "== registry listening on 127.0.0.1:$port (root $work/root)"

# An example image (busybox from Debian's busybox-static) written as an OCI layout.
node examples/registry/make-example-image.mjs "$work/layout"
echo "== push"
skopeo copy --dest-tls-verify=false "oci:$work/layout:latest" "docker://127.0.0.1:$port/examples/hello:latest"
echo "== tags"
curl -fsS "http://127.0.0.1:$port/v2/examples/hello/tags/list"; echo
echo "== pull"
skopeo copy --src-tls-verify=false "docker://127.0.0.1:$port/examples/hello:latest" "oci:$work/pulled:latest"
pushed="$(skopeo inspect --raw "oci:$work/layout:latest" | sha256sum | cut -d' ' -f1)"
pulled="$(skopeo inspect --raw "oci:$work/pulled:latest" | sha256sum | cut -d' ' -f1)"
[ "$pushed" = "$pulled" ] || { echo "manifest digest changed: $pushed -> $pulled" >&2; exit 1; }
echo "== manifest digest unchanged: sha256:$pulled"
echo "== berth pull, images, copy"
berth() { node bin/berth.js --root "$work/store" "$@"; }
berth pull "127.0.0.1:$port/examples/hello:latest"
berth images
berth copy "127.0.0.1:$port/examples/hello:latest" "127.0.0.1:$port/examples/copied:v1"
curl -fsS "http://127.0.0.1:$port/v2/_catalog"; echo
kill "$pid"; wait "$pid" 2>/dev/null || true
echo "== fsck"
node bin/berth.js --root "$work/root" registry fsck
