"""Packages a platform cannot have, stood in for so that what merely imports them still loads.

In Pyodide (the browser edition) there is no ``cryptography``: it is a compiled package with no build
for the browser on PyPI. The kit itself needs it only for RS256 tokens (lab 10), but moto imports it at
the top of modules its core loads for every request: ``moto.iam.models`` imports ``cryptography.x509``
for IAM's server certificates, which no lab uses. So, where the package is missing, :func:`install`
makes ``import cryptography...`` give a stand-in: importing succeeds, and *using* anything from it (a
call) raises ``ModuleNotFoundError`` naming the package and what to do. Natively it does nothing:
there ``cryptography`` is one of the kit's dependencies, and a missing one should fail as it does.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types

STOOD_IN = ("cryptography",)
MESSAGE = ("{name} needs the package 'cryptography', which the browser edition does not have: "
           "run this part of the course in the installed kit (make lab)")


class _AbsentName:
    """Any name from a stood-in package: attributes lead to more stand-ins, a call raises."""

    def __init__(self, dotted: str) -> None:
        self._dotted = dotted

    def __getattr__(self, name: str) -> "_AbsentName":
        if name.startswith("__"):
            raise AttributeError(name)
        return _AbsentName(f"{self._dotted}.{name}")

    def __call__(self, *arguments, **options):
        raise ModuleNotFoundError(MESSAGE.format(name=self._dotted), name=self._dotted.split(".")[0])

    def __repr__(self) -> str:
        return f"<absent {self._dotted}>"


class _AbsentModule(types.ModuleType):
    def __getattr__(self, name: str) -> _AbsentName:
        if name.startswith("__"):
            raise AttributeError(name)
        return _AbsentName(f"{self.__name__}.{name}")


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds a stand-in module for every module of the stood-in packages."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in STOOD_IN:
            return None
        return importlib.machinery.ModuleSpec(name, self, is_package=True)

    def create_module(self, spec):
        module = _AbsentModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module) -> None:
        pass


def install() -> bool:
    """In Pyodide, stand in for every package of ``STOOD_IN`` that is missing; returns whether any was."""
    if sys.platform != "emscripten":
        return False
    missing = [name for name in STOOD_IN if importlib.util.find_spec(name) is None]
    if missing and not any(isinstance(finder, _StandInFinder) for finder in sys.meta_path):
        sys.meta_path.append(_StandInFinder())  # last: a real package, if one is installed later, wins
    return bool(missing)
