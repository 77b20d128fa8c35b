#!/usr/bin/env python3
"""Builds the libFuzzer targets next to an existing `swift build` of the package.

Why not a second SwiftPM build: that would recompile swift-nio, swift-protobuf and TOMLKit with
instrumentation (minutes on two cores). Instead, only the modules a target fuzzes are recompiled
here with `-sanitize=fuzzer,address` (coverage feedback comes from them); everything else is
linked from the objects the normal debug build already made, through a thin static archive per
target, so each target pulls in only what it references. -Onone: -O triples the compile time.

Usage: build.py BIN_PATH OUT_DIR [TARGET...]   (BIN_PATH = `swift build --show-bin-path`)
"""

import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SWIFTC = os.environ.get("SWIFTC", "swiftc")
SANITIZERS = os.environ.get("FUZZ_SANITIZERS", "fuzzer,address")

# Our modules recompiled with instrumentation, in dependency order, with the instrumented
# modules each imports (a change there means recompiling it).
INSTRUMENTED = {
    "KataCore": [],
    "Firmware": ["KataCore"],
    "Initdata": ["KataCore", "Firmware"],
    "SEV": ["KataCore", "Firmware"],
    "TDX": ["KataCore", "Firmware"],
    "TTRPC": ["KataCore"],
    "QEMU": ["KataCore"],
    "KataConfig": ["KataCore"],
    "OCI": [],
    "Netlink": ["KataCore"],
    "GuestAgent": ["KataCore", "Firmware", "Initdata"],
    "KataAgentService": ["KataCore", "Firmware", "Initdata", "OCI", "GuestAgent", "Netlink"],
}

# Target name -> the instrumented modules it links (the harness is Fuzz/<name>.swift).
TARGETS = {
    "ttrpc-frames": ["KataCore", "TTRPC"],
    "qmp-messages": ["KataCore", "QEMU"],
    "firmware-metadata": ["KataCore", "Firmware", "SEV", "TDX"],
    "config-annotations": ["KataCore", "KataConfig"],
    "oci-spec": ["OCI"],
    "agent-requests": ["KataCore", "Firmware", "Initdata", "OCI", "GuestAgent", "Netlink", "KataAgentService"],
    "netlink-replies": ["KataCore", "Netlink"],
    "initdata": ["KataCore", "Firmware", "Initdata"],
}

# System libraries the prebuilt C targets and TOMLKit's C++ need.
LINK_LIBRARIES = ["-lcrypto", "-lssl", "-lz", "-lseccomp", "-lcap-ng", "-lsystemd", "-lstdc++"]


def build_description(bin_path):
    """Source lists and C module flags SwiftPM used, read from its build description."""
    text = open(os.path.join(os.path.dirname(bin_path), "..", "debug.yaml")).read()
    sources, packages, clang_flags = {}, {}, []
    for match in re.finditer(
        r'^  "C\.(\w+)-[^"]*\.module":\n(?:    .*\n)*?    inputs: (\[.*\])\n(?:    .*\n)*?    args: (\[.*\])$', text, re.M
    ):
        sources[match.group(1)] = [p for p in json.loads(match.group(2)) if p.endswith(".swift")]
        args = json.loads(match.group(3))
        if "-package-name" in args:
            # `package` declarations are visible only within the same package name, which
            # SwiftPM derives from the checkout's directory name.
            packages[match.group(1)] = args[args.index("-package-name") + 1]
    for match in re.finditer(r"^    args: (\[.*\])$", text, re.M):
        args = json.loads(match.group(1))
        for index, arg in enumerate(args[:-1]):
            if arg != "-Xcc":
                continue
            value = args[index + 1]
            pair = None
            if value.startswith("-fmodule-map-file="):
                pair = ["-Xcc", value]
            elif value == "-I" and index + 3 < len(args) and args[index + 2] == "-Xcc":
                pair = ["-Xcc", "-I", "-Xcc", args[index + 3]]
            if pair and pair[-1] not in clang_flags:
                clang_flags += pair
    return sources, packages, clang_flags


