"""Run in a fresh `python -S` by bench/coldstart.py: import an app (the Lambda's path
only), serve one API Gateway event, print timings as JSON. Stdlib only until the import."""

from __future__ import annotations

import json
import sys
import time

started = time.perf_counter()
mode, site, project, token = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
sys.path[:0] = [project, site]

if mode == "app":
    from app import app

    path, resource = "/albums", "/albums"
else:
    from bench.floor_app import app

    path, resource = "/item", "/item"
imported = time.perf_counter()


class Context:
    aws_request_id = "bench-cold-start"
    function_name = "bench"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:bench"

    def get_remaining_time_in_millis(self) -> int:
        return 15_000


event = {
    "resource": resource,
    "path": path,
    "httpMethod": "GET",
    "headers": {"Authorization": f"Bearer {token}", "Host": "bench.local"},
    "multiValueHeaders": {},
    "queryStringParameters": None,
    "multiValueQueryStringParameters": None,
    "pathParameters": None,
    "stageVariables": None,
    "requestContext": {"resourcePath": resource, "httpMethod": "GET", "requestId": "bench", "path": path},
    "body": None,
    "isBase64Encoded": False,
}
response = app(event, Context())
done = time.perf_counter()
print(
    json.dumps(
        {
            "status": response["statusCode"],
            "import_ms": (imported - started) * 1000,
            "first_ms": (done - imported) * 1000,
            "modules": len(sys.modules),
        }
    )
)
