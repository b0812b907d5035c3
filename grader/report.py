"""What grading produces: the gradebook, Gradescope's results.json, feedback pages and a summary.

- ``OUT/gradebook.csv``: ``student``, one column per exercise, ``total``, ``max_total``, ``notes``
  (why a notebook could not be graded, when it could not) and ``isolation`` (how its test processes'
  file access was limited: Landlock on Linux, or why none);
- ``OUT/<student>/results.json``: Gradescope's format (its "Autograder specifications" page): a
  top-level ``score``, ``execution_time`` and ``output``, and one entry per test with ``name``,
  ``score``, ``max_score``, ``status``, ``output`` and ``visibility``; hidden tests are
  ``after_published``, so students see them once the instructor publishes the grades;
- ``OUT/<student>/feedback.html``: for each exercise, what passed and what failed and why, in the
  tests' own one-sentence messages, never a hidden test's code;
- a summary table on standard output: per-exercise averages and failures by kind.
"""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path

from .grading import KINDS, ExerciseResult, SubmissionResult

# Scoped to .lambda-lab-check, so that check()'s output in a notebook never restyles the notebook itself.
STYLE = """
.lambda-lab-check { font-family: system-ui, sans-serif; line-height: 1.45; }
.lambda-lab-check h3 { margin: 0.6rem 0 0.3rem; font-size: 1.05rem; }
.lambda-lab-check ul { list-style: none; padding-left: 0.4rem; margin: 0.2rem 0; }
.lambda-lab-check .pass { color: #1a7f37; } .lambda-lab-check .fail { color: #cf222e; }
.lambda-lab-check .why { color: #444; margin-left: 1.6rem; }
.lambda-lab-check .problem { background: #fff4e5; padding: 0.3rem 0.5rem; border-left: 3px solid #d4a72c; }
"""


def points(value: float) -> str:
    """``2``, ``1.5``: points without a trailing ``.0``."""
    return f"{value:g}"


# -- one exercise, as text and as HTML (shared with check()) ------------------------------------------------

def exercise_text(exercise: ExerciseResult) -> str:
    """Plain text: a heading with the points, the problem if any, a line per test with its reason."""
    lines = [f"{exercise.id}: {points(exercise.score)}/{points(exercise.max_score)} points"]
    if exercise.problem:
        lines.append(f"  ! {exercise.problem}")
    for test in exercise.tests:
        mark = "PASS" if test.passed else "FAIL"
        hidden = " (hidden)" if test.hidden else ""
        lines.append(f"  {mark} {test.name}{hidden} [{points(test.score)}/{points(test.max_score)}]")
        if test.message and test.message != exercise.problem:
            lines.append(f"       {test.message}")
    return "\n".join(lines)


def exercise_html(exercise: ExerciseResult) -> str:
    """The same as :func:`exercise_text`, as an HTML fragment."""
    parts = [f"<h3>{html.escape(exercise.id)}: {points(exercise.score)}/{points(exercise.max_score)} points</h3>"]
    if exercise.problem:
        parts.append(f'<p class="problem">{html.escape(exercise.problem)}</p>')
    parts.append("<ul>")
    for test in exercise.tests:
        mark, css = ("✔", "pass") if test.passed else ("✘", "fail")
        hidden = " <em>(hidden)</em>" if test.hidden else ""
        parts.append(f'<li><span class="{css}">{mark}</span> <code>{html.escape(test.name)}</code>{hidden} '
                     f"[{points(test.score)}/{points(test.max_score)}]")
        if test.message and test.message != exercise.problem:
            parts.append(f'<div class="why">{html.escape(test.message)}</div>')
        parts.append("</li>")
    parts.append("</ul>")
    return "\n".join(parts)


# -- one submission ------------------------------------------------------------------------------------

