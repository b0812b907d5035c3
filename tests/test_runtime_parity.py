"""The runtime against AWS's own: each handler runs through awslambdaric and through ``cloud.invoke``.

awslambdaric is the Python runtime client of AWS's Lambda images (``tests/lambda_oracle.py`` serves it
a Runtime API on 127.0.0.1, from the virtualenv ``make oracle`` creates). For the same handler files
and events, the two must give the same response bytes, error envelopes, log lines (Text and JSON, at
every level) and context. Only what differs by nature is normalised: request ids, timestamps, the
log stream's random name, where awslambdaric is installed. What the Lambda *service* adds around the
runtime (START/END/REPORT, the ``Runtime.ExitError`` of a process that exited, dropping records
below the log level) is not awslambdaric's: those expectations are written here from AWS's docs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from emulator.runtime.function import APPLICATION_LOG_LEVELS
from lambda_oracle import Event, require_oracle, run_oracle

NAME = "oracle"
HANDLER = "lambda_function.lambda_handler"
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
STREAM = re.compile(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}")
AWSLAMBDARIC = re.compile(r"/\S*/site-packages/awslambdaric/")


@pytest.fixture(scope="module", autouse=True)
def oracle() -> None:
    """Fail (never skip) when the oracle is missing: `make oracle` creates it, `make test` does first."""
    require_oracle()


# ---------------------------------------------------------------------------------------------------
# Running a case both ways


class Run:
    """One side's outcome: per invocation the response or error, the application log, the Init log."""

    def __init__(self, results: list[dict], init_log: str) -> None:
        self.results = results
        self.init_log = init_log


