"""Editions of the course in other languages: ``labs/fr/`` from ``labs/`` and ``i18n/fr/``.

``solutions/`` stays the single source. A translation never copies a notebook: it carries only the
text of the cells, keyed by the cell ids every notebook keeps (nbformat 4.5), one JSON file per lab,
``i18n/LANG/NN_topic.json``::

    {
      "lab": "01_first_handler",
      "cells": {
        "6f1c...": {"source_sha256": "<sha256 of the English cell>", "text": "<the cell, in French>"}
      }
    }

- ``text`` is the whole translated source of the cell, as the student copy (``labs/NN_topic.ipynb``)
  would hold it. A markdown cell is free text. A code cell may differ from the English one only in
  its comments and its string literals (what a student reads: comments, printed sentences, the
  messages of the public tests); a translation that changes anything else (a name, an operator, the
  ``%%lambda`` line) is refused, so both editions run, and are graded, on the same code.
- ``source_sha256`` is the hash of the English cell (student copy) the translation was made from.
  When the English cell changes, the translation is *stale*: the generator keeps the English text
  for that cell and ``problems`` names it, until a translator updates the text and the hash.
- A cell needs a translation when it holds prose: every markdown cell, and every code cell with a
  comment or a string of two words or more. Other code cells are copied as they are.

The generator also points the setup cell at the edition's own copy of the lab:
``start_lab("NN_topic")`` becomes ``start_lab("NN_topic", edition="fr")``, so ``check()`` reads the
translated tests (their messages are in French) while the grader, which always takes its tests from
``solutions/``, grades a French notebook exactly as an English one.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tokenize
from pathlib import Path

from .exercises import ExerciseFormatError
from .strip import LAB_FILES, dumps, expected_labs

PROSE = re.compile(r"[^\W\d_]+\s+[^\W\d_]+")  # two words: a sentence, not an identifier
SETUP_CALL = re.compile(r"""(start_lab\(\s*["'][^"']+["'])(\s*\))""")


def source_hash(source: str) -> str:
    """The hash a translation records of the English cell it was made from."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def cell_source(cell: dict) -> str:
    """A cell's source as one string (a notebook may store it as a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def needs_translation(cell: dict) -> bool:
    """Whether ``cell`` holds prose a student reads (see the module's docstring)."""
    if cell["cell_type"] == "markdown":
        return True
    if cell["cell_type"] != "code":
        return False
    _, tokens = _split_code(cell_source(cell))
    return any(kind == tokenize.COMMENT or (kind == tokenize.STRING and PROSE.search(text))
               for kind, text in tokens)


def _split_code(source: str) -> tuple[list[str], list[tuple[int, str]]]:
    """A code cell's leading magic lines (``%%lambda ...``), and the Python tokens of the rest."""
    lines = source.splitlines(keepends=True)
    magics = []
    while lines and lines[0].lstrip().startswith(("%", "!")):
        magics.append(lines.pop(0).rstrip("\n"))
    try:
        tokens = [(token.type, token.string) for token in tokenize.generate_tokens(io.StringIO("".join(lines)).readline)]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        tokens = [(tokenize.ERRORTOKEN, "".join(lines))]  # not Python: then it must stay as it is
    return magics, tokens


def _code_skeleton(source: str) -> tuple[list[str], list[tuple[int, str]]]:
    """What a translation must keep: the magic lines and every token but comments, with strings blanked."""
    magics, tokens = _split_code(source)
    kept = [(kind, "" if kind == tokenize.STRING else text) for kind, text in tokens
            if kind not in (tokenize.COMMENT, tokenize.NL)]
    return magics, kept


def load_translation(path: Path) -> dict[str, dict]:
    """The ``cells`` of one lab's translation file, checked for shape."""
    return _entries(path, "cells", dict, '{"lab": ..., "cells": {CELL_ID: {"source_sha256": ..., "text": ...}}}')


def _entries(path: Path, key: str, kind: type, shape: str):
    """``data[key]`` of a translation file, a ``kind`` (dict or list) of ``{"source_sha256", "text"}`` entries."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ExerciseFormatError(f"{path} is not valid JSON ({error})") from None
    entries = data.get(key) if isinstance(data, dict) else None
    values = entries.values() if isinstance(entries, dict) else entries
    if not isinstance(entries, kind) or not all(
            isinstance(entry, dict) and isinstance(entry.get("text"), str) and isinstance(entry.get("source_sha256"), str)
            for entry in values):
        raise ExerciseFormatError(f"{path}: expected {shape}")
    return entries


def _current(entry: dict | None, cell: dict) -> bool:
    """Whether ``entry`` translates ``cell`` as it is now (same hash; for code, the same code)."""
    source = cell_source(cell)
    return entry is not None and entry["source_sha256"] == source_hash(source) and (
        cell["cell_type"] != "code" or _code_skeleton(entry["text"]) == _code_skeleton(source))


def problems(lab: dict, translation: dict[str, dict], where: str) -> list[str]:
    """Every cell of the English student copy ``lab`` whose translation is missing, stale, or changes code.

    ``where`` names the translation file in the messages; an id the lab no longer has is reported too.
    """
    found = []
    ids = set()
    for index, cell in enumerate(lab["cells"]):
        ids.add(cell["id"])
        entry = translation.get(cell["id"])
        name = f"{where}: cell {index + 1} (id {cell['id']}, {cell['cell_type']}: {_first_words(cell)})"
        if entry is None:
            if needs_translation(cell):
                found.append(f"{name} has no translation")
        elif entry["source_sha256"] != source_hash(cell_source(cell)):
            found.append(f"{name} is stale: its English source changed since it was translated")
        elif cell["cell_type"] == "code" and _code_skeleton(entry["text"]) != _code_skeleton(cell_source(cell)):
            found.append(f"{name}: the translation changes the code, not only its comments and strings")
    found.extend(f"{where}: cell id {cell_id} is not in the lab any more" for cell_id in translation if cell_id not in ids)
    return found


def _first_words(cell: dict) -> str:
    line = next((line for line in cell_source(cell).splitlines() if line.strip()), "")
    return repr(line[:50])


def translate_lab(lab: dict, translation: dict[str, dict], edition: str) -> dict:
    """The ``edition`` copy of the English student copy ``lab``: each cell whose translation is current is
    replaced by it (a stale or missing one keeps its English text), and the setup cell names the edition."""
    cells = []
    for cell in lab["cells"]:
        entry = translation.get(cell["id"])
        source = entry["text"] if _current(entry, cell) else cell_source(cell)
        if cell["cell_type"] == "code":
            source = SETUP_CALL.sub(rf'\1, edition="{edition}"\2', source)
        cells.append({**cell, "source": source.splitlines(keepends=True)})
    return {**lab, "cells": cells}


def editions(i18n: Path) -> list[str]:
    """The languages ``i18n/`` holds translations for (its sub-folders: ``fr``, ...)."""
    return sorted(path.name for path in i18n.iterdir() if path.is_dir()) if i18n.is_dir() else []


def expected_edition(solutions: Path, i18n: Path, edition: str) -> tuple[dict[str, str], list[str]]:
    """The text of every notebook of ``labs/EDITION/``, by file name, and the translation problems found."""
    generated, found = {}, []
    for name, text in expected_labs(solutions).items():
        lab = json.loads(text)
        path = i18n / edition / name.replace(".ipynb", ".json")
        translation = load_translation(path) if path.is_file() else {}
        found.extend(problems(lab, translation, str(path)))
        generated[name] = dumps(translate_lab(lab, translation, edition))
    return generated, found


def write_edition(solutions: Path, labs: Path, i18n: Path, edition: str) -> tuple[list[Path], list[str]]:
    """Regenerate ``labs/EDITION/``; returns the files written and the translation problems found."""
    generated, found = expected_edition(solutions, i18n, edition)
    folder = labs / edition
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in generated.items():
        (folder / name).write_text(text, encoding="utf-8")
    return [folder / name for name in generated], found


def edition_differences(solutions: Path, labs: Path, i18n: Path, edition: str) -> list[str]:
    """Every way ``labs/EDITION/`` differs from what ``solutions`` and ``i18n/EDITION/`` generate."""
    generated, _ = expected_edition(solutions, i18n, edition)
    folder = labs / edition
    found = {path.name: path for path in sorted(folder.glob(LAB_FILES))} if folder.is_dir() else {}
    differences = [f"{folder / name} is missing" if name not in found else
                   f"{folder / name} differs from what {solutions / name} and {i18n / edition} generate"
                   for name, text in generated.items()
                   if name not in found or found[name].read_text(encoding="utf-8") != text]
    differences.extend(f"{found[name]} has no {solutions / name}" for name in found if name not in generated)
    return differences


# --- the lecture decks: one translation per slide, in order -----------------------------------------------

def load_deck_translation(path: Path) -> list[dict]:
    """The ``slides`` of a deck's translation file, ``i18n/LANG/slides/NN_topic.json``: one entry per slide of
    the English deck, in order, each ``{"source_sha256": ..., "text": ...}`` as for a lab's cells."""
    return _entries(path, "slides", list, '{"deck": ..., "slides": [{"source_sha256": ..., "text": ...}, ...]}')


def translate_slides(english: list[str], translation: list[dict], where: str) -> tuple[list[str], list[str]]:
    """The translated slides of a deck (a missing or stale slide keeps its English text), and the problems found.

    A slide is matched by its position; its hash says whether the translation was made from this English text.
    """
    slides, found = [], []
    for number, slide in enumerate(english, start=1):
        entry = translation[number - 1] if number <= len(translation) else None
        title = repr(slide.splitlines()[0][:50])
        if entry is None:
            found.append(f"{where}: slide {number} ({title}) has no translation")
        elif entry["source_sha256"] != source_hash(slide):
            found.append(f"{where}: slide {number} ({title}) is stale: its English source changed since it was translated")
        slides.append(entry["text"] if entry is not None and entry["source_sha256"] == source_hash(slide) else slide)
    if len(translation) > len(english):
        found.append(f"{where}: {len(translation) - len(english)} translated slide(s) after the deck's last slide")
    return slides, found
