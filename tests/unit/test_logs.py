import json
import logging

from chalicelib.core.logs import JsonFormatter, request_id


def test_json_lines_with_request_id_and_no_secrets():
    record = logging.makeLogRecord(
        {
            "name": "bandstand.test",
            "levelname": "INFO",
            "msg": "hello",
            "password": "hunter2",
            "code": "123456",
            "email": "a@example.com",
            "user_sub": "abc",
            "latency_ms": 1.5,
        }
    )
    token = request_id.set("req-1")
    try:
        line = JsonFormatter().format(record)
    finally:
        request_id.reset(token)
    entry = json.loads(line)
    assert entry["message"] == "hello" and entry["request_id"] == "req-1"
    assert entry["user_sub"] == "abc" and entry["latency_ms"] == 1.5
    assert "hunter2" not in line and "123456" not in line and "a@example.com" not in line
