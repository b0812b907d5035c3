"""``python -m emulator serve PATH``: the template's APIs over HTTP, like ``sam local start-api``.

PATH is a SAM or CloudFormation template, a Terraform folder or a serverless.yml.

The template's functions, routes (``Api`` and ``HttpApi`` events), authorizers and CORS settings are
built in a local cloud, and a web server answers on http://127.0.0.1:3000 as API Gateway would, so
``curl``, a browser page or a test suite can call the API. The server

- listens on 127.0.0.1 (this machine only) unless ``--host`` says otherwise;
- prints the route table when it starts, then one line per request: method, path, the function
  that answered (or what API Gateway answered by itself), status, time, and why, for an error;
- picks up edits to a handler's code on the next request (the runtime reloads changed code, as a
  new deployment would), but not edits to the template: restart for those;
- serves requests in threads, while the runtime runs one handler at a time;
- runs the cloud's clock in real time, so the template's schedules fire and tokens expire as the
  wall clock says.

    python -m emulator serve template.yaml --port 3000
    curl http://127.0.0.1:3000/items/42
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve", help="serve a template's API routes over HTTP, like sam local start-api",
        description=__doc__.split("\n\n")[0].replace("``", ""))
    parser.add_argument("template", help="a SAM/CloudFormation template, a Terraform folder or a serverless.yml")
    parser.add_argument("--port", type=int, default=3000, help="TCP port to listen on (default 3000; 0: any free port)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: every network)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..cloud import LocalCloud
    from ..aws.endpoint import notice
    from ..gateway.server import GatewayServer
    from ..templates.report import TemplateError

    try:
        cloud = LocalCloud.from_template(args.template)
    except (TemplateError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    server = None
    try:
        print(cloud.template.summary())
        for warning in cloud.template.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        if cloud.endpoint_url:
            print(notice(cloud.endpoint_url), file=sys.stderr)
        cloud.api_gateway.check()
        server = GatewayServer(args.host, args.port, cloud.api_gateway.handle)
        base_url = f"http://{args.host}:{server.port}"
        print(f"Routes of {args.template}:\n{cloud.api_gateway.describe(base_url)}")
        print(f"Serving on {base_url} (Ctrl+C to stop). Handler edits apply on the next request.", flush=True)
        _log_requests_to_stderr()
        signal.signal(signal.SIGTERM, _exit_quietly)
        cloud.play()
        server.serve_forever()
    except (ValueError, OSError) as error:  # an authorizer missing, the port already taken
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Stopped.")
    finally:
        if server is not None:
            server.server_close()
        cloud.stop()
    return 0


def _log_requests_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    logger = logging.getLogger("emulator.gateway.api_gateway")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _exit_quietly(signum, frame) -> None:
    """SIGTERM (from a process manager or a test) stops the server like Ctrl+C does."""
    raise KeyboardInterrupt