def results_json(result: SubmissionResult) -> dict:
    """The submission in Gradescope's results.json format."""
    tests = []
    for number, exercise in enumerate(result.exercises, start=1):
        for index, test in enumerate(exercise.tests, start=1):
            tests.append({
                "name": f"{exercise.id}: {test.name}",
                "number": f"{number}.{index}",
                "score": test.score,
                "max_score": test.max_score,
                "status": "passed" if test.passed else "failed",
                "output": test.message or "passed",
                "visibility": "after_published" if test.hidden else "visible",
            })
    return {
        "score": result.score,
        "execution_time": round(result.seconds),
        "output": _overall(result),
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def _overall(result: SubmissionResult) -> str:
    lines = [f"Lab {result.lab or '?'}: {points(result.score)}/{points(result.max_score)} points."]
    if result.note:
        lines.append(result.note)
    lines.extend(f"{exercise.id}: {exercise.problem}" for exercise in result.exercises
                 if exercise.problem and exercise.problem != result.note)
    return "\n".join(lines)


def submission_text(result: SubmissionResult) -> str:
    """The whole submission as plain text (what Gradescope shows the instructor as the run's output)."""
    return "\n\n".join([_overall(result), *(exercise_text(exercise) for exercise in result.exercises)])


def feedback_html(result: SubmissionResult) -> str:
    """A self-contained page of feedback for one student."""
    title = f"Lambda Lab feedback: {result.student}, lab {result.lab or '?'}"
    body = [f"<h1>{html.escape(title)}</h1>",
            f"<p><strong>{points(result.score)}/{points(result.max_score)} points.</strong></p>"]
    if result.note:
        body.append(f'<p class="problem">{html.escape(result.note)}</p>')
    body.extend(exercise_html(exercise) for exercise in result.exercises)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{STYLE}body {{ max-width: 52rem; margin: 2rem auto; }}</style></head>\n"
            '<body class="lambda-lab-check">\n' + "\n".join(body) + "\n</body></html>\n")


def write_submission(result: SubmissionResult, folder: Path) -> None:
    """``folder/results.json`` and ``folder/feedback.html``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results_json(result), indent=2) + "\n", encoding="utf-8")
    (folder / "feedback.html").write_text(feedback_html(result), encoding="utf-8")


# -- the batch -------------------------------------------------------------------------------------------

def exercise_columns(results: list[SubmissionResult]) -> list[str]:
    """Every exercise id met in the batch, in lab order."""
    columns: dict[str, None] = {}
    for result in sorted(results, key=lambda r: r.lab or ""):
        columns.update(dict.fromkeys(exercise.id for exercise in result.exercises))
    return list(columns)


def write_gradebook(results: list[SubmissionResult], path: Path) -> None:
    """``gradebook.csv``: a row per student (a blank cell for an exercise of another lab)."""
    columns = exercise_columns(results)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["student", *columns, "total", "max_total", "notes", "isolation"])
        for result in results:
            scores = {exercise.id: points(exercise.score) for exercise in result.exercises}
            writer.writerow([result.student, *(scores.get(column, "") for column in columns),
                             points(result.score), points(result.max_score), result.note or "", result.isolation])


def write_all(results: list[SubmissionResult], out: Path) -> None:
    """The gradebook and every student's folder under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    write_gradebook(results, out / "gradebook.csv")
    for result in results:
        write_submission(result, out / result.student)


def summary_table(results: list[SubmissionResult]) -> str:
    """Per-exercise averages, how graded exercises ended, and how many notebooks could not be read."""
    rows = [("exercise", "average", "full marks", "notebooks")]
    outcomes: dict[str, int] = {kind: 0 for kind in KINDS if kind != "unreadable"}
    for column in exercise_columns(results):
        found = [e for r in results for e in r.exercises if e.id == column]
        average = sum(e.score for e in found) / len(found)
        full = sum(1 for e in found if e.score == e.max_score)
        rows.append((column, f"{average:.2f}/{points(found[0].max_score)}", str(full), str(len(found))))
        for exercise in found:
            if exercise.kind in outcomes:
                outcomes[exercise.kind] += 1
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    unreadable = sum(1 for result in results if result.note)
    lines += ["", "exercises by outcome: " + ", ".join(f"{KINDS[kind]} {count}" for kind, count in outcomes.items()),
              f"notebooks graded: {len(results) - unreadable}, not graded: {unreadable} (see the notes column)"]
    return "\n".join(lines)
