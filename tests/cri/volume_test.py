#!/usr/bin/env python3
"""Volumes and the files Kubernetes injects, through containerd's CRI v1 API.

    volume_test.py --socket SOCK --handler HANDLER --image IMAGE --sharing 9p|none

One pod (hostname and DNSConfig set, kubelet-shaped volume directories on the host) with two
containers: a hostPath volume (9p: the container's write reaches the host; none: the host's
file is copied in and the write stays in the guest, as upstream), a read-only volume that
refuses writes, a ConfigMap-shaped directory (timestamped directory + `..data` link) whose
update on the host shows inside within 5 s, an emptyDir both containers share, /etc/resolv.conf
with the DNS servers and searches, `hostname` printing the pod's hostname, /etc/hosts as
containerd wrote it, /dev/shm a tmpfs. After removal no mount of the pod is left on the host.
Uses pod_test.py's helpers; exits 0 when every check passed.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid

import pod_test
from pod_test import CheckFailed, check

HOSTNAME = "vol-pod"
SERVERS = ["10.0.0.53", "10.0.1.53"]
SEARCHES = ["example.test", "svc.example.test"]


def write_atomic_dir(directory, version, values):
    """kubelet's AtomicWriter: a new timestamped dir, then `..data` swapped to it by rename."""
    stamp = f"..2026_01_01_00_00_0{version}.{version}"
    os.makedirs(os.path.join(directory, stamp))
    for key, value in values.items():
        with open(os.path.join(directory, stamp, key), "w") as f:
            f.write(value)
    tmp = os.path.join(directory, "..data_tmp")
    os.symlink(stamp, tmp)
    os.rename(tmp, os.path.join(directory, "..data"))
    for key in values:
        link = os.path.join(directory, key)
        if not os.path.islink(link):
            os.symlink(os.path.join("..data", key), link)


