#!/usr/bin/env bash
# Builds the guest initrd, reproducibly: the same inputs give a byte-identical cpio (sorted
# entries, fixed times, owner 0), so its launch measurement is stable.
#   build-initrd.sh OUT_FILE KERNEL_DIR AGENT_BINARY
# KERNEL_DIR is what build-kernel.sh produced. The agent becomes /init (PID 1).
set -euo pipefail
out=${1:?usage: build-initrd.sh OUT_FILE KERNEL_DIR AGENT_BINARY}
kernel_dir=${2:?kernel dir}
agent=${3:?agent binary}
here=$(cd "$(dirname "$0")" && pwd)
release=$(cat "$kernel_dir/release")
epoch=${SOURCE_DATE_EPOCH:-0}

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# mktemp makes its directory 0700; as the guest's / that would stop every process without
# CAP_DAC_OVERRIDE over root's files, e.g. a container in a user namespace (crun's setup
# then fails to open /proc/self/setgroups), so / is 0755 as on any root filesystem.
chmod 0755 "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,lib,lib64,etc,proc,sys,dev,run,tmp,mnt,sys/fs/cgroup}
install -m 0755 "$agent" "$root/init"

# busybox for the container images' helpers and debugging; applets as symlinks.
install -m 0755 /bin/busybox "$root/bin/busybox"
for applet in sh ls cat mount umount mkdir echo sleep ps kill uname; do
    ln -s busybox "$root/bin/$applet"
done

# crun, and exactly the libraries the loader resolves for crun and the agent (glibc,
# libstdc++ and libgcc_s remain dynamic with a static Swift stdlib).
install -m 0755 /usr/bin/crun "$root/usr/bin/crun"
ldd /usr/bin/crun "$agent" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $1 !~ /:$/ {print $1}' | sort -u | while read -r lib; do
    real=$(readlink -f "$lib")
    mkdir -p "$root$(dirname "$lib")"
    install -m 0755 "$real" "$root$lib"
done

# Modules, in the listed order, with a dependency check against each module's own metadata.
mods_src="$kernel_dir/modules/$release"
mods_dst="$root/lib/modules/$release"
mkdir -p "$mods_dst"
loaded=" "
# install_modules LIST: installs LIST's modules in order, checking each one's dependencies
# were listed before it (in this list or an earlier one); sets $order to the file names.
install_modules() {
    order=""
    while read -r name; do
        case "$name" in ''|'#'*) continue ;; esac
        path=$(find "$mods_src" -name "$name.ko" -print -quit)
        [ -n "$path" ] || { echo "build-initrd: module $name not in $mods_src (guest/$1)" >&2; exit 1; }
        deps=$(tr '\0' '\n' <"$path" | grep -a '^depends=' | head -1 | cut -d= -f2 | tr ',' ' ')
        for d in $deps; do
            case "$loaded" in *" $d "*) ;; *)
                echo "build-initrd: guest/$1 loads $name before its dependency $d" >&2; exit 1 ;;
            esac
        done
        install -m 0644 "$path" "$mods_dst/$name.ko"
        loaded="$loaded$name "
        order="$order$name.ko"$'\n'
    done <"$here/$1"
}
install_modules modules.list
printf '%s' "$order" >"$root/etc/kata-modules"
# Loaded by the agent only when a request needs them (GuestModules.loadOnDemand).
install_modules modules-on-demand.list
printf '%s' "$order" >"$root/etc/kata-modules-on-demand"

echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
echo 'kata-guest' >"$root/etc/hostname"

find "$root" -exec touch -h -d "@$epoch" {} +
mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | LC_ALL=C sort -z \
    | cpio --null --create --format=newc --owner=0:0 --reproducible --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
echo "initrd: $out $(stat -c %s "$out") bytes sha256 $(sha256sum "$out" | cut -d' ' -f1)"
