"""What the attack tests share: handler code that finds secrets, and a check that a process is gone.

``TOKENS_IN_MEMORY`` is handler code for every token-like string in the process's own memory: a
process may always read itself (``/proc/self/mem``), so a secret that is anywhere in it, referenced
or not, can be found this way. The grader's tokens are 32 hexadecimal digits.
"""

import os
from pathlib import Path

TOKENS_IN_MEMORY = '''
import re

def tokens_in_memory():
    found = set()
    with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", 0) as memory:
        for line in maps:
            span, permissions = line.split()[:2]
            if not permissions.startswith("rw"):
                continue
            start, end = (int(part, 16) for part in span.split("-"))
            try:
                memory.seek(start)
                found.update(re.findall(rb"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])", memory.read(end - start)))
            except (OSError, ValueError, OverflowError):
                pass
    return found
'''


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, ended but not yet reaped, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().rsplit(")", 1)[1].split()[0] == "Z")
