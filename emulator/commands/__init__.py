"""One module per command of ``python -m emulator``; see emulator/__main__.py."""
