"""What differs between the platforms the kit runs on: Linux, macOS, Windows, and Pyodide in a browser.

The rest of the kit is one core. The few things an operating system gives or withholds live here,
one small module each, and each module picks its implementation once, when it is first imported:

- :mod:`~emulator.platform.virtual_time`: making the whole process see the virtual clock
  (``time-machine`` natively);
- :mod:`~emulator.platform.interrupts`: stopping a handler that runs past its timeout (a SIGALRM
  interval timer where POSIX has one, an exception raised asynchronously in the handler's thread
  elsewhere);
- :mod:`~emulator.platform.memory`: the process's peak memory, for REPORT's "Max Memory Used";
- :mod:`~emulator.platform.processes`: a child process's limits and its process group (the
  grader's sandbox);
- :mod:`~emulator.platform.absent_packages`: stand-ins for packages a platform cannot have (Pyodide has
  no ``cryptography``, which moto imports);
- :mod:`~emulator.platform.checks`: where a notebook's ``check()`` runs its tests (a forked sandbox,
  or the kernel's own process where there is no fork: Windows, Pyodide).

A new platform is a second implementation inside these modules, never an ``if`` in the runtime.
"""

import sys

IN_PYODIDE = sys.platform == "emscripten"  # Python compiled to WebAssembly: a browser tab (JupyterLite) or Node.js
