"""What a process of its own costs a function: the process host against the in-process host.

The grader and ``check()`` run every handler in a process of its own behind the Lambda Runtime API
(``LocalCloud(isolation="process")``); a notebook runs it in its own process by default. Both hosts,
in the same process and interleaved, on two handlers:

- ``return event`` with the console's hello-world event;
- a handler that sends one SQS message with a boto3 client made at import time (lab 06's shape),
  so a process-hosted call also crosses the AWS bridge.

For each: a warm ``cloud.invoke`` (the environment reused) and a cold one (a new function each time:
in-process, its module imported in a fresh environment; in process mode, an environment forked
from the fork server, which has imported the runtime and boto3 once; the first cold start of a
process also starts that server, shown on its own row).

    .venv/bin/python benchmarks/bench_hosts.py
"""

from __future__ import annotations

import itertools
import sys
import tempfile
import time
from pathlib import Path

from run import duration, interleave, publish, ratio, table, write_function

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from emulator import LocalCloud  # noqa: E402

HANDLERS = {
    "`return event`": "def lambda_handler(event, context):\n    return event\n",
    "one SQS send (boto3 client made at import)": (
        "import boto3, os\nsqs = boto3.client('sqs')\n"
        "def lambda_handler(event, context):\n    sqs.send_message(QueueUrl=os.environ['OUT'], MessageBody='x')\n"),
}
EVENT = {"key1": "value1", "key2": "value2", "key3": "value3"}
HOSTS = ("in-process", "process")
ROUNDS, WARM_CALLS = 30, 20


def main() -> int:
    names = itertools.count()
    with tempfile.TemporaryDirectory(prefix="bench-hosts-") as folder, \
            LocalCloud(isolation="in-process") as here, LocalCloud(isolation="process") as apart:
        clouds = {"in-process": here, "process": apart}
        code = {label: write_function(Path(folder), f"h{index}", source) for index, (label, source) in enumerate(HANDLERS.items())}
        queues = {host: cloud.create_queue("out") for host, cloud in clouds.items()}

        def create(host: str, label: str) -> str:
            name = f"f{next(names)}"
            clouds[host].create_function(name, code=code[label], environment={"OUT": queues[host]})
            return name

        started = time.perf_counter()
        clouds["process"].invoke(create("process", "`return event`"), EVENT)
        first = time.perf_counter() - started
        warm = {(host, label): create(host, label) for host in HOSTS for label in HANDLERS}
        for (host, _), name in warm.items():
            clouds[host].invoke(name, EVENT)

        def warm_sampler(host: str, name: str):
            def sample() -> float:
                began = time.perf_counter()
                for _ in range(WARM_CALLS):
                    clouds[host].invoke(name, EVENT)
                return (time.perf_counter() - began) / WARM_CALLS
            return sample

        def cold_sampler(host: str, label: str):
            def sample() -> float:
                name = create(host, label)
                began = time.perf_counter()
                clouds[host].invoke(name, EVENT)
                elapsed = time.perf_counter() - began
                clouds[host].delete_function(name)
                return elapsed
            return sample

        samplers = {}
        for label in HANDLERS:
            for host in HOSTS:
                samplers[("warm", label, host)] = warm_sampler(host, warm[(host, label)])
                samplers[("cold", label, host)] = cold_sampler(host, label)
        stats = interleave(samplers, ROUNDS)
    rows = []
    for kind in ("warm", "cold"):
        for label in HANDLERS:
            base = stats[(kind, label, "in-process")]
            for host in HOSTS:
                figure = stats[(kind, label, host)]
                rows.append([f"{kind} invoke, {label}, {host}", duration(figure.median), duration(figure.p90),
                             ratio(figure.median, base.median), str(len(figure))])
    rows.append(["first cold invoke of a process, fork server starting (process)", duration(first), "–", "–", "1"])
    publish("hosts", f"""\
Both hosts in one process, interleaved, {ROUNDS} rounds (a warm sample is the mean of {WARM_CALLS} calls).

{table(["one invocation", "median", "p90", "vs in-process", "samples"], rows)}

In process mode each invocation is four requests on a kept-alive loopback connection to the Runtime
API (next, the kit's setup and report, the response) plus one per boto3 call (the AWS bridge); a cold
start forks an environment from the fork server and opens its Runtime API.
""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
