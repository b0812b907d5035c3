"""Build Lambda Lab's browser edition: a static JupyterLite site whose Python (Pyodide) holds the whole kit.

    python lite/build.py --out dist/lite                # the students' site: labs/, slides, landing page
    python lite/build.py --out dist/lite-test --notebooks solutions   # a test build, with the answers

The site is plain files. Any static web server serves it (a university page, GitHub Pages,
``python -m http.server`` from a USB stick); nothing runs on the server. What goes into it:

- JupyterLab as a static app (``jupyterlite-core``) with the Pyodide kernel (``jupyterlite-pyodide-kernel``);
- Pyodide's core from the npm package ``pyodide``: the interpreter and the standard library, no packages;
- every wheel the kit imports, for the same versions as the native ``.venv`` (this script runs in it and
  reads their versions there): pure wheels from PyPI, ``pydantic-core`` built for Pyodide where PyPI has
  it, and MarkupSafe and PyYAML packed here from their pure-Python sources (their C speed-ups have no
  Pyodide build on PyPI);
- a ``pyodide-lock.json`` naming those wheels, and the kernel told to load all of them when it starts,
  so no notebook has an install cell and nothing is fetched from outside the site.

Downloads are cached in ``~/.cache/lambda-lab-lite``: once they are there, a build needs no network.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import importlib.metadata as metadata
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from precompile import record_line

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
CACHE = Path.home() / ".cache" / "lambda-lab-lite"
LITE_VENV = REPO / ".venv-lite"
PYODIDE_VERSION = "314.0.7"  # Python 3.14; the kernel's default CDN build is not reachable offline
PYODIDE_PLATFORM = "pyemscripten_2026_0_wasm32"
PYODIDE_PYTHON = "3.14"

# What the kit imports in a notebook, as requirements whose dependencies are followed. The native kit's
# other dependencies stay out: JupyterLab and ipykernel (the site is JupyterLab; the kernel brings its
# own), time-machine (a C extension: emulator/platform/virtual_time.py moves JavaScript's clock instead),
# matplotlib (the kit draws SVG), SAM's translator, cfn-lint and python-hcl2 (templates: jsonschema
# needs rpds-py, which has no Pyodide wheel), and cryptography (only RS256 tokens need it: lab 10).
BROWSER_REQUIREMENTS = [
    "boto3", "moto", "py-partiql-parser",  # moto[dynamodb] without docker
    "flask", "pyyaml", "pyjwt", "requests", "tqdm", "ipywidgets", "nbformat", "pytest",
    "aws-lambda-powertools", "aws-xray-sdk",
    "ipython", "comm", "jedi",  # the Pyodide kernel's own, installed before it starts
]
# botocore's service models (most of its 17 MB) kept in the browser: the services the kit, its labs and
# moto's backends for them call. Another service's client there fails with botocore's UnknownServiceError.
BOTOCORE_SERVICES = frozenset({"sqs", "lambda", "events", "scheduler", "s3", "dynamodb", "dynamodbstreams", "sts",
                               "iam", "sns", "logs", "xray", "apigatewayv2", "apigateway", "cloudwatch", "cognito-idp"})
# moto's packages kept (its top-level modules all stay): the backends of those services, what they import
# (awslambda imports ecr and kinesis; s3 imports s3bucket_path), and moto's own machinery. Another
# service's backend is not there: botocore could not make its client anyway. Nor are apigateway's and
# cognitoidp's: they import openapi-spec-validator and joserfc, which the site leaves out.
MOTO_PACKAGES = frozenset({"awslambda" if service == "lambda" else service.replace("-", "")
                           for service in BOTOCORE_SERVICES} - {"apigateway", "cognitoidp"}
                          | {"ecr", "kinesis", "s3bucket_path", "core", "utilities", "moto_api"})
# Pyodide's own packages the kernel needs, at the version Pyodide's distribution pins (its lock file).
FROM_PYODIDE_LOCK = ("micropip",)
LEFT_OUT = {"cryptography", "cffi", "pycparser", "jsonschema", "docker", "matplotlib", "numpy"}
PACKED_FROM_SOURCE = {"markupsafe": "src", "pyyaml": "lib"}  # the folder of the pure package in the sdist
# The kernel's wheels that come with jupyterlite-pyodide-kernel (ipykernel and widgetsnbextension are stubs).
KERNEL_WHEELS = ("piplite", "pyodide_kernel", "ipykernel", "widgetsnbextension-4")
# The kernel's own wheels, all imported when it starts (the warm-up cannot start it under Node.js).
WHOLLY_COMPILED = {"piplite", "pyodide-kernel", "ipykernel", "widgetsnbextension", *FROM_PYODIDE_LOCK}
# What IPython imports when the Pyodide kernel starts beside what a lab does (seen in a tab: modules
# loaded from source), imported in the warm-up so that they get bytecode too (lite/precompile.py).
KERNEL_MODULES = ["IPython.core.shellapp", "IPython.extensions.storemagic", "IPython.terminal.pt_inputhooks",
                  "IPython.utils.contexts"]
# Environment markers as Pyodide evaluates them (PEP 508).
PYODIDE_MARKERS = {"python_version": PYODIDE_PYTHON, "python_full_version": "3.14.2", "sys_platform": "emscripten",
                   "platform_system": "Emscripten", "platform_machine": "wasm32", "os_name": "posix",
                   "implementation_name": "cpython", "platform_python_implementation": "CPython", "extra": ""}


# JupyterLab settings of the site: a notebook draws every cell (a lab's outputs can be read and searched
# on the page, and a page test sees them all), and nothing checks the internet for news or updates.
SETTINGS = {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
            "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}


@dataclass(frozen=True)
class Wheel:
    """One wheel of the site: its project name, version, file, and the top-level modules it provides."""

    name: str
    version: str
    path: Path

    @property
    def imports(self) -> list[str]:
        with zipfile.ZipFile(self.path) as archive:
            names = archive.namelist()
        modules = {name.split("/")[0].removesuffix(".py") for name in names
                   if name.endswith(".py") and not name.split("/")[0].endswith((".dist-info", ".data"))}
        return sorted(module for module in modules if module.isidentifier())


def requirement_closure(requirements: list[str]) -> dict[str, str]:
    """Every project ``requirements`` need in Pyodide, with the version installed in this environment."""
    versions: dict[str, str] = {}
    pending = [Requirement(text) for text in requirements]
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in LEFT_OUT or name in versions:
            continue
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise SystemExit(f"{name} is not installed in {sys.prefix}: run this script with the kit's .venv")
        versions[name] = distribution.version
        for text in distribution.requires or []:
            needed = Requirement(text)
            extras = requirement.extras or {""}
            if needed.marker is None or any(needed.marker.evaluate({**PYODIDE_MARKERS, "extra": e}) for e in extras):
                pending.append(needed)
    return versions


def download_wheels(versions: dict[str, str]) -> list[Wheel]:
    """Wheels of every ``name==version`` that Pyodide can install, pure or built for Pyodide; cached.

    What is not cached yet comes in one pip call (one resolution, one connection pool).
    """
    folder = CACHE / "wheels"
    missing = [f"{name}=={version}" for name, version in versions.items()
               if name not in PACKED_FROM_SOURCE and not _cached(folder, name, version, ".whl")]
    if missing:
        _pip("download", "--no-deps", "--only-binary=:all:", "--platform", PYODIDE_PLATFORM,
             "--python-version", PYODIDE_PYTHON, "--implementation", "cp", "--abi", "cp314", "--abi", "abi3",
             "--abi", "none", "-d", str(folder), *missing)
    wheels = []
    for name, version in sorted(versions.items()):
        path = pack_pure_wheel(name, version) if name in PACKED_FROM_SOURCE else _cached(folder, name, version, ".whl")
        if path is None:
            raise SystemExit(f"pip downloaded no wheel of {name}=={version} into {folder}")
        wheels.append(Wheel(name, version, trimmed(path, name)))
    return wheels


@dataclass(frozen=True)
class KeepOnly:
    """A trim of a wheel: of the sub-folders of ``folder``, only those named in ``names`` are kept (the
    files directly in ``folder``, and everything outside it, stay)."""

    folder: str
    names: frozenset[str]

    @property
    def recipe(self) -> str:
        return f"{self.folder}: {' '.join(sorted(self.names))}"

    def keeps(self, path: str) -> bool:
        inside = path.removeprefix(self.folder + "/")
        return inside == path or "/" not in inside or inside.split("/")[0] in self.names


# What the site leaves out of three big wheels (11 MB of downloads, 5,000 files Pyodide would unpack).
TRIMS = {
    "botocore": [KeepOnly("botocore/data", BOTOCORE_SERVICES)],
    "moto": [KeepOnly("moto", MOTO_PACKAGES)],
    # jedi's stubs of third-party packages (4,800 files): completion reads the installed packages instead.
    "jedi": [KeepOnly("jedi/third_party", frozenset({"typeshed"})),
             KeepOnly("jedi/third_party/typeshed", frozenset({"stdlib"}))],
}


def trimmed(wheel: Path, name: str) -> Path:
    """``wheel`` without what :data:`TRIMS` leaves out of project ``name`` (its RECORD follows); cached
    under a digest of the wheel and of the trims."""
    trims = TRIMS.get(name)
    if not trims:
        return wheel
    out = CACHE / "trimmed" / _digest(wheel.read_bytes(), *(trim.recipe for trim in trims)) / wheel.name
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)

    def kept(path: str) -> bool:
        return all(trim.keeps(path) for trim in trims)

    part = out.with_suffix(".part")
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as small:
        for entry in source.infolist():
            if not kept(entry.filename):
                continue
            data = source.read(entry)
            if entry.filename.endswith(".dist-info/RECORD"):
                lines = data.decode().splitlines()
                data = ("\n".join(line for line in lines if kept(line.split(",")[0])) + "\n").encode()
            small.writestr(entry, data)
    part.rename(out)
    return out


def pack_pure_wheel(name: str, version: str) -> Path:
    """A ``py3-none-any`` wheel of the pure-Python package inside ``name``'s sdist (its C parts left out)."""
    out = CACHE / "packed" / f"{_wheel_stem(name)}-{version}-py3-none-any.whl"
    if out.exists():
        return out
    sdists = CACHE / "sdists"
    sdist = _cached(sdists, name, version, ".tar.gz")
    if not sdist:
        _pip("download", "--no-deps", "--no-binary=:all:", "-d", str(sdists), f"{name}=={version}")
        sdist = _cached(sdists, name, version, ".tar.gz")
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(sdist) as archive:
        archive.extractall(scratch, filter="data")
        source = next(Path(scratch).iterdir()) / PACKED_FROM_SOURCE[name]
        files = {str(path.relative_to(source)): path.read_bytes() for path in sorted(source.rglob("*.py"))}
    _write_wheel(out, name, version, files)
    return out


