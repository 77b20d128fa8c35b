"""Runs sev-snp-measure's own command-line entry point on many cases in one process.

Input (argv[1]): JSON list of {"args": [...], "cwd": "dir"}. Output (argv[2]): JSON list of
{"status": exit status, "stdout": text, "vmsa": [sha256 of vmsa<N>.bin, ...]}, one per case,
where an uncaught exception counts as status 1, as it would for the real command.
"""
import contextlib
import hashlib
import io
import json
import os
import sys

from sevsnpmeasure import cli


def run_case(case):
    os.chdir(case["cwd"])
    sys.argv = ["sev-snp-measure"] + case["args"]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = cli.main()
        except SystemExit as stop:
            status = stop.code if isinstance(stop.code, int) else 1
        except Exception:  # an uncaught exception: Python exits with status 1
            status = 1
    vmsa = []
    index = 0
    while os.path.exists(f"vmsa{index}.bin"):
        with open(f"vmsa{index}.bin", "rb") as page:
            vmsa.append(hashlib.sha256(page.read()).hexdigest())
        os.remove(f"vmsa{index}.bin")
        index += 1
    return {"status": status or 0, "stdout": out.getvalue(), "stderr": err.getvalue(), "vmsa": vmsa}


def main():
    source_path, result_path = sys.argv[1], sys.argv[2]  # run_case replaces sys.argv
    with open(source_path) as source:
        cases = json.load(source)
    results = [run_case(case) for case in cases]
    with open(result_path, "w") as sink:
        json.dump(results, sink)


if __name__ == "__main__":
    main()
