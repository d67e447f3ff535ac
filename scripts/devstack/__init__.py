"""Run Bandstand locally: DynamoDB Local, the API (chalice local's gateway behind our
request handler) and the static web server. Stdlib and the project venv only.

    processes.py      child process supervision, port and HTTP probes
    dynamodb.py       DynamoDB Local from the npm package; the one Java check
    components.py     Component (env wiring, launch, ready check, setup) and the parts
    stack.py          which components run for which identity backend; Stack
    local_api.py      the API server: TCP_NODELAY, one write per response, problem errors
    static_server.py  the web app with CloudFront's headers and an in-memory /config.js
    cli.py            `python -m scripts.devstack [run | cli ARGS...]`

Tests import what they need from here.
"""

from scripts.devstack.dynamodb import dynamodb_answers, missing_prerequisites, start_dynamodb_local
from scripts.devstack.processes import HOST, Child, StackError, find_free_port, wait_for_port
from scripts.devstack.stack import COMPONENTS, Stack

__all__ = [
    "COMPONENTS",
    "HOST",
    "Child",
    "Stack",
    "StackError",
    "dynamodb_answers",
    "find_free_port",
    "missing_prerequisites",
    "start_dynamodb_local",
    "wait_for_port",
]
