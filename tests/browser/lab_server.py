"""JupyterLab for the browser suite, started from the kit's own Python and thrown away afterwards.

It listens on 127.0.0.1, on a port free at start, with a token made for this run. Its notebook folder
is a fresh copy of ``labs/`` and ``solutions/`` in a temporary folder, and every file Jupyter, IPython
or matplotlib would write under the home folder goes to that temporary folder too: a run leaves nothing
behind. Nothing in it reaches the internet: no news feed, no update check, no extension catalogue.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from browser_kit import REPO

START_SECONDS = 90
# JupyterLab's settings for the run: every cell stays in the page (no windowing), no news, no update checks.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                         "checkForUpdates": False},
}


class LabServerError(RuntimeError):
    """JupyterLab did not start; the message carries its log."""


@dataclass
class LabServer:
    """A running JupyterLab: its address, token and notebook folder (a throw-away copy of the course)."""

    url: str
    token: str
    root: Path

    def notebook_url(self, relative: str) -> str:
        """The page that opens one notebook, in a fresh workspace of its own (no tab of an earlier test)."""
        workspace = relative.replace("/", "-").replace("_", "-").removesuffix(".ipynb")
        return f"{self.url}/lab/workspaces/{workspace}/tree/{relative}?reset&token={self.token}"

    def api(self, path: str, method: str = "GET") -> object:
        """Call the server's REST API (``/api/PATH``) and return the decoded JSON answer, if any."""
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        """End every notebook session and its kernel, so one lab's cloud and threads never slow the next."""
        for session in self.api("sessions"):  # type: ignore[union-attr]
            self.api(f"sessions/{session['id']}", method="DELETE")


def free_port() -> int:
    """A TCP port nobody listens on at this moment, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def copy_course(root: Path) -> None:
    """Copy the notebooks of labs/ and solutions/ (not their work/ folders) into ``root``."""
    for folder in ("labs", "solutions"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("work", ".ipynb_checkpoints"))


def write_lab_settings(settings_dir: Path) -> None:
    """Write LAB_SETTINGS as JupyterLab's user settings files."""
    for name, values in LAB_SETTINGS.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def wait_until_serving(server: LabServer, process: subprocess.Popen, log: Path) -> None:
    """Poll ``/api/status`` until the server answers; raise with its log if it exits or takes too long."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LabServerError(f"JupyterLab exited with code {process.returncode} before serving:\n{log.read_text()}")
        try:
            server.api("status")
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)  # nothing to wait on but the port itself
    raise LabServerError(f"JupyterLab did not answer on {server.url} within {START_SECONDS} s:\n{log.read_text()}")


def server_command(port: int, token: str, root: Path) -> list[str]:
    """``python -m jupyterlab`` with this kit's Python, on loopback, offline."""
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
               "--ServerApp.terminals_enabled=False", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly"]
    if os.geteuid() == 0:  # a CI container runs as root; Jupyter wants to be told that this is deliberate
        command.append("--allow-root")
    return command


@contextmanager
def running_lab_server() -> Iterator[LabServer]:
    """Start JupyterLab on a temporary copy of the course; stop it and delete the copy afterwards."""
    with tempfile.TemporaryDirectory(prefix="lambda-lab-browser-") as temporary:
        home = Path(temporary)
        root = home / "course"
        copy_course(root)
        write_lab_settings(home / "jupyter-config" / "lab" / "user-settings")
        # Everything Jupyter, IPython and matplotlib would write under ~ goes to the temporary folder.
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "jupyter-config"),
                   JUPYTER_DATA_DIR=str(home / "jupyter-data"), JUPYTER_RUNTIME_DIR=str(home / "jupyter-runtime"),
                   IPYTHONDIR=str(home / "ipython"), MPLCONFIGDIR=str(home / "matplotlib"),
                   PYTHONDONTWRITEBYTECODE="1")
        port, token = free_port(), secrets.token_hex(24)
        server = LabServer(f"http://127.0.0.1:{port}", token, root)
        log = home / "jupyterlab.log"
        with log.open("w") as output:
            process = subprocess.Popen(server_command(port, token, root), cwd=root, env=env,
                                       stdout=output, stderr=subprocess.STDOUT)
        try:
            wait_until_serving(server, process, log)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
