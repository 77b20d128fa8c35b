#!/usr/bin/env bash
# Regenerates the example reference values from Debian's OVMF.fd with the built kata-runtime.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "$here/.." && swift build --show-bin-path)/kata-runtime
"$bin" measure --mode snp --vcpus 1 --vcpu-type EPYC-v4 --ovmf /usr/share/ovmf/OVMF.fd --json \
    >"$here/example-snp-reference.json"
"$bin" measure --mode tdx --ovmf /usr/share/ovmf/OVMF.fd --json >"$here/example-tdx-reference.json"
echo "wrote $here/example-snp-reference.json and $here/example-tdx-reference.json"
