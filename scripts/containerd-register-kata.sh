#!/usr/bin/env bash
# Registers the Kata CRI runtime handlers (configuration/containerd/kata-runtimes.toml) in a
# containerd configuration file, as `make install` does for /etc/containerd/config.toml:
#   containerd-register-kata.sh CONFIG [SNIPPET]
# The handlers go between two marker lines at the end of CONFIG; running it again replaces
# that block, so it is idempotent. CONFIG must be a version 2 configuration (a missing file is
# created as one). A kata-qemu* handler defined outside the markers is an error: it was written
# by hand and is not ours to change.
#
# Why not containerd's `imports`: in containerd 1.6 an imported file replaces the whole CRI
# plugin section of the main configuration (its cni, sandbox_image, runc handler and the rest),
# so a node configured that way would lose its own settings.
set -euo pipefail
config=${1:?usage: containerd-register-kata.sh CONFIG [SNIPPET]}
here=$(cd "$(dirname "$0")" && pwd)
snippet=${2:-$here/../configuration/containerd/kata-runtimes.toml}
begin="# BEGIN kata-containers runtime handlers (scripts/containerd-register-kata.sh)"
end="# END kata-containers runtime handlers"

[ -f "$snippet" ] || { echo "containerd-register-kata: $snippet: no such file" >&2; exit 1; }
if [ -e "$config" ] && [ ! -f "$config" ]; then
    echo "containerd-register-kata: $config is not a regular file" >&2
    exit 1
fi
[ -f "$config" ] || printf 'version = 2\n' >"$config"
if ! grep -Eq '^[[:space:]]*version[[:space:]]*=[[:space:]]*2[[:space:]]*(#.*)?$' "$config"; then
    echo "containerd-register-kata: $config: not a version 2 containerd configuration (no 'version = 2' line)" >&2
    exit 1
fi
# The block we wrote before, if any, is dropped; what remains must not define our handlers.
rest=$(awk -v b="$begin" -v e="$end" '$0 == b {skip = 1; next} $0 == e {skip = 0; next} !skip' "$config")
if grep -En '^[[:space:]]*\[plugins\."io\.containerd\.grpc\.v1\.cri"\]\.containerd\.runtimes\."?kata-qemu' \
    <<<"$rest" >/dev/null || grep -En 'runtimes\."?kata-qemu[a-z-]*"?\]' <<<"$rest" >/dev/null; then
    echo "containerd-register-kata: $config already defines a kata-qemu* runtime outside the managed block;" \
        "remove it (or the handlers here would be defined twice)" >&2
    exit 1
fi
tmp=$(mktemp "$config.XXXXXX")
trap 'rm -f "$tmp"' EXIT
{
    printf '%s\n' "$rest"
    printf '\n%s\n' "$begin"
    # The snippet's own `version = 2` line and its header comments stay out: CONFIG has them.
    awk 'started || /^\[/ {started = 1; print}' "$snippet"
    # containerd 1.6 drops its built-in runc handler once any runtime is configured, and the
    # CRI plugin then fails to load (its default_runtime_name is runc): restate the default.
    if ! grep -Eq 'runtimes\."?runc"?\]' <<<"$rest"; then
        printf '\n# containerd'"'"'s default handler, restated: configuring any runtime drops it in 1.6.\n'
        printf '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n'
        printf '  runtime_type = "io.containerd.runc.v2"\n'
    fi
    printf '%s\n' "$end"
} >"$tmp"
chmod --reference="$config" "$tmp"
mv "$tmp" "$config"
trap - EXIT
echo "containerd-register-kata: kata-qemu* handlers registered in $config (restart containerd to load them)"
