#!/usr/bin/env python3
"""An OOM-killed container through containerd's CRI v1 API: its reason is OOMKilled.

    oom_test.py --socket SOCK --handler HANDLER [--handler HANDLER ...] --image IMAGE

For each handler, one pod with two containers running the same command, which holds 64 MiB
(`head -c 64MiB /dev/zero | tail`: tail keeps the one endless line in memory): one with a
32 MiB memory limit (LinuxContainerResources.memory_limit_in_bytes) must end EXITED with
exit code 137 and reason OOMKilled; one without a limit must complete (exit 0, reason
Completed), which shows the pod had the memory and the limit is what killed the first. The
helpers (stubs, checks, clean-up) are pod_test.py's. Exits 0 when every handler passed.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pod_test import CheckFailed, PodTest, check, run_scenarios  # noqa: E402

HOG = ["/bin/sh", "-c", "head -c 67108864 /dev/zero | tail"]
LIMIT = 32 << 20


class OOMTest(PodTest):
    def run(self):
        pb = self.pb
        sandbox_config = self.sandbox_config()
        self.pod_id = self.runtime.RunPodSandbox(
            pb.RunPodSandboxRequest(config=sandbox_config, runtime_handler=self.args.handler),
            timeout=self.args.rpc_timeout).pod_sandbox_id
        print(f"pod {self.pod_id[:12]} ready (handler {self.args.handler})", flush=True)
        limited = self.create_and_start_hog(sandbox_config, "limited", LIMIT)
        status = self.wait_exited(limited, "limited")
        check(status.exit_code == 137 and status.reason == "OOMKilled",
              f"{self.args.handler}: the container limited to 32 MiB that holds 64 MiB is EXITED "
              f"with code {status.exit_code}, reason '{status.reason}' (want 137, OOMKilled)")
        unlimited = self.create_and_start_hog(sandbox_config, "unlimited", 0)
        status = self.wait_exited(unlimited, "unlimited")
        check(status.exit_code == 0 and status.reason == "Completed",
              f"{self.args.handler}: the same command without a limit is EXITED with code "
              f"{status.exit_code}, reason '{status.reason}' (want 0, Completed)")
        for cid in (limited, unlimited):
            self.runtime.RemoveContainer(pb.RemoveContainerRequest(container_id=cid), timeout=60)
            self.container_ids.remove(cid)
        self.runtime.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=self.pod_id),
                                    timeout=self.args.rpc_timeout)
        self.runtime.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=self.pod_id),
                                      timeout=self.args.rpc_timeout)
        self.pod_id = None
        print(f"ok: {self.args.handler}: pod removed", flush=True)

    def create_and_start_hog(self, sandbox_config, name, limit):
        pb = self.pb
        print(f"{name}: memory limit {limit or 'none'}", flush=True)
        return self.create_and_start(
            sandbox_config, name, HOG,
            linux=pb.LinuxContainerConfig(resources=pb.LinuxContainerResources(memory_limit_in_bytes=limit)))

    def wait_exited(self, cid, name, timeout=120):
        deadline = time.monotonic() + timeout
        while True:
            status = self.container_status(cid)
            if status.state == self.pb.CONTAINER_EXITED:
                return status
            if time.monotonic() > deadline:
                raise CheckFailed(f"{name} still {self.pb.ContainerState.Name(status.state)} "
                                  f"after {timeout} s")
            time.sleep(0.2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True, help="containerd's gRPC socket")
    parser.add_argument("--handler", required=True, action="append",
                        help="CRI runtime handler (repeatable: each gets its own pod)")
    parser.add_argument("--image", required=True, help="container image, imported into k8s.io")
    parser.add_argument("--rpc-timeout", type=float, default=120,
                        help="seconds for RPCs that may boot or stop a VM")
    args = parser.parse_args()
    args.pod_annotation = []

    # One pod per handler, each with its own arguments.
    makers = [
        (lambda handler: lambda a, pb, pb_grpc, channel: OOMTest(
            argparse.Namespace(**{**vars(a), "handler": handler}), pb, pb_grpc, channel))(handler)
        for handler in args.handler
    ]
    return run_scenarios(args, makers, "oom test")

if __name__ == "__main__":
    sys.exit(main())
