#!/usr/bin/env python3
"""Two containers in one pod sandbox, driven through containerd's CRI v1 API.

    pod_test.py --socket SOCK --handler HANDLER --image IMAGE [--expect vm|host]
                [--pod-annotation KEY=VALUE ...] [--expect-cpus N] [--expect-mem-total-mib MIN:MAX]

Runs a pod with the runtime handler, creates and starts two containers in it, checks both run,
execs into each, checks they share the pod (one kernel: same boot_id and release; with
--expect vm that kernel is not the host's, with --expect host it is), stops and removes
everything, and exits 0. The pod annotations go into RunPodSandbox (a VM runtime may size the
VM from them); --expect-cpus / --expect-mem-total-mib check what the containers then see. Any failed check exits 1 naming it; whatever was created is removed
on every path. The Python stubs are generated from api.proto (beside this file) into a
temporary directory on each run: it takes ~0.1 s, so nothing generated is committed.
"""

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))


class CheckFailed(Exception):
    pass


def load_stubs():
    """Generates and imports api_pb2 / api_pb2_grpc from api.proto."""
    from grpc_tools import protoc

    out = tempfile.mkdtemp(prefix="cri-stubs-")
    try:
        status = protoc.main(
            ["protoc", "-I", HERE, f"--python_out={out}", f"--grpc_python_out={out}",
             os.path.join(HERE, "api.proto")])
        if status != 0:
            raise CheckFailed(f"protoc failed on {HERE}/api.proto (status {status})")
        sys.path.insert(0, out)
        import api_pb2
        import api_pb2_grpc
        return api_pb2, api_pb2_grpc
    finally:
        sys.path.remove(out) if out in sys.path else None
        shutil.rmtree(out, ignore_errors=True)


def check(condition, message):
    if not condition:
        raise CheckFailed(f"check failed: {message}")
    print(f"ok: {message}", flush=True)


def host_file(path):
    with open(path) as f:
        return f.read().strip()


