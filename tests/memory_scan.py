"""Handler code the attack tests share: every token-like string in the handler process's own memory.

A process may always read its own memory (``/proc/self/mem``), so a secret that is anywhere in it,
referenced or not, can be found this way. The grader's tokens are 32 hexadecimal digits.
"""

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
