#!/usr/bin/env python3
"""Pod networking through containerd's CRI v1 API and a CNI bridge network.

    network_test.py --socket SOCK --kata-handler kata --image IMAGE [--runc-handler runc]
                    [--transfer-mib 100] [--round-trips 20]

Runs two kata pods and two runc pods on the CNI network containerd is configured with, each
with one container serving busybox httpd on port 8080 (a page naming the pod, and a CGI that
streams N MiB of zeros). Checks: each kata guest's interface has the IP CRI reports; the kata
pods answer each other and the runc pod by pod IP, and reach the runc pod's server; while a
kata pod runs its netns has the tap and ingress qdiscs; after the pods are removed their netns
are gone and the host has no tap of ours. Prints (never asserts) the HTTP round trip and the
transfer throughput kata->kata beside runc->runc. Exits 0 when every check passed.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pod_test import CheckFailed, check, run_scenarios  # noqa: E402

PORT = 8080
# Busybox 1.35's wget crashes (SIGSEGV) with -T: time-outs come from `timeout` instead.


class NetworkTest:
    def __init__(self, args, pb, pb_grpc, channel):
        self.args = args
        self.pb = pb
        self.runtime = pb_grpc.RuntimeServiceStub(channel)
        self.suffix = uuid.uuid4().hex[:8]
        self.pods = {}  # name -> dict(id, handler, config, container, ip, netns)

    def server_command(self, name):
        mib = self.args.transfer_mib
        script = (
            f"mkdir -p /www/cgi-bin && echo {name} >/www/index.html && "
            "printf '#!/bin/sh\\necho Content-Type: application/octet-stream\\necho\\n"
            f"exec dd if=/dev/zero bs=1048576 count={mib} 2>/dev/null\\n' >/www/cgi-bin/big && "
            f"chmod 755 /www/cgi-bin/big && exec httpd -f -p {PORT} -h /www")
        return ["/bin/sh", "-c", script]

    def start_pod(self, name, handler):
        pb = self.pb
        config = pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=f"{name}-{self.suffix}", uid=str(uuid.uuid4()),
                                           namespace="default"),
            log_directory=f"/tmp/cri-net-{self.suffix}-{name}",
            labels={"test": "kata-network-test"},
            linux=pb.LinuxPodSandboxConfig(security_context=pb.LinuxSandboxSecurityContext(
                namespace_options=pb.NamespaceOption(network=pb.POD, pid=pb.CONTAINER, ipc=pb.POD))))
        os.makedirs(config.log_directory, exist_ok=True)
        started = time.monotonic()
        pod_id = self.runtime.RunPodSandbox(
            pb.RunPodSandboxRequest(config=config, runtime_handler=handler),
            timeout=self.args.rpc_timeout).pod_sandbox_id
        pod = {"id": pod_id, "handler": handler, "config": config}
        self.pods[name] = pod
        status = self.runtime.PodSandboxStatus(
            pb.PodSandboxStatusRequest(pod_sandbox_id=pod_id, verbose=True), timeout=30)
        pod["ip"] = status.status.network.ip
        info = json.loads(status.info.get("info", "{}"))
        namespaces = info.get("runtimeSpec", {}).get("linux", {}).get("namespaces", [])
        pod["netns"] = next((n.get("path") for n in namespaces if n.get("type") == "network"), None)
        container = pb.ContainerConfig(
            metadata=pb.ContainerMetadata(name="web"), image=pb.ImageSpec(image=self.args.image),
            command=self.server_command(name), log_path="web.log")
        cid = self.runtime.CreateContainer(pb.CreateContainerRequest(
            pod_sandbox_id=pod_id, config=container, sandbox_config=config),
            timeout=self.args.rpc_timeout).container_id
        pod["container"] = cid
        self.runtime.StartContainer(pb.StartContainerRequest(container_id=cid),
                                    timeout=self.args.rpc_timeout)
        print(f"pod {name} ({handler}) {pod_id[:12]}: ip {pod['ip']}, netns {pod['netns']}, "
              f"up in {time.monotonic() - started:.1f} s", flush=True)
        check(pod["ip"].startswith(self.args.subnet_prefix),
              f"{name}: CRI reports pod IP {pod['ip']} on the CNI subnet")
        check(pod["netns"] is not None and os.path.exists(pod["netns"]),
              f"{name}: the pod has its own network namespace {pod['netns']}")
        return pod

    def exec(self, name, cmd, timeout=60):
        result = self.runtime.ExecSync(self.pb.ExecSyncRequest(
            container_id=self.pods[name]["container"], cmd=cmd, timeout=timeout), timeout=timeout + 30)
        return result.exit_code, result.stdout.decode(errors="replace").strip(), \
            result.stderr.decode(errors="replace").strip()

    def wait_serving(self, name):
        ip = self.pods[name]["ip"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            code, out, _ = self.exec(name, ["timeout", "5", "wget", "-q", "-O", "-", f"http://127.0.0.1:{PORT}/"])
            if code == 0 and out == name:
                return
            time.sleep(0.5)
        _, state, _ = self.exec(name, ["/bin/sh", "-c", "ip addr; ip route; ps; timeout 5 wget -O - http://127.0.0.1:8080/ 2>&1"])
        raise CheckFailed(f"{name}: httpd never answered on {ip}:{PORT}; the container sees:\n{state}")

    def fetch(self, client, server):
        ip = self.pods[server]["ip"]
        code, out, err = self.exec(client, ["timeout", "15", "wget", "-q", "-O", "-", f"http://{ip}:{PORT}/"])
        check(code == 0 and out == server,
              f"{client} -> {server} ({ip}): httpd answered '{out}' (exit {code}{', ' + err if err else ''})")

    def timed_exec(self, name, cmd):
        started = time.monotonic()
        code, _, err = self.exec(name, cmd, timeout=300)
        elapsed = time.monotonic() - started
        if code != 0:
            raise CheckFailed(f"{name}: {cmd} exited {code}: {err}")
        return elapsed

    def measure(self, client, server):
        """(ms per HTTP round trip, MiB/s), each the time of one ExecSync minus an empty one's."""
        ip = self.pods[server]["ip"]
        empty = min(self.timed_exec(client, ["true"]) for _ in range(3))
        n = self.args.round_trips
        loop = (f"i=0; while [ $i -lt {n} ]; do wget -q -O /dev/null http://{ip}:{PORT}/ || exit 1; "
                "i=$((i+1)); done")
        trips = self.timed_exec(client, ["/bin/sh", "-c", loop])
        transfer = self.timed_exec(
            client, ["wget", "-q", "-O", "/dev/null", f"http://{ip}:{PORT}/cgi-bin/big"])
        return (max(trips - empty, 0) * 1000 / n,
                self.args.transfer_mib / max(transfer - empty, 1e-6))

    def netns_has(self, name, command, needle):
        netns = self.pods[name]["netns"]
        result = subprocess.run(["nsenter", f"--net={netns}"] + command, capture_output=True, text=True)
        return needle in result.stdout, result.stdout

    def run(self):
        kata, runc = self.args.kata_handler, self.args.runc_handler
        for name, handler in (("kata-a", kata), ("kata-b", kata), ("runc-c", runc), ("runc-d", runc)):
            self.start_pod(name, handler)
        for name in self.pods:
            self.wait_serving(name)
        for name in ("kata-a", "kata-b"):
            ip = self.pods[name]["ip"]
            code, out, err = self.exec(name, ["ip", "-4", "addr", "show"])
            check(code == 0 and f" {ip}/" in out,
                  f"{name}: the guest interface has the CNI address {ip} ({out or err})")
            code, out, _ = self.exec(name, ["cat", "/proc/sys/kernel/random/boot_id"])
            check(code == 0 and out != host_boot_id(), f"{name}: runs in its own kernel (a VM)")
            has_tap, links = self.netns_has(name, ["ip", "-o", "link", "show"], "tap0_kata")
            check(has_tap, f"{name}: its netns holds the tap tap0_kata")
            has_ingress, qdiscs = self.netns_has(name, ["tc", "qdisc", "show"], "ingress")
            check(has_ingress and qdiscs.count("ingress") >= 2,
                  f"{name}: ingress qdiscs on the veth and the tap")
            has_filter, _ = self.netns_has(
                name, ["tc", "filter", "show", "dev", "tap0_kata", "ingress"], "mirred")
            check(has_filter, f"{name}: the tap's ingress filter redirects (mirred)")
        for client, server in (("kata-a", "kata-b"), ("kata-b", "kata-a"), ("runc-c", "kata-a"),
                               ("runc-c", "kata-b"), ("kata-a", "runc-c"), ("kata-b", "runc-c")):
            self.fetch(client, server)

        kata_rtt, kata_rate = self.measure("kata-a", "kata-b")
        runc_rtt, runc_rate = self.measure("runc-c", "runc-d")
        n, mib = self.args.round_trips, self.args.transfer_mib
        print(f"figure: HTTP round trip ({n} wgets, each a new wget process): "
              f"kata->kata {kata_rtt:.1f} ms, runc->runc {runc_rtt:.1f} ms", flush=True)
        print(f"figure: {mib} MiB over HTTP: kata->kata {kata_rate:.1f} MiB/s, "
              f"runc->runc {runc_rate:.1f} MiB/s", flush=True)

        netns = {name: pod["netns"] for name, pod in self.pods.items()}
        for name in list(self.pods):
            self.remove(name)
        for name, path in netns.items():
            check(not os.path.exists(path), f"{name}: its netns {path} is gone")
        leftovers = [link for link in os.listdir("/sys/class/net") if link.endswith("_kata")]
        check(not leftovers, f"no tap of ours left on the host ({leftovers})")

    def remove(self, name):
        pb = self.pb
        pod = self.pods.pop(name)
        self.runtime.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=pod["id"]),
                                    timeout=self.args.rpc_timeout)
        self.runtime.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=pod["id"]),
                                      timeout=self.args.rpc_timeout)
        print(f"removed pod {name}", flush=True)

    def cleanup(self):
        for name in list(self.pods):
            try:
                self.remove(name)
            except Exception as error:  # noqa: BLE001 - cleanup goes on whatever failed
                print(f"cleanup: pod {name} failed: {error}", file=sys.stderr)


def host_boot_id():
    with open("/proc/sys/kernel/random/boot_id") as f:
        return f.read().strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True)
    parser.add_argument("--kata-handler", required=True)
    parser.add_argument("--runc-handler", default="runc")
    parser.add_argument("--image", required=True)
    parser.add_argument("--subnet-prefix", default="10.88.77.",
                        help="the CNI subnet's address prefix, as text")
    parser.add_argument("--transfer-mib", type=int, default=100)
    parser.add_argument("--round-trips", type=int, default=20)
    parser.add_argument("--rpc-timeout", type=float, default=120)
    args = parser.parse_args()
    return run_scenarios(args, [NetworkTest], "network test")

if __name__ == "__main__":
    sys.exit(main())