class PodTest:
    def __init__(self, args, pb, pb_grpc, channel):
        self.args = args
        self.pb = pb
        self.runtime = pb_grpc.RuntimeServiceStub(channel)
        self.images = pb_grpc.ImageServiceStub(channel)
        self.suffix = uuid.uuid4().hex[:8]
        self.log_dir = tempfile.mkdtemp(prefix=f"cri-pod-{self.suffix}-")
        self.pod_id = None
        self.container_ids = []

    # --- the steps -------------------------------------------------------------------------

    def run(self):
        pb = self.pb
        version = self.runtime.Version(pb.VersionRequest(version="v1"), timeout=10)
        print(f"CRI: {version.runtime_name} {version.runtime_version} (API {version.runtime_api_version})")
        image = self.images.ImageStatus(
            pb.ImageStatusRequest(image=pb.ImageSpec(image=self.args.image)), timeout=10).image
        check(image.id != "",
              f"image {self.args.image} is known to CRI (import it into containerd's k8s.io namespace)")

        sandbox_config = self.sandbox_config()
        started = time.monotonic()
        self.pod_id = self.runtime.RunPodSandbox(
            pb.RunPodSandboxRequest(config=sandbox_config, runtime_handler=self.args.handler),
            timeout=self.args.rpc_timeout).pod_sandbox_id
        print(f"pod {self.pod_id[:12]} ready in {time.monotonic() - started:.1f} s "
              f"(handler {self.args.handler or '<default>'})", flush=True)
        status = self.runtime.PodSandboxStatus(
            pb.PodSandboxStatusRequest(pod_sandbox_id=self.pod_id), timeout=30).status
        check(status.state == pb.SANDBOX_READY, "pod sandbox is READY")
        check(status.runtime_handler == self.args.handler,
              f"pod sandbox runs with handler '{status.runtime_handler}'")

        sleeper = self.create_and_start(sandbox_config, "sleeper", ["/bin/sleep", "600"])
        writer = self.create_and_start(sandbox_config, "writer", [
            "/bin/sh", "-c",
            "echo hello from the writer; echo written-by-writer >/tmp/marker; "
            "trap 'exit 0' TERM; while :; do sleep 1 & wait; done"])
        for name, cid in (("sleeper", sleeper), ("writer", writer)):
            state = self.container_status(cid).state
            check(state == pb.CONTAINER_RUNNING,
                  f"{name} is RUNNING (state {pb.ContainerState.Name(state)})")
        listed = self.runtime.ListContainers(pb.ListContainersRequest(
            filter=pb.ContainerFilter(pod_sandbox_id=self.pod_id)), timeout=30).containers
        check(sorted(c.id for c in listed) == sorted([sleeper, writer]),
              "ListContainers shows exactly the two containers in the pod")

        self.check_log(os.path.join(self.log_dir, "writer.log"), "hello from the writer")
        self.check_shared_pod(sleeper, writer)
        self.check_resources(sleeper)

        self.stop_and_expect(writer, "writer", timeout=10, exit_code=0)
        self.stop_and_expect(sleeper, "sleeper", timeout=0, exit_code=137)
        for cid in (writer, sleeper):
            self.runtime.RemoveContainer(pb.RemoveContainerRequest(container_id=cid), timeout=60)
            self.container_ids.remove(cid)
        listed = self.runtime.ListContainers(pb.ListContainersRequest(
            filter=pb.ContainerFilter(pod_sandbox_id=self.pod_id)), timeout=30).containers
        check(len(listed) == 0, "both containers removed")

        self.runtime.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=self.pod_id),
                                    timeout=self.args.rpc_timeout)
        status = self.runtime.PodSandboxStatus(
            pb.PodSandboxStatusRequest(pod_sandbox_id=self.pod_id), timeout=30).status
        check(status.state == pb.SANDBOX_NOTREADY, "stopped pod sandbox is NOTREADY")
        self.runtime.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=self.pod_id),
                                      timeout=self.args.rpc_timeout)
        self.pod_id = None
        print("ok: pod sandbox removed")

    def check_shared_pod(self, sleeper, writer):
        marker = self.exec(writer, ["cat", "/tmp/marker"])
        check(marker.exit_code == 0 and marker.stdout == b"written-by-writer\n",
              "ExecSync in writer reads the file its command wrote")
        other = self.exec(sleeper, ["cat", "/tmp/marker"])
        check(other.exit_code != 0, "sleeper has its own root filesystem (no /tmp/marker there)")
        status = self.exec(writer, ["/bin/sh", "-c", "echo to-stderr >&2; exit 7"])
        check(status.exit_code == 7 and status.stderr == b"to-stderr\n",
              "ExecSync passes exit code 7 and stderr through")

        boot_ids = [self.exec_text(cid, ["cat", "/proc/sys/kernel/random/boot_id"])
                    for cid in (sleeper, writer)]
        releases = [self.exec_text(cid, ["uname", "-r"]) for cid in (sleeper, writer)]
        check(boot_ids[0] == boot_ids[1] and boot_ids[0] != "",
              f"both containers run on one kernel boot (boot_id {boot_ids[0]})")
        check(releases[0] == releases[1], f"both containers see kernel release {releases[0]}")
        host_boot_id = host_file("/proc/sys/kernel/random/boot_id")
        host_release = host_file("/proc/sys/kernel/osrelease")
        if self.args.expect == "vm":
            check(boot_ids[0] != host_boot_id, "the pod's kernel is not the host's (boot_id differs)")
            check(releases[0] != host_release,
                  f"guest kernel release {releases[0]} differs from the host's {host_release}")
        else:
            check(boot_ids[0] == host_boot_id and releases[0] == host_release,
                  f"the pod shares the host kernel {host_release}")

    def check_resources(self, cid):
        if self.args.expect_cpus is not None:
            cpuinfo = self.exec_text(cid, ["cat", "/proc/cpuinfo"])
            cpus = sum(1 for line in cpuinfo.splitlines() if line.startswith("processor"))
            check(cpus == self.args.expect_cpus, f"the container sees {cpus} CPUs "
                  f"(expected {self.args.expect_cpus})")
        if self.args.expect_mem_total_mib is not None:
            low, high = self.args.expect_mem_total_mib
            meminfo = self.exec_text(cid, ["cat", "/proc/meminfo"])
            total = next((int(line.split()[1]) for line in meminfo.splitlines()
                          if line.startswith("MemTotal:")), 0) // 1024
            check(low <= total <= high, f"the container sees MemTotal {total} MiB "
                  f"(expected {low}..{high})")

    # --- helpers ---------------------------------------------------------------------------

    def sandbox_config(self):
        pb = self.pb
        name = f"kata-pod-test-{self.suffix}"
        # Host network: no CNI plugin is configured on this machine, and the test is about
        # where the containers run, not about pod networking.
        return pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=name, uid=str(uuid.uuid4()), namespace="default"),
            log_directory=self.log_dir,
            labels={"test": "kata-pod-test"},
            annotations=dict(self.args.pod_annotation),
            linux=pb.LinuxPodSandboxConfig(security_context=pb.LinuxSandboxSecurityContext(
                namespace_options=pb.NamespaceOption(network=pb.NODE, pid=pb.CONTAINER,
                                                     ipc=pb.POD))))

    def create_and_start(self, sandbox_config, name, command, **config_fields):
        """Creates and starts container `name`; `config_fields` go into its ContainerConfig
        (mounts, linux resources, ...)."""
        pb = self.pb
        config = pb.ContainerConfig(
            metadata=pb.ContainerMetadata(name=name), image=pb.ImageSpec(image=self.args.image),
            command=command, log_path=f"{name}.log", **config_fields)
        cid = self.runtime.CreateContainer(pb.CreateContainerRequest(
            pod_sandbox_id=self.pod_id, config=config, sandbox_config=sandbox_config),
            timeout=self.args.rpc_timeout).container_id
        self.container_ids.append(cid)
        self.runtime.StartContainer(pb.StartContainerRequest(container_id=cid),
                                    timeout=self.args.rpc_timeout)
        print(f"started {name} {cid[:12]}", flush=True)
        return cid

    def container_status(self, cid):
        return self.runtime.ContainerStatus(
            self.pb.ContainerStatusRequest(container_id=cid), timeout=30).status

    def exec(self, cid, cmd):
        return self.runtime.ExecSync(self.pb.ExecSyncRequest(container_id=cid, cmd=cmd, timeout=30),
                                     timeout=60)

    def exec_text(self, cid, cmd):
        result = self.exec(cid, cmd)
        if result.exit_code != 0:
            raise CheckFailed(f"ExecSync {cmd} in {cid[:12]} exited {result.exit_code}: "
                              f"{result.stderr.decode(errors='replace').strip()}")
        return result.stdout.decode(errors="replace").strip()

    def check_log(self, path, line):
        deadline = time.monotonic() + 30
        found = False
        while not found and time.monotonic() < deadline:
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    # CRI log lines: "<timestamp> stdout F <text>".
                    found = any(entry.split(" ", 3)[1:] == ["stdout", "F", line]
                                for entry in f.read().splitlines())
            if not found:
                time.sleep(0.2)
        check(found, f"the writer's stdout reached its CRI log: '{line}'")

    def stop_and_expect(self, cid, name, timeout, exit_code):
        pb = self.pb
        self.runtime.StopContainer(pb.StopContainerRequest(container_id=cid, timeout=timeout),
                                   timeout=timeout + self.args.rpc_timeout)
        status = self.container_status(cid)
        check(status.state == pb.CONTAINER_EXITED and status.exit_code == exit_code,
              f"{name} stopped (timeout {timeout} s): EXITED with code {status.exit_code}")

    def cleanup(self):
        """Removes whatever is left; reports but never raises."""
        pb = self.pb
        steps = []
        for cid in self.container_ids:
            steps.append(("StopContainer", cid, self.runtime.StopContainer,
                          pb.StopContainerRequest(container_id=cid)))
            steps.append(("RemoveContainer", cid, self.runtime.RemoveContainer,
                          pb.RemoveContainerRequest(container_id=cid)))
        if self.pod_id:
            steps.append(("StopPodSandbox", self.pod_id, self.runtime.StopPodSandbox,
                          pb.StopPodSandboxRequest(pod_sandbox_id=self.pod_id)))
            steps.append(("RemovePodSandbox", self.pod_id, self.runtime.RemovePodSandbox,
                          pb.RemovePodSandboxRequest(pod_sandbox_id=self.pod_id)))
        for name, target, call, request in steps:
            try:
                call(request, timeout=self.args.rpc_timeout)
                print(f"cleanup: {name} {target[:12]}", file=sys.stderr)
            except Exception as error:  # noqa: BLE001 - cleanup goes on whatever failed
                print(f"cleanup: {name} {target[:12]} failed: {error}", file=sys.stderr)
        shutil.rmtree(self.log_dir, ignore_errors=True)


