"""The HTTP edge: route declarations, request parsing, response bodies, problem documents,
CORS and the OpenAPI document. The only layer that knows HTTP or Chalice."""