def _write_wheel(out: Path, name: str, version: str, files: dict[str, bytes]) -> None:
    dist_info = f"{_wheel_stem(name)}-{version}.dist-info"
    files = {**files,
             f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
             f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: lambda-lab lite/build.py\nRoot-Is-Purelib: true\n"
                                   b"Tag: py3-none-any\n"}
    record = [record_line(path, data) for path, data in files.items()]
    files[f"{dist_info}/RECORD"] = ("\n".join(record + [f"{dist_info}/RECORD,,"]) + "\n").encode()
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)


def precompiled(wheels: list[Wheel], scratch: Path) -> list[Wheel]:
    """``wheels`` with the bytecode of the modules a lab imports added (see lite/precompile.py), compiled
    by Pyodide itself under Node.js, into ``scratch``."""
    (scratch / "precompiled").mkdir()
    compiled = {wheel: scratch / "precompiled" / wheel.path.name for wheel in wheels}
    jobs = scratch / "precompile.json"
    jobs.write_text(json.dumps({"notebooks": str(REPO / "solutions"), "modules": KERNEL_MODULES + moto_backend_modules(wheels),
                                "wheels": [[str(wheel.path), str(out), wheel.name in WHOLLY_COMPILED]
                                           for wheel, out in compiled.items()]}))
    subprocess.run(["node", str(HERE / "precompile.mjs"), str(pyodide_core()), str(jobs)], check=True)
    return [dataclasses.replace(wheel, path=out) for wheel, out in compiled.items()]


