"""The grader's command line: ``python -m grader grade | gradescope | labs | autograder-zip``.

    python -m grader grade SUBMISSIONS --out OUT [--workers N] [--timeout S] [--lab NN_topic]
    python -m grader gradescope [--submission /autograder/submission] [--results /autograder/results/results.json]
    python -m grader labs [--check] [--i18n i18n] solutions labs
    python -m grader autograder-zip --lab NN_topic --out dist/autograder.zip

Exit codes: 0 when the work was done (whatever the students' scores); 1 when ``labs --check``
found differences; 2 when nothing could be done (no such folder, no notebook in it, a malformed solution, an
unwritable output, a solution that changed while grading), with the reason on standard error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .exercises import ExerciseFormatError, read_course
from .sandbox import DEFAULT_MEMORY_MB, KIT_ROOT

DEFAULT_SOLUTIONS = KIT_ROOT / "solutions"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader", description="Lambda Lab's autograder.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    grade = commands.add_parser("grade", help="grade a folder of student notebooks")
    grade.add_argument("submissions", type=Path, help="folder of .ipynb files, one per student (the file stem)")
    grade.add_argument("--out", type=Path, required=True, help="where to write gradebook.csv and feedback")
    grade.add_argument("--workers", type=_positive_int, default=os.cpu_count() or 1,
                       help="exercises graded at the same time (default: the number of CPUs)")
    _add_grading_options(grade)

    gradescope = commands.add_parser("gradescope", help="grade one Gradescope submission")
    gradescope.add_argument("--submission", type=Path, default=Path("/autograder/submission"))
    gradescope.add_argument("--results", type=Path, default=Path("/autograder/results/results.json"))
    _add_grading_options(gradescope)

    labs = commands.add_parser("labs", help="generate labs/ from solutions/ (or --check that it is up to date)")
    labs.add_argument("--check", action="store_true", help="write nothing; list differences and exit 1 if any")
    labs.add_argument("--i18n", type=Path, default=None,
                      help="folder of the translations, one sub-folder per edition (default: i18n/ next to solutions)")
    labs.add_argument("solutions", type=Path)
    labs.add_argument("labs", type=Path)

    package = commands.add_parser("autograder-zip", help="build Gradescope's autograder.zip for one lab")
    package.add_argument("--lab", required=True, help="the lab to grade, e.g. 06_calculator")
    package.add_argument("--out", type=Path, default=Path("dist/autograder.zip"))
    package.add_argument("--solutions", type=Path, default=DEFAULT_SOLUTIONS)
    return parser


def _add_grading_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--solutions", type=Path, default=DEFAULT_SOLUTIONS,
                        help="folder of the solution notebooks, the source of the tests")
    parser.add_argument("--lab", help="grade every notebook as this lab (default: the lab its setup cell names)")
    parser.add_argument("--timeout", type=_positive_float, default=60, help="seconds per exercise (default 60)")
    parser.add_argument("--memory-mb", type=_positive_int, default=DEFAULT_MEMORY_MB,
                        help=f"address-space limit of a test process, in MB (default {DEFAULT_MEMORY_MB})")


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def _settings(args: argparse.Namespace):
    from .grading import Settings

    return Settings(timeout=args.timeout, memory_mb=args.memory_mb, lab=args.lab)


def _course(args: argparse.Namespace):
    course = read_course(args.solutions)
    if not course.labs:
        raise ExerciseFormatError(f"no lab notebook (NN_topic.ipynb) in {args.solutions}")
    if args.lab and args.lab not in course.labs:
        raise ExerciseFormatError(f"--lab {args.lab}: no such lab in {args.solutions} (labs: {', '.join(course.labs)})")
    return course


def _writable_folder(folder: Path) -> None:
    """Fail now, not after grading, if ``folder`` cannot be written."""
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / ".grader-write-test"
    probe.write_text("")
    probe.unlink()


def run_grade(args: argparse.Namespace) -> int:
    from . import report
    from .grading import check_solutions_unchanged, grade_folder, solution_digests

    digests = solution_digests(args.solutions)  # the tests as they are now; checked again before any grade is written
    course = _course(args)
    _writable_folder(args.out)
    results = grade_folder(args.submissions, course, _settings(args), args.workers)
    check_solutions_unchanged(args.solutions, digests)
    report.write_all(results, args.out)
    print(report.summary_table(results))
    print(f"\nwrote {args.out / 'gradebook.csv'} and a folder per student in {args.out}")
    return 0


def run_gradescope(args: argparse.Namespace) -> int:
    from . import report
    from .grading import check_solutions_unchanged, find_submission, grade_notebooks, solution_digests, unreadable

    digests = solution_digests(args.solutions)
    course = _course(args)
    _writable_folder(args.results.parent)
    notebook = find_submission(args.submission) if args.submission.is_dir() else None
    if notebook is None:
        lab = course.labs.get(args.lab or "")
        result = unreadable("submission", lab, "no .ipynb file in the submission: upload your lab notebook")
    else:
        [result] = grade_notebooks([notebook], course, _settings(args), workers=1, progress=False)
    check_solutions_unchanged(args.solutions, digests)
    args.results.write_text(json.dumps(report.results_json(result), indent=2) + "\n", encoding="utf-8")
    print(report.submission_text(result))
    return 0


def run_labs(args: argparse.Namespace) -> int:
    """labs/ from solutions/, then labs/LANG/ for each edition in i18n/ (a translation problem is listed,
    and its cell keeps the English text, but does not stop the build: tests/test_translations.py fails on it)."""
    from .strip import differences, write_labs
    from .translate import edition_differences, editions, write_edition

    i18n = args.i18n or args.solutions.parent / "i18n"
    if args.check:
        problems = differences(args.solutions, args.labs)
        for edition in editions(i18n):
            problems += edition_differences(args.solutions, args.labs, i18n, edition)
        for problem in problems:
            print(problem)
        if problems:
            print(f"labs/ is out of date: run `python -m grader labs {args.solutions} {args.labs}` (make labs)")
        return 1 if problems else 0
    for path in write_labs(args.solutions, args.labs):
        print(f"wrote {path}")
    for edition in editions(i18n):
        written, problems = write_edition(args.solutions, args.labs, i18n, edition)
        print(f"wrote {len(written)} notebooks in {args.labs / edition}")
        for problem in problems:
            print(f"translation: {problem} (the English text is kept)")
    return 0


def run_autograder_zip(args: argparse.Namespace) -> int:
    from .autograder_zip import build

    print(f"wrote {build(args.lab, args.out, args.solutions)}")
    return 0


COMMANDS = {"grade": run_grade, "gradescope": run_gradescope, "labs": run_labs, "autograder-zip": run_autograder_zip}


def main(argv: list[str] | None = None) -> int:
    from .grading import GradingError

    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (GradingError, ExerciseFormatError, OSError) as error:
        print(f"python -m grader {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
