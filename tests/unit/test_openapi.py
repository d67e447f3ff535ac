"""The OpenAPI document names things the way a generated client should: operationIds are
the view functions' names, each operation has its area's tag, and every object schema
is a named component (no inline page objects)."""

from __future__ import annotations

from typing import Any

import pytest

from app import OPERATIONS, app
from chalicelib.web.openapi import TAGS, area, document
from chalicelib.web.routing import Operation, OperationTable

DOC = document(OPERATIONS)
OPS = [(path, method, op) for path, methods in DOC["paths"].items() for method, op in methods.items()]


def operation(method: str, path: str, operation_id: str) -> Operation:
    return Operation(method, path, "public", "A route", operation_id)


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [r for v in node.values() for r in refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


def test_operation_ids_are_the_view_names_unless_a_route_names_its_own():
    ids = {(method.upper(), path): op["operationId"] for path, method, op in OPS}
    assert ids[("POST", "/auth/register")] == "register"
    assert ids[("GET", "/albums")] == "list_albums"
    assert ids[("GET", "/albums/{album_id}")] == "get_album"
    assert ids[("GET", "/users/me")] == "get_me"
    assert ids[("GET", "/openapi.json")] == "get_openapi"  # named by its route: `openapi` is no verb
    renamed = {
        (method, path): operation_id
        for (method, path), operation_id in ids.items()
        if app.routes[path][method].view_name != operation_id
    }
    assert renamed == {("GET", "/openapi.json"): "get_openapi"}
    assert len(set(ids.values())) == len(ids)


@pytest.mark.parametrize("bad", ["post/auth/register", "listAlbums", "list-albums", "_private", "list__albums", ""])
def test_an_operation_id_that_is_no_snake_case_identifier_is_refused(bad):
    with pytest.raises(ValueError, match="snake_case"):
        OperationTable().add(operation("GET", "/albums", bad))


def test_an_operation_id_used_twice_is_refused():
    table = OperationTable()
    table.add(operation("GET", "/albums", "list_albums"))
    with pytest.raises(ValueError, match="used twice"):
        table.add(operation("GET", "/users", "list_albums"))


def test_each_operation_has_its_areas_tag_and_the_document_lists_the_tags_it_uses():
    tags = {(method.upper(), path): op["tags"] for path, method, op in OPS}
    assert tags[("POST", "/auth/login")] == ["auth"]
    assert tags[("PATCH", "/users/me")] == ["users"]
    assert tags[("DELETE", "/albums/{album_id}")] == ["albums"]
    assert tags[("GET", "/health")] == ["health"]
    assert tags[("GET", "/openapi.json")] == ["docs"]
    used = {tag for op_tags in tags.values() for tag in op_tags}
    assert [t["name"] for t in DOC["tags"]] == [name for name in TAGS if name in used]
    assert all(t["description"] for t in DOC["tags"])


@pytest.mark.parametrize("path", ["/users/me/mfa/totp", "/users/me/mfa", "/auth/login/mfa", "/users/{username}/mfa"])
def test_two_step_sign_in_is_an_area_of_its_own(path):
    assert area(path) == "two_step"


def test_a_path_outside_every_area_is_refused():
    with pytest.raises(ValueError, match="no area"):
        area("/billing/invoices")


def test_pages_are_named_schemas():
    schemas = DOC["components"]["schemas"]
    for path, name, item in (("/albums", "AlbumPage", "AlbumBody"), ("/users", "ProfilePage", "ProfileBody")):
        success = DOC["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert success == {"$ref": f"#/components/schemas/{name}"}
        assert schemas[name]["required"] == ["items", "next"]
        assert schemas[name]["properties"]["items"] == {
            "type": "array",
            "items": {"$ref": f"#/components/schemas/{item}"},
        }
        assert schemas[name]["properties"]["next"]["type"] == ["string", "null"]


def test_every_body_schema_is_a_reference_that_resolves():
    # An inline object would come out of a generator as `GetalbumsResponse200`.
    for path, method, op in OPS:
        contents = [r.get("content", {}) for r in op["responses"].values()]
        contents.append(op.get("requestBody", {}).get("content", {}))
        for content in contents:
            for media in content.values():
                assert set(media["schema"]) == {"$ref"}, (method, path)
    schemas = DOC["components"]["schemas"]
    for ref in refs(DOC):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
