"""A local cloud where the ``cryptography`` package is missing, as in a browser (Pyodide).

The kit needs it only for RS256 tokens (minted for, or checked by, a JWT authorizer) and for moto's
Cognito. The scripts below run in a Python of their own where importing ``cryptography`` fails as it
does where the package is not installed, and use functions, triggers and an HTTP route: all must
work, with neither ``cryptography`` nor PyJWT imported. Minting a token must fail, naming the package.

One importer is let through in the queue test: moto's own IAM module (``moto.iam.models`` imports
``cryptography.x509`` at its top), which moto's core imports to answer *any* request it serves, such
as SQS's. That is moto's dependency, not the kit's; where cryptography is missing, moto cannot answer.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

NO_CRYPTOGRAPHY = textwrap.dedent("""\
    import sys

    ALLOWED = sys.argv[2:]  # modules allowed to import cryptography anyway (moto's IAM, in one test)

    class NoCryptography:
        '''Finds no module called cryptography: what an import sees where the package is not installed.'''

        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] != "cryptography":
                return None
            frame = sys._getframe(1)
            while frame is not None:  # is an allowed module's import running, further up the stack?
                if frame.f_globals.get("__name__") in ALLOWED:
                    return None
                frame = frame.f_back
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    sys.meta_path.insert(0, NoCryptography())
    """)

HANDLER = """
import json

def lambda_handler(event, context):
    if "Records" in event:
        print("got", [json.loads(record["body"]) for record in event["Records"]])
        return None
    return {"statusCode": 200, "body": json.dumps({"path": event.get("path")})}
"""

HANDLER = """
import json

import boto3


def lambda_handler(event, context):
    if "Records" in event:
        print("got", [json.loads(record["body"]) for record in event["Records"]])
    elif event.get("call"):  # Lambda calling Lambda: answered by the kit, not by moto
        answer = boto3.client("lambda").invoke(FunctionName="echo", Payload=json.dumps({"path": "/called"}))
        return json.loads(answer["Payload"].read())
    return {"statusCode": 200, "body": json.dumps({"path": event.get("path")})}
"""

FUNCTIONS_AND_ROUTES = """
cloud.create_function("echo", code=sys.argv[1])
report["invoke"] = cloud.invoke("echo", {"path": "/direct"}).payload
report["call"] = cloud.invoke("echo", {"call": True}).payload
cloud.schedule("tick", "rate(1 minute)", "echo")
cloud.advance(minutes=3)
report["scheduled"] = sum(1 for run in cloud.invocations if run.trigger == "schedule:tick" and run.ok)
cloud.add_route("GET", "/hello", "echo", api="rest")
answer = cloud.http_app().test_client().get("/hello")
report["route"] = [answer.status_code, answer.get_json()]
try:
    cloud.api_gateway.mint_token(issuer="https://issuer.example", audience="app")
except ImportError as error:
    report["mint"] = [type(error).__name__, error.name, str(error)]
"""

QUEUE = """
cloud.create_function("echo", code=sys.argv[1])
url = cloud.create_queue("jobs")
cloud.create_event_source_mapping("jobs", "echo", batch_size=1)
boto3.client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps({"job": 7}))
cloud.run_until_idle()
report["queue"] = [line for line in cloud.logs("echo").splitlines() if line.startswith("got")]
"""


def run(tmp_path: Path, body: str, *allowed: str) -> dict:
    """Run ``body`` in a fresh Python without cryptography, inside a LocalCloud; return what it reported."""
    code = tmp_path / "echo"
    code.mkdir()
    (code / "lambda_function.py").write_text(HANDLER)
    script = ("import json, sys\nimport boto3\nfrom emulator import LocalCloud\nreport = {}\n"
              "with LocalCloud() as cloud:\n" + textwrap.indent(body, "    ") +
              "report['loaded'] = sorted(name for name in ('cryptography', 'jwt', 'joserfc') if name in sys.modules)\n"
              "print(json.dumps(report))\n")
    result = subprocess.run([sys.executable, "-c", NO_CRYPTOGRAPHY + script, str(code), *allowed],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_functions_schedules_and_routes_run_without_cryptography(tmp_path: Path):
    report = run(tmp_path, FUNCTIONS_AND_ROUTES)
    assert report["invoke"] == {"statusCode": 200, "body": json.dumps({"path": "/direct"})}
    assert report["call"] == {"statusCode": 200, "body": json.dumps({"path": "/called"})}
    assert report["scheduled"] == 3
    assert report["route"] == [200, {"path": "/hello"}]
    assert report["loaded"] == []  # nor PyJWT, nor moto's Cognito (joserfc)
    kind, name, message = report["mint"]
    assert (kind, name) == ("ModuleNotFoundError", "cryptography")
    assert "RS256 tokens" in message and "pip install cryptography" in message


def test_a_queue_trigger_needs_cryptography_only_for_moto_itself(tmp_path: Path):
    report = run(tmp_path, QUEUE, "moto.iam.models")
    assert report["queue"] == ["got [{'job': 7}]"]
    assert "jwt" not in report["loaded"] and "joserfc" not in report["loaded"]


@pytest.mark.parametrize("importer, fails", [("emulator", True), ("moto.iam.models", False)])
def test_the_blocker_really_blocks(importer: str, fails: bool, tmp_path: Path):
    """The tests above prove something only if the finder makes ``import cryptography`` fail, except for
    the module it lets through."""
    module = tmp_path / "importer.py"
    module.write_text("import cryptography.x509\n")
    code = NO_CRYPTOGRAPHY + f"import importlib.util\nspec = importlib.util.spec_from_file_location({importer!r}, {str(module)!r})\n" \
        "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
    result = subprocess.run([sys.executable, "-c", code, "-", "moto.iam.models"], capture_output=True, text=True, timeout=60)
    assert (result.returncode == 1 and "No module named 'cryptography'" in result.stderr) == fails, result.stderr


STAND_IN = textwrap.dedent("""\
    import importlib.util, sys
    real_find_spec = importlib.util.find_spec
    importlib.util.find_spec = lambda name, *rest: None if name == "cryptography" else real_find_spec(name, *rest)
    sys.platform = "emscripten"  # what Pyodide says
    from emulator.platform import absent_packages
    assert absent_packages.install()
    sys.platform = "linux"  # back, or urllib3 would look for Pyodide's JavaScript bridge
    sys.meta_path.insert(0, sys.meta_path.pop())  # ahead of the real package, which this machine has
    import moto.iam.models  # imports cryptography.x509 at its top, as moto's core does for every request
    from cryptography.hazmat.backends import default_backend
    try:
        default_backend()
    except ModuleNotFoundError as error:
        print(error)
    """)


def test_in_pyodide_a_stand_in_lets_moto_import_and_says_what_is_missing_when_used():
    done = subprocess.run([sys.executable, "-c", STAND_IN], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert ("cryptography.hazmat.backends.default_backend needs the package 'cryptography', which the browser "
            "edition does not have") in done.stdout
