"""Gradescope's ``autograder.zip`` for one lab.

Gradescope builds an image from the zip once (running ``setup.sh``), then runs ``run_autograder`` for
each submission with the student's files in ``/autograder/submission``; the results go to
``/autograder/results/results.json`` (Gradescope's "Autograder specifications" page). The zip holds:

- ``setup.sh``: a virtual environment in ``/autograder/venv`` with the kit installed from ``kit/``;
- ``run_autograder``: ``python -m grader gradescope --lab NN_topic`` with the paths above;
- ``kit/``: ``pyproject.toml``, ``README.md`` and the ``emulator`` and ``grader`` packages;
- ``solutions/NN_topic.ipynb``: the lab's tests, hidden ones included, but *not* the solution code,
  which grading does not need: the solution regions are stubbed out as in the student copy, so a
  submission that goes looking through the grading machine's files finds no answer to copy.

The archive is reproducible: entries in a fixed order with fixed timestamps, so rebuilding an unchanged lab gives
the same bytes.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from .exercises import read_lab
from .sandbox import KIT_ROOT
from .strip import dumps, strip_notebook

FIXED_TIME = (2020, 1, 1, 0, 0, 0)
PACKAGES = ("emulator", "grader")
KIT_FILES = ("pyproject.toml", "README.md")

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image.
set -euo pipefail
apt-get install -y python3 python3-venv python3-pip
python3 -c 'import sys; assert sys.version_info >= (3, 10), "Lambda Lab needs Python 3.10 or later: choose a newer base image"'
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
/autograder/venv/bin/pip install /autograder/source/kit
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission.
set -euo pipefail
cd /autograder/source
exec /autograder/venv/bin/python -m grader gradescope --lab {lab} \\
    --solutions /autograder/source/solutions \\
    --submission /autograder/submission \\
    --results /autograder/results/results.json
"""


def kit_files(root: Path = KIT_ROOT) -> list[tuple[str, Path]]:
    """``(name in the zip, file)`` for the kit's packaging files and its two packages' sources."""
    files = [(f"kit/{name}", root / name) for name in KIT_FILES if (root / name).is_file()]
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files.append((f"kit/{path.relative_to(root).as_posix()}", path))
    return files


def build(lab_id: str, out: Path, solutions: Path) -> Path:
    """Write the autograder zip for ``lab_id`` to ``out``; returns ``out``."""
    solution = solutions / f"{lab_id}.ipynb"
    read_lab(solution)  # a missing or malformed solution stops here, with its reason
    tests_only = dumps(strip_notebook(json.loads(solution.read_text(encoding="utf-8")), lab_id, keep_hidden_tests=True))
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        _add(archive, "setup.sh", SETUP_SH.encode(), executable=True)
        _add(archive, "run_autograder", RUN_AUTOGRADER.format(lab=lab_id).encode(), executable=True)
        for name, path in kit_files():
            _add(archive, name, path.read_bytes())
        _add(archive, f"solutions/{lab_id}.ipynb", tests_only.encode())
    return out


def _add(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o755 if executable else 0o644) << 16  # Unix permissions, kept by unzip
    archive.writestr(info, data)