def moto_backend_modules(wheels: list[Wheel]) -> list[str]:
    """The models, responses and urls modules of every moto package the site keeps (some are packages)."""
    moto = next(wheel for wheel in wheels if wheel.name == "moto")
    with zipfile.ZipFile(moto.path) as archive:
        names = set(archive.namelist())
    return [f"moto.{package}.{part}" for package in sorted(MOTO_PACKAGES) for part in ("models", "responses", "urls")
            if {f"moto/{package}/{part}.py", f"moto/{package}/{part}/__init__.py"} & names]


def kit_wheel(scratch: Path) -> Wheel:
    """The kit itself packed as a wheel from this checkout: ``emulator`` and ``grader`` (pure Python), and
    the kit's own copy of the labs beside them, where ``check()`` reads each exercise's tests (the
    notebooks in the browser's drive are the student's, and a student may edit them)."""
    version = metadata.version("lambda-lab")
    files = {str(path.relative_to(REPO)): path.read_bytes() for package in ("emulator", "grader")
             for path in sorted((REPO / package).rglob("*.py"))}
    files.update({str(path.relative_to(REPO)): path.read_bytes() for path in sorted((REPO / "labs").rglob("*.ipynb"))
                  if "work" not in path.relative_to(REPO / "labs").parts})
    out = scratch / f"lambda_lab-{version}-py3-none-any.whl"
    _write_wheel(out, "lambda-lab", version, files)
    return Wheel("lambda-lab", version, out)