def newer(output, inputs):
    if not os.path.exists(output):
        return True
    built = os.path.getmtime(output)
    return any(os.path.getmtime(path) > built for path in inputs)


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        sys.exit(f"fuzz build failed: {' '.join(command[:4])} ...")


def objects_defining_main(paths):
    """The objects among `paths` that define `main` (executables' entry points), one nm call per 256."""
    found = set()
    for start in range(0, len(paths), 256):
        listing = subprocess.run(
            ["nm", "-A", "-g", "--defined-only"] + paths[start : start + 256], capture_output=True, text=True
        ).stdout
        found.update(m.group(1) for m in re.finditer(r"^(.*\.o): *[0-9a-f]* T main$", listing, re.M))
    return found


def prebuilt_objects(bin_path):
    """Objects of the normal build by module, without tests and executables' mains."""
    by_module = {}
    for entry in sorted(os.listdir(bin_path)):
        module = entry[: -len(".build")] if entry.endswith(".build") else None
        if module is None or module.endswith("Tests"):
            continue
        for directory, _, files in os.walk(os.path.join(bin_path, entry)):
            by_module.setdefault(module, []).extend(os.path.join(directory, f) for f in files if f.endswith(".o"))
    mains = objects_defining_main([o for objects in by_module.values() for o in objects])
    return {m: [o for o in objects if o not in mains] for m, objects in by_module.items()}


def prebuilt_archive(by_module, out, target):
    """A thin archive (it only names the files) of the prebuilt objects a target may link.

    The modules the target recompiles with instrumentation are left out: two copies of a module
    would clash. From an archive the linker takes only the objects something references.
    """
    archive = os.path.join(out, f"libprebuilt-{target}.a")
    objects = [o for m, files in by_module.items() if m not in TARGETS[target] for o in files]
    if newer(archive, objects):
        if os.path.exists(archive):
            os.remove(archive)
        run(["ar", "rcsT", archive] + objects)
    return archive


def compile_module(module, sources, common, out):
    obj = os.path.join(out, "obj", module + ".o")
    interface = os.path.join(out, "modules", module + ".swiftmodule")
    upstream = [os.path.join(out, "obj", m + ".o") for m in INSTRUMENTED[module]]
    if newer(obj, sources + upstream):
        started = time.time()
        run(
            [SWIFTC, "-module-name", module, "-parse-as-library", "-wmo", "-enable-testing", "-Onone",
             "-emit-module", "-emit-module-path", interface, "-c", "-o", obj] + common + sources)
        print(f"fuzz: compiled {module} ({len(sources)} files) in {time.time() - started:.1f} s")
    return obj


def main():
    bin_path, out = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    wanted = sys.argv[3:] or list(TARGETS)
    for sub in ("obj", "modules", "bin"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    sources, packages, clang_flags = build_description(bin_path)
    common = (["-sanitize=" + SANITIZERS, "-swift-version", "6", "-DSWIFT_PACKAGE",
               "-package-name", packages["KataCore"], "-I", os.path.join(out, "modules"),
               "-I", os.path.join(bin_path, "Modules")] + clang_flags)
    needed = [m for m in INSTRUMENTED if any(m in TARGETS[t] for t in wanted)]
    objects = {m: compile_module(m, sources[m], common, out) for m in needed}
    by_module = prebuilt_objects(bin_path)
    for target in wanted:
        archive = prebuilt_archive(by_module, out, target)
        harness = [os.path.join(ROOT, "Fuzz", target + ".swift"), os.path.join(ROOT, "Fuzz", "FuzzInput.swift")]
        binary = os.path.join(out, "bin", target)
        inputs = harness + [objects[m] for m in TARGETS[target]] + [archive]
        if newer(binary, inputs):
            started = time.time()
            run([SWIFTC, "-parse-as-library", "-Onone", "-o", binary] + common + inputs + LINK_LIBRARIES)
            print(f"fuzz: linked {target} in {time.time() - started:.1f} s")


if __name__ == "__main__":
    main()
