#!/usr/bin/env bash
# Builds a small OCI image-layout tar holding busybox (no registry needed), reproducibly:
#   busybox-image.sh OUT.tar [NAME [CMD...]]
#     NAME defaults to docker.io/library/busybox:kata-local, CMD (the image's default command)
#     to /bin/sh; e.g. a pod sandbox ("pause") image: ... pause.tar NAME /bin/sleep infinity
#   EXTRA_DIR=DIR adds DIR's contents to the root (test data)
# Import it with: ctr -a SOCK images import OUT.tar
set -euo pipefail
out=${1:?usage: busybox-image.sh OUT.tar [NAME [CMD...]]}
name=${2:-docker.io/library/busybox:kata-local}
shift $(($# < 2 ? $# : 2))
[ $# -gt 0 ] || set -- /bin/sh
cmd=""
for word in "$@"; do
    case "$word" in *[\"\\]*) echo "CMD: quotes or backslashes not allowed: $word" >&2; exit 2 ;; esac
    cmd+="${cmd:+,}\"$word\""
done
epoch=${SOURCE_DATE_EPOCH:-0}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rootfs="$work/rootfs"
mkdir -p "$rootfs"/{bin,etc,tmp,proc,sys,dev,root}
install -m 0755 /bin/busybox "$rootfs/bin/busybox"
for applet in $("$rootfs/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
done
if [ -n "${EXTRA_DIR:-}" ]; then cp -a "$EXTRA_DIR"/. "$rootfs"/; fi
echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
echo 'root:x:0:' >"$rootfs/etc/group"
find "$rootfs" -exec touch -h -d "@$epoch" {} +

blobs="$work/layout/blobs/sha256"
mkdir -p "$blobs"
# Returns "<sha256> <size>" of a file after moving it into the blob store.
store() {
    local sum size
    sum=$(sha256sum "$1" | cut -d' ' -f1)
    size=$(stat -c %s "$1")
    mv "$1" "$blobs/$sum"
    echo "$sum $size"
}

(cd "$rootfs" && find . -mindepth 1 -print0 | LC_ALL=C sort -z \
    | tar --null --no-recursion -T - --numeric-owner --owner=0 --group=0 --mtime="@$epoch" -cf "$work/layer.tar")
read -r layer_sum layer_size < <(store "$work/layer.tar")

cat >"$work/config.json" <<JSON
{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":[$cmd],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:$layer_sum"]}}
JSON
read -r config_sum config_size < <(store "$work/config.json")

cat >"$work/manifest.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$config_sum","size":$config_size},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:$layer_sum","size":$layer_size}]}
JSON
read -r manifest_sum manifest_size < <(store "$work/manifest.json")

cat >"$work/layout/index.json" <<JSON
{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$manifest_sum","size":$manifest_size,"annotations":{"io.containerd.image.name":"$name","org.opencontainers.image.ref.name":"${name##*:}"}}]}
JSON
echo '{"imageLayoutVersion":"1.0.0"}' >"$work/layout/oci-layout"
find "$work/layout" -exec touch -h -d "@$epoch" {} +
mkdir -p "$(dirname "$out")"
(cd "$work/layout" && find . -mindepth 1 -print0 | LC_ALL=C sort -z \
    | tar --null --no-recursion -T - --numeric-owner --owner=0 --group=0 --mtime="@$epoch" -cf -) >"$out"
echo "image: $name -> $out (manifest sha256:$manifest_sum)"
