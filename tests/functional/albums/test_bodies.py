"""Odd request bodies on the album routes: always a 4xx, never a leak."""

from __future__ import annotations

import json
import uuid

from tests.support.album_api import (
    PET_SOUNDS,
    REVOLVER,
    create,
    list_all,
    problem,
)

# -- request bodies ---------------------------------------------------------------------------------


def test_body_over_64_kib_is_413(api, admin):
    big = json.dumps({**PET_SOUNDS, "title": "x" * (64 * 1024)})
    reply = api.post("/albums", raw=big, token=admin, headers={"Content-Type": "application/json"})
    problem(reply, 413, "payload_too_large")
    created = create(api, admin, PET_SOUNDS)
    reply = api.patch(
        f"/albums/{created['album_id']}", raw=big, token=admin, headers={"Content-Type": "application/json"}
    )
    problem(reply, 413, "payload_too_large")
    assert list_all(api, admin) == [created]


def test_non_json_body_is_415(api, admin):
    reply = api.post("/albums", raw=json.dumps(PET_SOUNDS), token=admin, headers={"Content-Type": "text/plain"})
    problem(reply, 415, "unsupported_media_type")
    reply = api.post("/albums", raw=json.dumps(PET_SOUNDS), token=admin)  # no Content-Type at all
    problem(reply, 415, "unsupported_media_type")
    created = create(api, admin, PET_SOUNDS)
    reply = api.put(
        f"/albums/{created['album_id']}",
        raw=json.dumps(REVOLVER),
        token=admin,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    problem(reply, 415, "unsupported_media_type")
    assert list_all(api, admin) == [created]


def test_json_with_a_charset_or_a_json_suffix_is_fine(api, admin):
    reply = api.post(
        "/albums", raw=json.dumps(PET_SOUNDS), token=admin, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert reply.status == 201
    reply = api.post(
        "/albums", raw=json.dumps(REVOLVER), token=admin, headers={"Content-Type": "application/merge-patch+json"}
    )
    assert reply.status == 201


def test_broken_json_is_400(api, admin):
    for raw in ['{"rank": 1,', "{rank: 1}", "[1, 2", '{"rank": NaN}', '{"rank": Infinity}', b"\xff\xfe\x00", "   ", ""]:
        reply = api.post("/albums", raw=raw, token=admin, headers={"Content-Type": "application/json"})
        problem(reply, 400, "malformed_request", raw)
    assert list_all(api, admin) == []


def test_deeply_nested_json_is_400_not_500(api, admin):
    raw = "[" * 20_000 + "]" * 20_000
    reply = api.post("/albums", raw=raw, token=admin, headers={"Content-Type": "application/json"})
    assert reply.status == 400
    assert reply.json["code"] in {"malformed_request", "validation_error"}


def test_errors_never_leak_internals(api, admin):
    replies = [
        api.post("/albums", raw="{", token=admin, headers={"Content-Type": "application/json"}),
        api.get("/albums?next=garbage", token=admin),
        api.get(f"/albums/{uuid.uuid4()}", token=admin),
        api.post("/albums", {"rank": "x"}, token=admin),
    ]
    for reply in replies:
        text = reply.raw.decode()
        for leak in ("Traceback", "ClientError", "botocore", "Exception", "dynamodb", "ALBUM#", "RANK#"):
            assert leak not in text