def key_value(text):
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r}: want KEY=VALUE")
    return key, value


def mib_range(text):
    low, sep, high = text.partition(":")
    try:
        if sep:
            return int(low), int(high)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{text!r}: want MIN:MAX (MiB)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True, help="containerd's gRPC socket")
    parser.add_argument("--handler", required=True, help="CRI runtime handler ('' = default)")
    parser.add_argument("--image", required=True, help="container image, imported into k8s.io")
    parser.add_argument("--expect", choices=["vm", "host"], default="vm",
                        help="vm: the pod runs on its own kernel; host: on the host's")
    parser.add_argument("--rpc-timeout", type=float, default=120,
                        help="seconds for RPCs that may boot or stop a VM")
    parser.add_argument("--pod-annotation", action="append", default=[], type=key_value,
                        metavar="KEY=VALUE", help="a pod sandbox annotation (repeatable)")
    parser.add_argument("--expect-cpus", type=int, help="CPUs the containers must see")
    parser.add_argument("--expect-mem-total-mib", type=mib_range, metavar="MIN:MAX",
                        help="MemTotal range (MiB) the containers must see")
    args = parser.parse_args()

    return run_scenarios(args, [PodTest], "pod test")

def run_scenarios(args, make_tests, name):
    """Runs each `make_test(args, pb, pb_grpc, channel)`'s checks against the CRI socket in
    `args.socket`, removing what each created on every path (a SIGTERM, e.g. a test runner's
    timeout, too). Returns the exit status: 0 passed, 1 a check or CRI call failed, 2 no socket."""
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    import grpc

    if not os.path.exists(args.socket):
        print(f"FAIL: --socket {args.socket}: no such socket", file=sys.stderr)
        return 2
    pb, pb_grpc = load_stubs()
    with grpc.insecure_channel(f"unix://{args.socket}") as channel:
        for make_test in make_tests:
            test = make_test(args, pb, pb_grpc, channel)
            try:
                test.run()
            except CheckFailed as failure:
                print(f"FAIL: {failure}", file=sys.stderr)
                return 1
            except grpc.RpcError as error:
                print(f"FAIL: CRI call failed: {error.code().name}: {error.details()}", file=sys.stderr)
                return 1
            except KeyboardInterrupt:
                print("FAIL: interrupted", file=sys.stderr)
                return 1
            finally:
                test.cleanup()
    print(f"{name} passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
