"""The French edition: complete, current, in sync with labs/, and graded exactly as the English one.

- Every cell of every lab that holds prose has a translation made from its current English text
  (``i18n/fr/NN_topic.json`` records the hash of the English cell), and no translation points at a
  cell that is gone; a failure names the lab and the cell. A translated code cell differs from the
  English one only in comments and strings.
- Every slide of every deck has a translation made from its current English text (``i18n/fr/slides/``).
- ``labs/fr/`` is exactly what ``make labs`` writes.
- ``check()`` works from ``labs/fr/`` (one French lab is executed, reading the French tests), and
  ``python -m grader grade`` gives a French notebook the marks it gives the same answers in English.
"""

from __future__ import annotations

import copy
import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.strip import expected_labs
from grader.translate import (edition_differences, load_deck_translation, load_translation, problems, translate_lab,
                              translate_slides)
from test_notebooks import execute, text_of

REPO = Path(__file__).resolve().parents[1]
I18N = REPO / "i18n"
LABS = expected_labs(REPO / "solutions")  # the English student copies, by file name


def english(name: str) -> dict:
    return json.loads(LABS[name])


def translation_file(name: str) -> Path:
    return I18N / "fr" / name.replace(".ipynb", ".json")


@pytest.mark.parametrize("name", sorted(LABS))
def test_every_cell_has_a_stable_id_that_labs_keep(name):
    """Translations are keyed by cell id: every cell of the solution has one, unique, and its lab keeps it."""
    solution = json.loads((REPO / "solutions" / name).read_text(encoding="utf-8"))
    ids = [cell.get("id") for cell in solution["cells"]]
    assert None not in ids and len(set(ids)) == len(ids), f"solutions/{name}: every cell needs an id of its own"
    assert [cell["id"] for cell in english(name)["cells"]] == ids


@pytest.mark.parametrize("name", sorted(LABS))
def test_every_lab_has_a_current_french_translation(name):
    path = translation_file(name)
    assert path.is_file(), f"{name} has no French translation: write {path.relative_to(REPO)}"
    found = problems(english(name), load_translation(path), str(path.relative_to(REPO)))
    assert not found, "the French edition has drifted from the English one:\n" + "\n".join(found)


@pytest.mark.parametrize("deck", sorted((REPO / "slides").glob("[0-9][0-9]_*.md")), ids=lambda deck: deck.stem)
def test_every_deck_has_a_current_french_translation(deck):
    path = I18N / "fr" / "slides" / f"{deck.stem}.json"
    assert path.is_file(), f"{deck.name} has no French translation: write {path.relative_to(REPO)}"
    english = [part.strip() for part in re.split(r"^---[ \t]*$", deck.read_text(encoding="utf-8"), flags=re.M)]
    _, found = translate_slides(english, load_deck_translation(path), str(path.relative_to(REPO)))
    assert not found, "the French deck has drifted from the English one:\n" + "\n".join(found)


def test_a_changed_slide_is_reported_stale_and_a_new_one_missing():
    deck = REPO / "slides" / "01_serverless_and_lambda.md"
    english = [part.strip() for part in re.split(r"^---[ \t]*$", deck.read_text(encoding="utf-8"), flags=re.M)]
    english[1] = english[1].replace("virtual machine", "VM")
    translation = load_deck_translation(I18N / "fr" / "slides" / f"{deck.stem}.json")
    slides, found = translate_slides([*english, "## One more slide"], translation, "deck 01")
    assert found == ["deck 01: slide 2 ('## A service on a server') is stale: its English source changed since it was translated",
                     "deck 01: slide 18 ('## One more slide') has no translation"]
    assert slides[1] == english[1] and slides[2].startswith("## Une fonction en tant que service")


def test_labs_fr_are_what_make_labs_produces():
    assert edition_differences(REPO / "solutions", REPO / "labs", I18N, "fr") == [], "run `make labs` and commit labs/fr/"


# --- the drift detector itself, on a copy of lab 00 ---------------------------------------------------------

NAME = "00_welcome.ipynb"


def cell_with(lab: dict, start: str) -> dict:
    return next(cell for cell in lab["cells"] if "".join(cell["source"]).startswith(start))


def test_a_changed_english_cell_makes_its_translation_stale_and_keeps_the_english_text():
    lab, translation = english(NAME), load_translation(translation_file(NAME))
    cell = cell_with(lab, "## A function in a cell")
    cell["source"] = ["## A function in one cell\n"]
    [problem] = problems(lab, translation, "i18n/fr/00_welcome.json")
    assert problem.startswith(f"i18n/fr/00_welcome.json: cell ") and f"id {cell['id']}" in problem and "stale" in problem
    french = translate_lab(lab, translation, "fr")
    assert cell_with(french, "## A function in one cell")  # the English text, until a translator catches up


