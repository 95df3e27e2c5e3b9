#!/usr/bin/env bash
# The main job for now: set up, start berth's registry on a free loopback
# port, push an example image into it with skopeo, list it, pull it back and
# check the digests, pull it into berth's image store and copy it to another
# repository, verify the registry with fsck; then (as root) run the image as
# two containers on a user network: a web server published on 127.0.0.1 and a
# client that reaches it by name. Later issues replace this with the example stack.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
bash scripts/setup.sh

work="$(mktemp -d -t berth-example-XXXXXX)"
port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
bin/berth.cjs --root "$work/root" registry serve --addr "127.0.0.1:$port" > "$work/registry.log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  if [ -d "$work/store/containers" ]; then
    bin/berth.cjs --root "$work/store" rm -f web client >/dev/null 2>&1 || true
    bin/berth.cjs --root "$work/store" network rm examples >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

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
berth() { bin/berth.cjs --root "$work/store" "$@"; }
berth pull "127.0.0.1:$port/examples/hello:latest"
berth images
berth copy "127.0.0.1:$port/examples/hello:latest" "127.0.0.1:$port/examples/copied:v1"
curl -fsS "http://127.0.0.1:$port/v2/_catalog"; echo
kill "$pid"; wait "$pid" 2>/dev/null || true
echo "== fsck"
bin/berth.cjs --root "$work/root" registry fsck

if [ "$(id -u)" != 0 ]; then
  echo "== containers: skipped (running containers needs root)"
  exit 0
fi
echo "== containers on a user network"
web_port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
berth network create --subnet 10.231.7.0/24 examples
berth run -d --name web --network examples -p "127.0.0.1:$web_port:80" --health-cmd '/bin/busybox wget -qO- http://127.0.0.1/ >/dev/null' --health-interval 1s \
  127.0.0.1:$port/examples/hello:latest sh -c 'mkdir -p /www && echo "hello from a berth container" > /www/index.html && exec /bin/busybox httpd -f -p 80 -h /www'
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$web_port/" >/dev/null && break; sleep 0.1; done
echo "-- from the host, through the published port:"
curl -fsS "http://127.0.0.1:$web_port/"
echo "-- from another container, by name:"
berth run --rm --network examples 127.0.0.1:$port/examples/hello:latest /bin/busybox wget -qO- http://web/
berth ps
berth logs web
berth stop -t 1 web >/dev/null
berth rm web >/dev/null
berth network rm examples >/dev/null
echo "== done"
