"""The browser edition's Python, outside the browser: the site's own Pyodide under Node.js.

What a student would notice if the build went wrong here is a slow start, not an error: Python quietly
compiles a module from source when the bytecode beside it is missing or was made by another
interpreter. So these tests load the test build's Pyodide and wheels (``dist/lite-test``, as the kernel
does), do what a lab's first cell does, and count the modules compiled from source meanwhile.
"""

from __future__ import annotations

import json
import subprocess
import textwrap

import pytest
from browser_kit import REPO

pytestmark = pytest.mark.slow

PYODIDE = REPO / "dist" / "lite-test" / "static" / "pyodide"
RUNNER = """
import { loadPyodide } from "%(pyodide)s/pyodide.mjs";
import { readFileSync } from "node:fs";
const lock = JSON.parse(readFileSync("%(pyodide)s/pyodide-lock.json", "utf8"));
const pyodide = await loadPyodide({ indexURL: "%(pyodide)s/" });
await pyodide.loadPackage(Object.keys(lock.packages), { messageCallback: () => {} });
console.log(await pyodide.runPythonAsync(%(code)s));
"""
FIRST_CELL = """
import importlib.machinery, json, os
compiled = []
original = importlib.machinery.SourceFileLoader.source_to_code

def counted(loader, data, path, *arguments, **keywords):
    compiled.append(path.split("site-packages/")[-1])
    return original(loader, data, path, *arguments, **keywords)

importlib.machinery.SourceFileLoader.source_to_code = counted
os.makedirs("/home/pyodide/lab", exist_ok=True)
os.chdir("/home/pyodide/lab")
from emulator.notebook import start_lab
cloud, check = start_lab("00_welcome")
cloud.create_queue("jobs")
import moto.awslambda.models, moto.dynamodb.models, moto.logs.models  # later labs' backends
json.dumps({"compiled": compiled, "queues": cloud.client("sqs").list_queues()["QueueUrls"]})
"""


def run_in_site_pyodide(code: str, tmp_path) -> dict:
    runner = tmp_path / "runner.mjs"
    runner.write_text(RUNNER % {"pyodide": PYODIDE, "code": json.dumps(textwrap.dedent(code))})
    finished = subprocess.run(["node", str(runner)], capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-3000:]
    return json.loads(finished.stdout.strip().splitlines()[-1])


def test_a_labs_first_cell_compiles_nothing_from_source(tmp_path) -> None:
    """The kit, boto3, botocore and moto come with bytecode made by this very Pyodide (the modules a lab
    imports, and those it tries and fails to import), and the moto backends the labs use survived the
    trim of moto's wheel."""
    result = run_in_site_pyodide(FIRST_CELL, tmp_path)
    assert result["queues"] == ["https://sqs.us-east-1.amazonaws.com/123456789012/jobs"]
    assert result["compiled"] == []
