"""Add bytecode to the site's wheels for the modules a lab imports, compiled by Pyodide's own interpreter.

``lite/build.py`` runs this file inside Pyodide under Node.js (``lite/precompile.mjs``), because the
bytecode must come from the interpreter that will load it: Python 3.14 as Pyodide builds it.

Why: a browser tab keeps no ``__pycache__`` from one visit to the next, so without bytecode in the
wheels Pyodide compiles every module it imports from source, in WebAssembly, each time a page opens
(botocore, boto3 and moto alone: about 3 s of a lab's first cell).

Which modules: those a student's session imports, found by doing what one does. All the wheels are
unpacked here as Pyodide would, then the warm-up notebooks (:data:`WARM_UP`) run cell by cell in
IPython, checks included, then the modules the build names are imported (the moto backends the kit
uses, what the kernel imports as it starts); every module Python compiled from a wheel meanwhile gets a
``__pycache__/<module>.cpython-314.pyc`` beside its ``.py`` in that wheel. The Pyodide kernel's own
small wheels (which cannot start under Node.js) get bytecode for all their modules. The others (most of
pygments' lexers, moto's rarer code paths) stay source only and compile when first imported: bytecode
for everything would add 12 MB to the site. The sources stay too: tracebacks show their lines and
students can read them.

The bytecode is *unchecked hash-based* (PEP 552): Python loads it without looking at the source's time
stamp, which changes when Pyodide unpacks the wheel, and without hashing the source again.
"""

import base64
import hashlib
import importlib.machinery
import importlib.util
import io
import json
import marshal
import os
import site
import sys
import warnings
import zipfile

HOST = "/host"  # where lite/precompile.mjs mounts the machine's file system
SITE_PACKAGES = site.getsitepackages()[0]
UNCHECKED_HASH_BASED = 0b01  # PEP 552's flags: bit 0 hash-based, bit 1 "check the source" (not set)
WARM_UP = ("00_welcome", "06_calculator")  # a first cell, handlers, queues and mappings, passing checks
_SILENCED = io.StringIO()


def unpack(wheels: list[str]) -> None:
    """Unpack every wheel into site-packages, as Pyodide's ``loadPackage`` does when a kernel starts."""
    for wheel in wheels:
        with zipfile.ZipFile(HOST + wheel) as archive:
            archive.extractall(SITE_PACKAGES)
    importlib.invalidate_caches()


def warm_up(notebooks: str, modules: list[str]) -> set[str]:
    """Run the :data:`WARM_UP` notebooks of folder ``notebooks`` in IPython, in a scratch folder, then
    import ``modules``; the site-packages files (relative paths) Python compiled meanwhile, including
    those of imports that failed (a module tried and refused, such as a C speed-up, is tried at every
    start)."""
    compiled = set()
    compile_source = importlib.machinery.SourceFileLoader.source_to_code

    def recorded(loader, data, path, *arguments, **keywords):
        compiled.add(os.path.relpath(path, SITE_PACKAGES))
        return compile_source(loader, data, path, *arguments, **keywords)

    importlib.machinery.SourceFileLoader.source_to_code = recorded
    from IPython.core.interactiveshell import InteractiveShell

    os.makedirs("/home/pyodide/warm-up", exist_ok=True)
    os.chdir("/home/pyodide/warm-up")
    shell = InteractiveShell.instance()
    # The notebooks' output is not wanted. The kit's log capture, installed as sys.stdout by the first
    # cell, keeps the stream it replaced and flushes it when it goes: that one stays open (_SILENCED).
    sys.stdout = sys.stderr = _SILENCED
    try:
        for name in WARM_UP:
            run_notebook(shell, f"{HOST}{notebooks}/{name}.ipynb")
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as error:  # a dependency the site leaves out
            print(f"  {module} cannot be imported in the browser edition: {error}")
    return {path for path in compiled if not path.startswith("..")}


def run_notebook(shell, path: str) -> None:
    """Run a notebook's code cells one by one in IPython ``shell``; stop at the first that fails."""
    with open(path) as file:
        cells = [cell for cell in json.load(file)["cells"] if cell["cell_type"] == "code"]
    for cell in cells:
        result = shell.run_cell("".join(cell["source"]))
        if not result.success:  # a warm-up that fails half-way would leave the site slower without saying so
            error = result.error_in_exec or result.error_before_exec
            raise SystemExit(f"warm-up notebook {path}: a cell failed ({error!r}); run it natively to see why")


def pyc(path: str, source: bytes) -> bytes:
    """The ``.pyc`` file of module ``path`` (relative to site-packages), unchecked hash-based."""
    with warnings.catch_warnings(action="ignore"):  # invalid escapes and such: the source's business
        code = compile(source, f"{SITE_PACKAGES}/{path}", "exec", dont_inherit=True)
    header = importlib.util.MAGIC_NUMBER + UNCHECKED_HASH_BASED.to_bytes(4, "little")
    return header + importlib.util.source_hash(source) + marshal.dumps(code)


def compile_wheel(source: str, out: str, imported: set[str] | None) -> int:
    """Copy wheel ``source`` to ``out`` with the bytecode of its ``imported`` modules added (of all, for
    None); their count."""
    with zipfile.ZipFile(source) as wheel:
        files = {entry.filename: wheel.read(entry) for entry in wheel.infolist() if not entry.is_dir()}
    def wanted(path: str) -> bool:
        return path.endswith(".py") if imported is None else path in imported

    compiled = {importlib.util.cache_from_source(path): pyc(path, data) for path, data in files.items() if wanted(path)}
    record = next(path for path in files if path.endswith(".dist-info/RECORD"))
    lines = [record_line(path, data) for path, data in compiled.items()]
    files[record] = files[record].rstrip(b"\n") + ("\n" + "\n".join(lines) + "\n").encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in {**files, **compiled}.items():
            wheel.writestr(path, data)
    return len(compiled)


def main(jobs_file: str) -> None:
    """Read ``{"notebooks": folder, "modules": [name, ...], "wheels": [[source, out, all], ...]}`` (paths
    on the machine; ``all``: bytecode for every module) from the JSON file ``jobs_file``, warm up, and
    write each ``out`` wheel."""
    with open(HOST + jobs_file) as file:
        jobs = json.load(file)
    unpack([source for source, _, _ in jobs["wheels"]])
    imported = warm_up(jobs["notebooks"], jobs["modules"])
    counts = [compile_wheel(HOST + source, HOST + out, None if whole else imported)
              for source, out, whole in jobs["wheels"]]
    print(f"  bytecode for {sum(counts)} modules imported by the warm-up, in {sum(map(bool, counts))} wheels",
          file=sys.__stdout__)


def record_line(path: str, data: bytes) -> str:
    """A wheel's RECORD line for one file: its path, its urlsafe-base64 SHA-256 and its size."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"