class VolumeTest(pod_test.PodTest):
    def __init__(self, args, pb, pb_grpc, channel):
        super().__init__(args, pb, pb_grpc, channel)
        self.root = tempfile.mkdtemp(prefix=f"cri-vol-{self.suffix}-", dir="/var/tmp")
        volumes = os.path.join(self.root, "pods", str(uuid.uuid4()), "volumes")
        self.host_path = os.path.join(self.root, "hostpath")
        self.read_only = os.path.join(self.root, "readonly")
        self.config_map = os.path.join(volumes, "kubernetes.io~configmap", "cfg")
        self.empty_dir = os.path.join(volumes, "kubernetes.io~empty-dir", "cache")
        for path in (self.host_path, self.read_only, self.config_map, self.empty_dir):
            os.makedirs(path)
        with open(os.path.join(self.host_path, "from-host"), "w") as f:
            f.write("host-value\n")
        with open(os.path.join(self.read_only, "seen"), "w") as f:
            f.write("read-only-value\n")
        write_atomic_dir(self.config_map, 1, {"key": "v1"})

    def sandbox_config(self):
        config = super().sandbox_config()
        config.hostname = HOSTNAME
        config.dns_config.CopyFrom(self.pb.DNSConfig(servers=SERVERS, searches=SEARCHES,
                                                     options=["ndots:2"]))
        return config

    def create_with_mounts(self, sandbox_config, name, mounts):
        pb = self.pb
        return self.create_and_start(
            sandbox_config, name, ["/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait; done"],
            mounts=[pb.Mount(container_path=c, host_path=h, readonly=ro) for c, h, ro in mounts])

    def sh(self, cid, script):
        return self.exec(cid, ["/bin/sh", "-c", script])

    def run(self):
        pb = self.pb
        sandbox_config = self.sandbox_config()
        started = time.monotonic()
        self.pod_id = self.runtime.RunPodSandbox(
            pb.RunPodSandboxRequest(config=sandbox_config, runtime_handler=self.args.handler),
            timeout=self.args.rpc_timeout).pod_sandbox_id
        print(f"pod {self.pod_id[:12]} ready in {time.monotonic() - started:.1f} s", flush=True)
        writer = self.create_with_mounts(sandbox_config, "writer", [
            ("/data", self.host_path, False), ("/ro", self.read_only, True),
            ("/cfg", self.config_map, True), ("/cache", self.empty_dir, False)])
        reader = self.create_with_mounts(sandbox_config, "reader", [("/cache", self.empty_dir, False)])

        self.check_host_path(writer)
        if self.args.sharing == "9p":
            self.check_read_only_on_host(writer)
        denied = self.sh(writer, "echo x >/ro/new")
        check(denied.exit_code != 0, f"a read-only volume refuses writes "
              f"({denied.stderr.decode(errors='replace').strip()})")
        check(self.exec_text(writer, ["cat", "/ro/seen"]) == "read-only-value",
              "a read-only volume shows the host's file")
        self.check_config_map(writer)

        kind = self.exec_text(writer, ["/bin/sh", "-c", "grep ' /cache ' /proc/mounts"]).split()[2]
        # A disk emptyDir is shared over 9p; with nothing shared it is a pod tmpfs in the guest.
        expected = "9p" if self.args.sharing == "9p" else "tmpfs"
        check(kind == expected, f"the emptyDir is {expected} in the container ({kind})")
        written = self.sh(writer, "echo shared-by-writer >/cache/note")
        check(written.exit_code == 0, "the writer writes into the emptyDir")
        check(self.exec_text(reader, ["cat", "/cache/note"]) == "shared-by-writer",
              "the reader sees the writer's file in the shared emptyDir")

        resolv = self.exec_text(writer, ["cat", "/etc/resolv.conf"])
        for server in SERVERS:
            check(f"nameserver {server}" in resolv.splitlines(), f"/etc/resolv.conf has nameserver {server}")
        check(f"search {' '.join(SEARCHES)}" in resolv.splitlines(),
              f"/etc/resolv.conf searches {' '.join(SEARCHES)}")
        for cid in (writer, reader):
            check(self.exec_text(cid, ["hostname"]) == HOSTNAME, f"hostname prints {HOSTNAME}")
        check(self.exec_text(writer, ["cat", "/etc/hostname"]) == HOSTNAME,
              f"/etc/hostname (containerd's file) holds {HOSTNAME}")
        hosts = self.exec_text(writer, ["cat", "/etc/hosts"])
        # With the node's network, containerd copies the node's /etc/hosts for the pod.
        check(hosts == pod_test.host_file("/etc/hosts"), "/etc/hosts is the one containerd wrote")
        shm = self.exec_text(writer, ["/bin/sh", "-c", "grep ' /dev/shm ' /proc/mounts"])
        check(shm.split()[2] == "tmpfs", f"/dev/shm is a tmpfs ({shm})")

        for cid in (writer, reader):
            self.stop_and_expect(cid, "container", timeout=10, exit_code=0)
            self.runtime.RemoveContainer(pb.RemoveContainerRequest(container_id=cid), timeout=60)
            self.container_ids.remove(cid)
        pod_id = self.pod_id
        self.runtime.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=pod_id),
                                    timeout=self.args.rpc_timeout)
        self.runtime.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=pod_id),
                                      timeout=self.args.rpc_timeout)
        self.pod_id = None
        with open("/proc/self/mountinfo") as f:
            left = [line for line in f if pod_id in line or self.root in line]
        check(not left, f"no mount of the pod is left on the host ({left[:3]})")

    def check_read_only_on_host(self, cid):
        """9p: the read-only volume's bind under the share is read-only on the host itself."""
        marker = f"/{self.pod_id}/shared/{cid}/volumes/"
        with open("/proc/self/mountinfo") as f:
            shared = [line.split() for line in f if marker in line]
        read_only = [fields for fields in shared if fields[3].endswith("/readonly")]
        check(len(read_only) == 1 and read_only[0][5].split(",")[0] == "ro",
              f"the read-only volume is bound read-only on the host ({len(shared)} volume mounts)")

    def check_host_path(self, cid):
        check(self.exec_text(cid, ["cat", "/data/from-host"]) == "host-value",
              "the hostPath volume shows the host's file")
        wrote = self.sh(cid, "echo from-guest >/data/out")
        out = os.path.join(self.host_path, "out")
        if self.args.sharing == "9p":
            check(wrote.exit_code == 0 and pod_test.host_file(out) == "from-guest",
                  "the container's write into the hostPath volume reaches the host")
        else:
            # No shared filesystem: upstream copies every volume in; writes stay in the guest.
            check(wrote.exit_code == 0 and not os.path.exists(out),
                  "shared_fs=none: the hostPath volume is a copy (the write stays in the guest)")

    def check_config_map(self, cid):
        check(self.exec_text(cid, ["cat", "/cfg/key"]) == "v1", "the ConfigMap volume holds v1")
        write_atomic_dir(self.config_map, 2, {"key": "v2"})
        updated = time.monotonic()
        value = ""
        while time.monotonic() - updated < 5:
            value = self.exec_text(cid, ["cat", "/cfg/key"])
            if value == "v2":
                break
            time.sleep(0.2)
        check(value == "v2", f"the ConfigMap update shows inside within 5 s "
              f"({time.monotonic() - updated:.1f} s)")

    def cleanup(self):
        super().cleanup()
        shutil.rmtree(self.root, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True, help="containerd's gRPC socket")
    parser.add_argument("--handler", required=True, help="CRI runtime handler")
    parser.add_argument("--image", required=True, help="container image, imported into k8s.io")
    parser.add_argument("--sharing", choices=["9p", "none"], required=True,
                        help="the handler's shared_fs: 9p shares volumes, none copies them")
    parser.add_argument("--rpc-timeout", type=float, default=120)
    args = parser.parse_args()
    args.pod_annotation = []
    args.expect = "vm"
    return pod_test.run_scenarios(args, [VolumeTest], "volume test")

if __name__ == "__main__":
    sys.exit(main())