def kernel_wheels() -> list[Wheel]:
    """The Pyodide kernel's own wheels, shipped inside jupyterlite-pyodide-kernel's extension."""
    folder = LITE_VENV / "share/jupyter/labextensions/@jupyterlite/pyodide-kernel-extension/static/pypi"
    wheels = []
    for prefix in KERNEL_WHEELS:
        path = next(folder.glob(f"{prefix}*.whl"))
        name, version = path.name.split("-")[:2]
        wheels.append(Wheel(canonicalize_name(name), version, path))
    return wheels


def pyodide_core() -> Path:
    """Pyodide's core (interpreter and standard library) unpacked from the npm package; cached."""
    folder = CACHE / f"pyodide-{PYODIDE_VERSION}"
    if not (folder / "pyodide.mjs").exists():
        with tempfile.TemporaryDirectory() as scratch:
            subprocess.run(["npm", "pack", "--silent", f"pyodide@{PYODIDE_VERSION}"], cwd=scratch, check=True,
                           stdout=subprocess.DEVNULL)
            with tarfile.open(next(Path(scratch).glob("pyodide-*.tgz"))) as archive:
                archive.extractall(scratch, filter="data")
            shutil.copytree(Path(scratch) / "package", folder, dirs_exist_ok=True)
    return folder


def write_pyodide(target: Path, wheels: list[Wheel]) -> None:
    """Pyodide's core, the wheels, and a pyodide-lock.json that names exactly those wheels."""
    core = pyodide_core()
    target.mkdir(parents=True)
    for name in ("pyodide.mjs", "pyodide.js", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "package.json"):
        shutil.copy2(core / name, target / name)
    packages = {}
    for wheel in wheels:
        shutil.copy2(wheel.path, target / wheel.path.name)
        packages[wheel.name] = {
            "name": wheel.name, "version": wheel.version, "file_name": wheel.path.name, "install_dir": "site",
            "sha256": hashlib.sha256(wheel.path.read_bytes()).hexdigest(), "package_type": "package",
            "imports": wheel.imports, "depends": [], "unvendored_tests": False}
    info = json.loads((core / "pyodide-lock.json").read_text())["info"]  # the interpreter's ABI and Python
    (target / "pyodide-lock.json").write_text(json.dumps({"info": info, "packages": packages}, indent=1))