def test_a_new_cell_without_translation_and_a_translation_of_a_removed_cell_are_reported():
    lab, translation = english(NAME), load_translation(translation_file(NAME))
    removed = cell_with(lab, "## A function in a cell")
    lab["cells"].remove(removed)
    lab["cells"].append({"cell_type": "markdown", "id": "new-cell", "metadata": {}, "source": ["## Homework\n"]})
    lab["cells"].append({"cell_type": "code", "id": "bare-code", "metadata": {}, "source": ["cloud.invoke('ping', {})"],
                         "outputs": [], "execution_count": None})  # no prose: needs no translation
    found = problems(lab, translation, "i18n/fr/00_welcome.json")
    assert any("id new-cell" in problem and "has no translation" in problem for problem in found), found
    assert any(f"cell id {removed['id']} is not in the lab any more" in problem for problem in found), found
    assert not any("bare-code" in problem for problem in found), found


def test_a_translation_may_change_comments_and_strings_but_not_the_code():
    lab, translation = english(NAME), copy.deepcopy(load_translation(translation_file(NAME)))
    [cell] = [cell for cell in lab["cells"] if cell["id"] in translation and cell["source"][0].startswith("%%lambda")]
    translation[cell["id"]]["text"] = translation[cell["id"]]["text"].replace("lambda_handler", "gestionnaire")
    [problem] = problems(lab, translation, "i18n/fr/00_welcome.json")
    assert "changes the code, not only its comments and strings" in problem
    assert "%%lambda hello" in "".join(translate_lab(lab, translation, "fr")["cells"][lab["cells"].index(cell)]["source"])


def test_the_french_setup_cell_reads_the_french_copy_of_the_lab():
    french = nbformat.read(REPO / "labs" / "fr" / NAME, as_version=4)
    setup = [cell.source for cell in french.cells if "start_lab(" in cell.source]
    assert setup == ['from emulator.notebook import start_lab\ncloud, check = start_lab("00_welcome", edition="fr")']


# --- the French edition in use: check() from labs/fr/, and grading -------------------------------------------

@pytest.mark.slow
def test_check_works_from_labs_fr_and_prints_the_french_messages(tmp_path):
    draft = ("from emulator.notebook import deploy_cell\n"
             "deploy_cell('hello', 'def lambda_handler(event, context):\\n    return \"Hello \" + event.get(\"name\", \"\")\\n')\n"
             "check('00-hello')")
    notebook = execute(REPO / "labs" / "fr" / NAME, tmp_path, last_cell=draft)
    [stub_check] = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.startswith("check(")]
    assert "Not yet:" in text_of(stub_check) and "Écrivez votre code ici" in text_of(stub_check), text_of(stub_check)
    shown = text_of(notebook.cells[-1])
    assert "00-hello: 0/2 points" in shown and '"Hello, Ada!" attendu' in shown, shown  # the tests of labs/fr/


STUB_LINE = re.compile(r"^[ \t]*raise NotImplementedError\(.*\)$", re.M)
SOLUTION = re.compile(r"^[ \t]*### BEGIN SOLUTION\n(.*?)^[ \t]*### END SOLUTION$", re.M | re.S)


def answered(lab: Path, solution: dict, body: str | None = None) -> nbformat.NotebookNode:
    """``lab`` as a student would hand it in: in each ``%%lambda`` cell of its own (French or English) text,
    each stub replaced by the solution's code for it (or the whole body replaced by ``body``)."""
    notebook = nbformat.read(lab, as_version=4)
    solved = {cell["id"]: "".join(cell["source"]) for cell in solution["cells"]}
    for cell in notebook.cells:
        if cell.source.startswith("%%lambda") and STUB_LINE.search(cell.source):
            answers = iter(SOLUTION.findall(solved[cell.id]))
            cell.source = (STUB_LINE.sub(lambda stub: next(answers).rstrip("\n"), cell.source) if body is None
                           else cell.source.splitlines()[0] + "\n" + body)
    return notebook


def test_a_french_notebook_is_graded_exactly_as_the_english_one(tmp_path):
    solution = json.loads((REPO / "solutions" / NAME).read_text(encoding="utf-8"))
    careless = "def lambda_handler(event, context):\n    return f\"Hello, {event['name']}!\"\n"
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    for edition, folder in (("en", REPO / "labs"), ("fr", REPO / "labs" / "fr")):
        nbformat.write(answered(folder / NAME, solution), submissions / f"solved_{edition}.ipynb")
        nbformat.write(answered(folder / NAME, solution, careless), submissions / f"careless_{edition}.ipynb")
        nbformat.write(nbformat.read(folder / NAME, as_version=4), submissions / f"blank_{edition}.ipynb")
    done = subprocess.run([sys.executable, "-m", "grader", "grade", str(submissions), "--out", str(tmp_path / "grades"),
                           "--workers", "2", "--timeout", "30"], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    with (tmp_path / "grades" / "gradebook.csv").open() as file:
        rows = {row.pop("student"): row for row in csv.DictReader(file)}
    assert rows["solved_en"]["total"] == rows["solved_en"]["max_total"] != "0"
    assert rows["blank_en"]["total"] == "0" != rows["careless_en"]["total"] != rows["solved_en"]["total"]
    for student in ("solved", "careless", "blank"):
        assert rows[f"{student}_fr"] == rows[f"{student}_en"], f"{student}: French {rows[f'{student}_fr']}, English {rows[f'{student}_en']}"
