"""One module per command of ``python -m emulator``; see emulator/__main__.py."""

from __future__ import annotations

import argparse
from typing import Callable


def pair(shape: str, example: str) -> Callable[[str], tuple[str, str]]:
    """An argparse type for ``NAME=VALUE`` options: ``shape`` names the two parts, ``example`` shows one.

    The value may itself contain '=' and may be empty; the name may not be empty.
    """
    def parse(text: str) -> tuple[str, str]:
        name, separator, value = text.partition("=")
        if not separator or not name:
            raise argparse.ArgumentTypeError(f"{text!r} is not {shape}, as in {example}")
        return name, value
    return parse