def lite_config(wheels: list[Wheel]) -> dict:
    """jupyter-lite.json: the Pyodide kernel loads our Pyodide and every wheel at start, never PyPI."""
    kernel = {"pyodideUrl": "./static/pyodide/pyodide.mjs", "disablePyPIFallback": True,
              "loadPyodideOptions": {"packages": sorted(wheel.name for wheel in wheels)}}
    return {"jupyter-lite-schema-version": 0, "jupyter-config-data": {
        "appName": "Lambda Lab", "litePluginSettings": {"@jupyterlite/pyodide-kernel-extension:kernel": kernel}}}


def build(out: Path, notebooks: Path) -> None:
    """The whole site into ``out`` (emptied first: an incremental JupyterLite build drops settings)."""
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        versions = requirement_closure(BROWSER_REQUIREMENTS)
        for stub in ("ipykernel", "widgetsnbextension"):
            versions.pop(stub, None)  # the kernel's stubs take their place
        pinned = json.loads((pyodide_core() / "pyodide-lock.json").read_text())["packages"]
        versions.update({name: pinned[name]["version"] for name in FROM_PYODIDE_LOCK})
        wheels = precompiled(download_wheels(versions) + kernel_wheels() + [kit_wheel(scratch)], scratch)
        lite_dir = scratch / "lite"
        lite_dir.mkdir()
        (lite_dir / "jupyter-lite.json").write_text(json.dumps(lite_config(wheels), indent=1))
        (lite_dir / "overrides.json").write_text(json.dumps(SETTINGS, indent=1))
        contents = scratch / "contents"
        shutil.copytree(notebooks, contents, ignore=shutil.ignore_patterns("work", ".ipynb_checkpoints"))
        if out.exists():
            shutil.rmtree(out)
        subprocess.run([str(LITE_VENV / "bin" / "jupyter"), "lite", "build", "--lite-dir", str(lite_dir),
                        "--contents", str(contents), "--output-dir", str(out), "--no-sourcemaps",
                        "--no-unused-shared-packages"], check=True, cwd=scratch)
        write_pyodide(out / "static" / "pyodide", wheels)
    slides = REPO / "slides" / "build"
    if slides.is_dir():
        shutil.copytree(slides, out / "slides")
    (out / "index.html").write_text((HERE / "index.html").read_text().replace("<!-- SLIDES -->", slide_links(out / "slides")))


def slide_links(folder: Path) -> str:
    """The landing page's list of decks (``slides/NN_topic.html``), or a line saying how to build them."""
    decks = sorted(folder.glob("[0-9][0-9]_*.html")) if folder.is_dir() else []
    if not decks:
        return "<li>not in this build: <code>make lite</code> builds the slides first</li>"
    return "\n".join(f'<li><a href="slides/{deck.name}">{deck.stem[3:].replace("_", " ").capitalize()}</a></li>'
                      for deck in decks)


def _cached(folder: Path, name: str, version: str, suffix: str) -> Path | None:
    stem = _wheel_stem(name).lower()
    for path in folder.glob(f"*{suffix}") if folder.is_dir() else []:
        parts = path.name[: -len(suffix)].split("-")
        if canonicalize_name(parts[0]) == canonicalize_name(stem) and len(parts) > 1 and parts[1] == version:
            return path
    return None


def _wheel_stem(name: str) -> str:
    return canonicalize_name(name).replace("-", "_")


def _digest(*parts: bytes | str) -> str:
    """A short name for a cached derived file: a digest of what it was made from."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
    return digest.hexdigest()[:16]


def _pip(*arguments: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--quiet", *arguments], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "dist" / "lite", help="the site's folder (replaced)")
    parser.add_argument("--notebooks", type=Path, default=REPO / "labs",
                        help="the notebooks students open (labs/; solutions/ only for a test build)")
    arguments = parser.parse_args()
    build(arguments.out.resolve(), arguments.notebooks.resolve())
    print(f"site in {arguments.out}: serve it with  python -m http.server -d {arguments.out} -b 127.0.0.1")


if __name__ == "__main__":
    main()