def _files(folder: Path, code: str | dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in ({"lambda_function.py": code} if isinstance(code, str) else code).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def _normalise(text: str, request_ids: list[str], code_dir: Path) -> str:
    for index, request_id in enumerate(request_ids):
        text = text.replace(request_id, f"<request id {index}>")
    text = TIME.sub("<time>", text)
    text = STREAM.sub("<log stream>", text)
    return AWSLAMBDARIC.sub("/var/runtime/awslambdaric/", text)


def _normalise_bytes(data: bytes, request_ids: list[str], code_dir: Path) -> bytes:
    """A response, normalised like a log when it is text (a context's repr holds the request id)."""
    try:
        return _normalise(data.decode(), request_ids, code_dir).encode()
    except UnicodeDecodeError:
        return data


def _python_traceback_frames_of_user_code(text: str, code_dir: Path) -> str:
    """A traceback Python printed as the process ended, minus the frames of awslambdaric and runpy."""
    kept, skipping = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("  File "):
            skipping = str(code_dir) not in line
        elif not line.startswith("    "):
            skipping = False
        if not skipping:
            kept.append(line)
    return "".join(kept)


def through_awslambdaric(code_dir: Path, events: list[Event], handler: str, logging_config: dict | None) -> Run:
    config = logging_config or {}
    log_format = config.get("LogFormat", "Text")
    level = config.get("ApplicationLogLevel", "INFO") if log_format == "JSON" else None
    minimum = APPLICATION_LOG_LEVELS[level] if level else None  # Lambda drops frames below this level
    run = run_oracle(code_dir, handler, events, name=NAME, log_format=log_format, log_level=level)
    ids = [event.request_id for event in events]
    results = []
    for index, outcome in enumerate(run.outcomes):
        log = _normalise(run.text(outcome.log, minimum), ids, code_dir)
        if outcome.kind == "response":
            results.append({"response": _normalise_bytes(outcome.body, ids, code_dir), "log": log})
        elif outcome.kind == "error":
            results.append({"error": json.loads(_normalise(outcome.body.decode(), ids, code_dir)), "log": log})
        else:  # the process ended: the Lambda service reports Runtime.ExitError (its wording, from AWS's docs)
            results.append({"error": _service_exit_error(f"<request id {index}>", run.exit_code),
                            "log": _python_traceback_frames_of_user_code(log, code_dir)})
    init_log = _normalise(run.text(run.init_log, minimum), ids, code_dir)
    if run.init_error is not None:  # awslambdaric posted /init/error: that body is what the caller gets
        results.append({"error": json.loads(_normalise(run.init_error.decode(), ids, code_dir)), "log": ""})
    elif not run.outcomes and run.exit_code is not None:  # exited during Init
        results.append({"error": _service_exit_error("<request id 0>", run.exit_code), "log": ""})
        init_log = _python_traceback_frames_of_user_code(init_log, code_dir)
    return Run(results, init_log)


def _service_exit_error(request_id: str, status: int) -> dict:
    """What Lambda answers when the runtime process exits (AWS docs, 'Runtime exited ...')."""
    if status == 0:
        reason = "Runtime exited without providing a reason"
    elif status > 0:
        reason = f"Runtime exited with error: exit status {status}"
    else:
        reason = f"Runtime exited with error: signal: {'interrupt' if status == -2 else status}"
    return {"errorType": "Runtime.ExitError", "errorMessage": f"RequestId: {request_id} Error: {reason}"}


def _split_platform_lines(logs: str, json_format: bool) -> tuple[str, str, list[str]]:
    """An Invocation's log as (before START, between START and END, the platform lines)."""
    before, inside, platform, started = [], [], [], False
    for line in logs.splitlines(keepends=True):
        if json_format and line.startswith('{"time":') and '"type":"platform.' in line:
            platform.append(line)
            started = True
        elif not json_format and (line.startswith(("START RequestId:", "END RequestId:", "REPORT RequestId:"))):
            platform.append(line)
            started = True
        else:
            (inside if started else before).append(line)
    return "".join(before), "".join(inside), platform


def through_the_emulator(cloud, code_dir: Path, events: list[Event], handler: str,
                         logging_config: dict | None) -> tuple[Run, list]:
    cloud.create_function(NAME, handler=handler, code=code_dir, logging_config=logging_config)
    json_format = (logging_config or {}).get("LogFormat") == "JSON"
    invocations, results, init_log = [], [], ""
    for index, event in enumerate(events):
        invocation = cloud.invoke_raw(NAME, event.payload, client_context=event.client_context)
        invocations.append(invocation)
        ids = [invocation.request_id if i == index else f"-{i}-" for i in range(len(events))]
        before, inside, _ = _split_platform_lines(invocation.logs, json_format)
        if index == 0:
            init_log = _normalise(before, ids, code_dir)
        log = _normalise(inside, ids, code_dir)
        if invocation.error is None:
            results.append({"response": _normalise_bytes(invocation.response_bytes, ids, code_dir), "log": log})
        else:
            error = json.loads(_normalise(json.dumps(invocation.error), ids, code_dir))
            if error.get("requestId") == "":  # a failed Init: awslambdaric posts it without a request id
                results.append({"error": error, "log": ""})
                init_log = _normalise(before + inside, ids, code_dir)
                break
            results.append({"error": error, "log": log})
    return Run(results, init_log), invocations


def both(cloud, tmp_path: Path, code: str | dict[str, str], *events: object, handler: str = HANDLER,
         logging_config: dict | None = None, client_context: dict | None = None) -> tuple[Run, Run, list]:
    """Run ``events`` (JSON values, or bytes as sent) through awslambdaric and the emulator."""
    code_dir = _files(tmp_path / "fn", code)
    oracle_events = [Event(event if isinstance(event, bytes) else json.dumps(event).encode(),
                           client_context=client_context) for event in (events or ({},))]
    expected = through_awslambdaric(code_dir, oracle_events, handler, logging_config)
    actual, invocations = through_the_emulator(cloud, code_dir, oracle_events, handler, logging_config)
    return expected, actual, invocations


def assert_same(cloud, tmp_path: Path, code, *events, **options) -> list:
    expected, actual, invocations = both(cloud, tmp_path, code, *events, **options)
    assert actual.results == expected.results
    assert actual.init_log == expected.init_log
    return invocations


# ---------------------------------------------------------------------------------------------------
# Responses: every type awslambdaric's encoder (simplejson, as it configures it) accepts or refuses

RESPONSES = {
    "a dict": "{'a': 1, 'b': [True, None, 1.5]}",
    "a DynamoDB item": "{'price': Decimal('1.50'), 'count': Decimal('3'), 'big': Decimal('1E+2')}",
    "odd Decimals": "[Decimal('-0'), Decimal('Infinity'), Decimal('NaN'), Decimal('sNaN'), Decimal('0.000001')]",
    "bytes": "b'raw bytes \\xff'",
    "bytes that are JSON": "b'{\"a\": 1}'",
    "bytes inside": "{'b': b'abc', b'key': 1}",
    "undecodable bytes inside": "{'b': b'\\xff'}",
    "a bytearray": "bytearray(b'x')",
    "a namedtuple": "collections.namedtuple('P', 'x y')(1, 2)",
    "namedtuples in a list": "[collections.namedtuple('P', 'x y')(1, 2)]",
    "a tuple": "(1, 'two')",
    "NaN and infinities": "[float('nan'), float('inf'), -float('inf')]",
    "non-ASCII text": "'é 😀 \\u2028'",
    "a lone surrogate": "'\\ud800'",
    "a big int": "2 ** 70",
    "an IntEnum": "enum.IntEnum('E', 'A B').B",
    "odd keys": "{1: 'a', 1.5: 'b', True: 'c', None: 'd', False: 'e'}",
    "a tuple key": "{(1, 2): 3}",
    "a Decimal key": "{Decimal(1): 2}",
    "a set": "{1, 2}",
    "a datetime": "datetime.datetime(2026, 1, 5)",
    "a generator": "(x for x in [1])",
    "an object with _asdict": "type('O', (), {'_asdict': lambda self: {'o': 1}})()",
    "an object": "object()",
    "a cycle": "(lambda l: (l.append(l), l)[1])([])",
    "nesting deeper than the recursion limit": "(lambda: [d := [], [d := [d] for _ in range(3000)], d][-1])()",
    "None": "None",
    "a string": "'hello'",
    "a bool": "True",
}


@pytest.mark.parametrize("expression", RESPONSES.values(), ids=RESPONSES.keys())
def test_responses_are_encoded_as_awslambdaric_encodes_them(cloud, tmp_path, expression):
    code = ("import collections, datetime, enum\nfrom decimal import Decimal\n"
            f"def lambda_handler(event, context):\n    return {expression}\n")
    assert_same(cloud, tmp_path, code)


def test_a_dynamodb_item_comes_back_with_its_numbers(cloud, tmp_path):
    code = "from decimal import Decimal\ndef lambda_handler(e, c):\n    return {'price': Decimal('1.50')}\n"
    invocation, = assert_same(cloud, tmp_path, code)
    assert invocation.payload == {"price": 1.5}


# ---------------------------------------------------------------------------------------------------
# Errors: the envelope, and the error's log lines

RAISES = {
    "a ValueError": "raise ValueError('number1 is missing')",
    "an empty message": "raise ValueError()",
    "a multi-line message": "raise RuntimeError('line one\\nline two')",
    "a non-ASCII message": "raise ValueError('échec 😀')",
    "a KeyError": "return event['missing']",
    "a custom exception": "class Oops(Exception):\n        pass\n    raise Oops('custom')",
    "an exception with odd args": "raise Exception(1, [2], {'three': 3})",
    "a chained exception": "try:\n        1 / 0\n    except ZeroDivisionError as error:\n        raise LookupError('wrapped') from error",
    "an exception during handling": "try:\n        {}['k']\n    except KeyError:\n        int('x')",
    "a failed assert": "assert event.get('ok'), 'not ok'",
    "an error in a helper module": "import helper\n    helper.fail()",
    "an error in a comprehension": "return [1 // x for x in (1, 0)]",
    "a long expression": "return (\n        event['a']\n        + 1\n    )",
    "a message with a tab and a carriage return": "raise ValueError('a\\tb\\rc')",
}


@pytest.mark.parametrize("body", RAISES.values(), ids=RAISES.keys())
@pytest.mark.parametrize("log_format", ["Text", "JSON"])
def test_an_exception_gives_awslambdaric_s_envelope_and_error_log(cloud, tmp_path, body, log_format):
    code = {"lambda_function.py": f"def lambda_handler(event, context):\n    {body}\n",
            "helper.py": "def fail():\n    return {}['nothing']\n"}
    assert_same(cloud, tmp_path, code, {}, {"a": "x"}, logging_config={"LogFormat": log_format})


def test_deep_recursion_fails_alike_but_for_the_depth(cloud, tmp_path):
    code = "def lambda_handler(event, context):\n    def f(n):\n        return f(n + 1)\n    f(0)\n"
    expected, actual, _ = both(cloud, tmp_path, code)
    mine, theirs = actual.results[0]["error"], expected.results[0]["error"]
    assert (mine["errorType"], mine["errorMessage"]) == (theirs["errorType"], theirs["errorMessage"])
    def frames(trace: list[str]) -> set[str]:  # how deep it got depends on the stack the caller already uses
        return {re.sub(r"repeated \d+ more", "repeated N more", frame) for frame in trace}
    assert frames(mine["stackTrace"]) == frames(theirs["stackTrace"])


LOADING = {
    "HandlerNotFound": ({"lambda_function.py": "def other(e, c):\n    pass\n"}, HANDLER),
    "ImportModuleError, no module": ({"other.py": ""}, HANDLER),
    "ImportModuleError, a missing dependency": ({"lambda_function.py": "import requestz\n"}, HANDLER),
    "ImportModuleError, a package path": ({"lambda_function.py": ""}, "src/app.lambda_handler"),
    "UserCodeSyntaxError": ({"lambda_function.py": "def lambda_handler(e, c)\n    return 1\n"}, HANDLER),
    "UserCodeSyntaxError, indented": ({"lambda_function.py": "def lambda_handler(e, c):\n    return (1\n"}, HANDLER),
    "UserCodeSyntaxError, IndentationError": ({"lambda_function.py": "def f():\nreturn 1\n"}, HANDLER),
    "MalformedHandlerName": ({"lambda_function.py": ""}, "lambda_handler"),
    "BuiltInModuleConflict": ({"lambda_function.py": ""}, "sys.lambda_handler"),
    "an exception at import": ({"lambda_function.py": "import json\nsettings = json.loads('{bad')\n"}, HANDLER),
    "an exception in an imported module": ({"lambda_function.py": "import helper\n",
                                            "helper.py": "raise RuntimeError('cannot start')\n"}, HANDLER),
    "a handler that is not a function": ({"lambda_function.py": "lambda_handler = 42\n"}, HANDLER),
    "a handler in a package": ({"pkg/__init__.py": "", "pkg/app.py": "def run(e, c):\n    return 'pkg'\n"},
                               "pkg/app.run"),
    "a handler in a dotted package": ({"pkg/__init__.py": "", "pkg/app.py": "def run(e, c):\n    return 1\n"},
                                      "pkg.app.run"),
    "Init output, then a failure": ({"lambda_function.py": "import logging\nprint('loading')\n"
                                                           "logging.warning('careful')\nraise ValueError('no')\n"},
                                    HANDLER),
}


@pytest.mark.parametrize(("files", "handler"), LOADING.values(), ids=LOADING.keys())
@pytest.mark.parametrize("log_format", ["Text", "JSON"])
def test_loading_the_handler_fails_as_awslambdaric_does(cloud, tmp_path, files, handler, log_format):
    assert_same(cloud, tmp_path, files, {}, handler=handler, logging_config={"LogFormat": log_format})


def test_an_event_that_is_not_json_is_refused_before_the_handler(cloud, tmp_path):
    expected, _, _ = both(cloud, tmp_path, "def lambda_handler(e, c):\n    return e\n", b'{"a": 1}')
    assert expected.results[0]["response"] == b'{"a": 1}'


# ---------------------------------------------------------------------------------------------------
# Exits: the runtime process ends; Lambda reports Runtime.ExitError and the next invocation is cold

EXITS = {
    "sys.exit()": "sys.exit()",
    "sys.exit(0)": "sys.exit(0)",
    "sys.exit(3)": "sys.exit(3)",
    "sys.exit(300)": "sys.exit(300)",
    "sys.exit with a message": "sys.exit('bye now')",
    "raise SystemExit(7)": "raise SystemExit(7)",
    "KeyboardInterrupt": "raise KeyboardInterrupt",
    "another BaseException": "class Stop(BaseException):\n        pass\n    raise Stop('stopped')",
}


@pytest.mark.parametrize("body", EXITS.values(), ids=EXITS.keys())
def test_an_exit_is_a_runtime_exit_error_and_the_next_invocation_is_cold(cloud, tmp_path, body):
    code = f"import sys\nprint('init')\ndef lambda_handler(event, context):\n    print('before')\n    {body}\n"
    first, = assert_same(cloud, tmp_path, code)
    assert first.error["errorType"] == "Runtime.ExitError" and "Status: error\tError Type: Runtime.ExitError" in first.logs
    again = cloud.invoke(NAME, {})
    assert again.cold_start and again.logs.startswith("init\n")  # a new execution environment


def test_an_exit_during_init(cloud, tmp_path):
    assert_same(cloud, tmp_path, "import sys\nprint('loading')\nsys.exit(2)\n")


# ---------------------------------------------------------------------------------------------------
# Logs: print, logging and context.log, in both formats and at every level

LOGGING = """
import logging, sys
logging.info('init info')
logging.warning('init warning')
print('init print')
logger = logging.getLogger('app')

def lambda_handler(event, context):
    print('a print')
    print('two\\nlines', 'and', 3)
    print('no newline', end='')
    print()
    print('{"level": "debug", "msg": "printed JSON at DEBUG"}')
    print('{"level": "ERROR", "msg": "printed JSON at ERROR"}')
    sys.stderr.write('to stderr\\n')
    context.log('context.log line\\n')
    context.log('no newline')
    logging.debug('root debug %s', 1)
    logging.info('root info')
    logging.warning('root warning %d%%', 50)
    logging.error('root error')
    logging.critical('root critical')
    logging.log(5, 'level five')
    logging.log(25, 'level twenty-five')
    logger.warning('named logger')
    logger.warning('with extra', extra={'order_id': 42, 'items': [1, 2], 'when': object.__new__(type('T', (), {'__str__': lambda s: 'T!'}))})
    logger.warning({'a': 'dict', 'b': 2})
    logger.warning('multi\\nline message')
    logger.warning('non-ASCII é 😀')
    try:
        1 / 0
    except ZeroDivisionError:
        logger.exception('with exc_info')
    return 'done'
"""

LEVELS = [None, *APPLICATION_LOG_LEVELS]


@pytest.mark.parametrize("log_format", ["Text", "JSON"])
def test_print_logging_and_context_log_lines(cloud, tmp_path, log_format):
    assert_same(cloud, tmp_path, LOGGING, {}, {}, logging_config={"LogFormat": log_format})


@pytest.mark.parametrize("level", [level for level in LEVELS if level])
def test_json_logs_at_each_application_log_level(cloud, tmp_path, level):
    code = LOGGING + "\nlogging.getLogger().debug('init debug')\n"
    assert_same(cloud, tmp_path, code, {}, logging_config={"LogFormat": "JSON", "ApplicationLogLevel": level})


def test_a_module_level_set_level_lasts_for_the_environment(cloud, tmp_path):
    code = ("import logging\nlogging.getLogger().setLevel(logging.INFO)\n"
            "def lambda_handler(e, c):\n    logging.info('seen %s', e)\n    logging.debug('not seen')\n")
    assert_same(cloud, tmp_path, code, {"n": 1}, {"n": 2}, {"n": 3})


def test_an_error_log_line_is_dropped_at_the_fatal_level(cloud, tmp_path):
    assert_same(cloud, tmp_path, "def lambda_handler(e, c):\n    raise ValueError('quiet')\n", {},
                logging_config={"LogFormat": "JSON", "ApplicationLogLevel": "FATAL"})


THREADS = """
import logging, sys, threading
from concurrent.futures import ThreadPoolExecutor

pool = ThreadPoolExecutor(max_workers=2)

def work(n):
    sys.stdout.write(f'worker {n}\\n')  # one write: print's pieces may interleave between threads
    logging.warning('worker log %s', n)
    return n * n

def lambda_handler(event, context):
    results = sorted(pool.map(work, [1, 2, 3]))
    thread = threading.Thread(target=print, args=('from a thread',))
    thread.start()
    thread.join()
    return results
"""


def test_output_of_the_handler_s_threads_reaches_its_log(cloud, tmp_path):
    expected, actual, _ = both(cloud, tmp_path, THREADS, {}, {})
    assert actual.results[0]["response"] == expected.results[0]["response"] == b"[1, 4, 9]"
    for mine, theirs in zip(actual.results, expected.results):  # the workers' order is the scheduler's
        assert sorted(mine["log"].splitlines()) == sorted(theirs["log"].splitlines())


# ---------------------------------------------------------------------------------------------------
# The context, the working directory, the environment

CONTEXT = """
import os
def lambda_handler(event, context):
    public = {name: type(getattr(context, name)).__name__ for name in dir(context) if not name.startswith('_')}
    cc = context.client_context
    return {
        'members': public,
        'repr': repr(context),
        'values': [context.function_name, context.function_version, context.invoked_function_arn,
                   context.memory_limit_in_mb, context.log_group_name, context.tenant_id],
        'remaining': type(context.get_remaining_time_in_millis()).__name__,
        'w3c': context.w3c(),
        'client_context': repr(cc) if cc is None else [cc.custom, cc.env, repr(cc.client), sorted(dir(cc.client))],
        'identity': [repr(context.identity), sorted(n for n in dir(context.identity) if not n.startswith('_'))],
    }
"""


@pytest.mark.parametrize("client_context", [
    None,
    {"custom": {"k": "v"}, "env": {"platform": "iOS"},
     "client": {"installation_id": "i-1", "app_title": "App", "app_version_name": "1.0"}},
    {"custom": {"k": "v"}, "w3c": {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                                   "tracestate": "congo=t61rcWkgMzE", "baggage": 7, "other": "x"}},
])
def test_the_context_has_awslambdaric_s_members_types_and_reprs(cloud, tmp_path, client_context):
    assert_same(cloud, tmp_path, CONTEXT, {}, client_context=client_context)


FILES = """
import os
with open('settings.txt') as settings:
    AT_INIT = settings.read()

def lambda_handler(event, context):
    with open('settings.txt') as settings:
        return [AT_INIT, settings.read(), os.getcwd() == os.environ['LAMBDA_TASK_ROOT']]
"""


def test_the_working_directory_is_the_code_folder(cloud, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_same(cloud, tmp_path, {"lambda_function.py": FILES, "settings.txt": "debug=1"})
    assert Path.cwd() == tmp_path  # the caller's directory is given back


ENVIRONMENT = """
import os
def lambda_handler(event, context):
    names = ['AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
             'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_FORMAT', 'AWS_LAMBDA_LOG_LEVEL', 'AWS_REGION',
             'AWS_EXECUTION_ENV', '_HANDLER', 'LAMBDA_TASK_ROOT', 'TZ', 'AWS_LAMBDA_INITIALIZATION_TYPE']
    return {name: os.environ.get(name) for name in names}
"""


@pytest.mark.parametrize("logging_config", [None, {"LogFormat": "JSON"}, {"LogFormat": "JSON", "ApplicationLogLevel": "WARN"}])
def test_the_variables_lambda_sets(cloud, tmp_path, logging_config):
    assert_same(cloud, tmp_path, ENVIRONMENT, logging_config=logging_config)


# ---------------------------------------------------------------------------------------------------
# Powertools' Logger with the JSON format and the log levels

POWERTOOLS = """
from aws_lambda_powertools import Logger

logger = Logger(service="payment")

@logger.inject_lambda_context
def lambda_handler(event, context):
    logger.debug("debug detail", extra={"step": 1})
    logger.info("Collecting payment", extra={"amount": event["amount"]})
    logger.warning("slow bank")
    return "ok"
"""


def _site_packages() -> str:
    import aws_lambda_powertools
    return str(Path(aws_lambda_powertools.__file__).parents[1])


@pytest.mark.parametrize("level", ["DEBUG", "INFO", "WARN"])
def test_powertools_logger_with_json_logs_and_levels(cloud, tmp_path, level, monkeypatch):
    # awslambdaric's process gets Powertools (and its dependencies) from the kit's own virtualenv.
    monkeypatch.setattr("lambda_oracle.lambda_environment", _with_pythonpath(_site_packages()))
    expected, actual, invocations = both(cloud, tmp_path, POWERTOOLS, {"amount": 5},
                                         logging_config={"LogFormat": "JSON", "ApplicationLogLevel": level})

    def records(run: Run) -> list[dict]:  # Powertools' own fields that differ by nature are left out
        lines = [json.loads(line) for line in run.results[0]["log"].splitlines()]
        return [{k: v for k, v in line.items() if k not in ("timestamp", "xray_trace_id", "cold_start")}
                for line in lines]

    assert records(actual) == records(expected)
    assert actual.results[0]["response"] == expected.results[0]["response"] == b'"ok"'
    shown = [record["level"] for record in records(actual)]
    assert shown == {"DEBUG": ["DEBUG", "INFO", "WARNING"], "INFO": ["INFO", "WARNING"], "WARN": ["WARNING"]}[level]
    assert records(actual)[0]["function_request_id"] == "<request id 0>"


def _with_pythonpath(path: str):
    import lambda_oracle
    original = lambda_oracle.lambda_environment

    def environment(*args, **kwargs) -> dict[str, str]:
        return {**original(*args, **kwargs), "PYTHONPATH": path}
    return environment
