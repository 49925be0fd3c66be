"""The error shape in the OpenAPI document: declared once, referenced by every operation.

Every error any route answers is ``{"code", "message"}`` plus ``field`` for
validation errors (``server/errors.py`` makes them). The document names that
shape once (``components.schemas.Error``), describes each status once
(``components.responses``) and lets each operation refer to the statuses it
can answer, by what it takes:

| the operation | answers |
|---|---|
| needs a token | 401, 403 |
| has a path parameter | 404 |
| changes something (POST, PUT, PATCH, DELETE) | 409 |
| takes a parameter or a body | 422 |
| takes a body | 400, 413 |
| any | ``default``: any other status (429, 502, 503) in the same shape |

Litestar's own 400 (its ``ValidationException`` body, never sent: those
errors are 422 here) is replaced.
"""

from __future__ import annotations

from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    PathItem,
    Reference,
    Schema,
)

from b2a.server.edge import MAX_JSON_BYTES, MAX_JSON_DEPTH

ERROR = Schema(
    type=OpenAPIType.OBJECT,
    description="What every error answers.",
    required=["code", "message"],
    properties={
        "code": Schema(
            type=OpenAPIType.STRING,
            description="Stable, for programs: VALIDATION_ERROR, NOT_FOUND, LABEL_EXISTS, …",
        ),
        "message": Schema(
            type=OpenAPIType.STRING, description="For people; safe to show as it is."
        ),
        "field": Schema(
            type=OpenAPIType.STRING,
            description="The parameter or body field at fault (e.g. items[0].name), if one is.",
        ),
    },
    additional_properties=False,
)

RESPONSES = {
    "400": (
        "BadRequest",
        "The body cannot be read: not JSON, a broken form, or JSON nested deeper than "
        f"{MAX_JSON_DEPTH} levels (BAD_REQUEST).",
    ),
    "401": ("Unauthorized", "No valid API token (UNAUTHORIZED)."),
    "403": (
        "Forbidden",
        "The caller's role or tenant may not do this (FORBIDDEN), or a change authenticated by "
        "the web session's cookie came without its CSRF token (CSRF_FAILED).",
    ),
    "404": (
        "NotFound",
        "No such thing in the caller's tenant (NOT_FOUND); another tenant's answers the same.",
    ),
    "409": (
        "Conflict",
        "The change clashes with what is there; the code says how (LABEL_EXISTS, "
        "INVALID_TRANSITION, WINDOW_CLOSED, …).",
    ),
    "413": (
        "PayloadTooLarge",
        f"The body is larger than the route takes: {MAX_JSON_BYTES:,} bytes of JSON, or the "
        "route's own file limit (PAYLOAD_TOO_LARGE).",
    ),
    "422": (
        "Invalid",
        "A parameter or body field is not valid; ``field`` names it (VALIDATION_ERROR, or a "
        "code of its own). Text holding a control character (NUL and the like) is refused so.",
    ),
    "default": (
        "Error",
        "Any other error, in the same shape: 429 LIMIT_EXCEEDED, 502 TRANSPORT_ERROR, "
        "503 when a service b2a needs cannot be reached, 500 INTERNAL_ERROR.",
    ),
}
WRITES = ("post", "put", "patch", "delete")


def _statuses(method: str, operation: Operation) -> list[str]:
    parameters = operation.parameters or []
    locations = {getattr(p, "param_in", None) for p in parameters}
    statuses = ["default"]
    if operation.security:
        statuses += ["401", "403"]
    if "path" in locations:
        statuses.append("404")
    if method in WRITES:
        statuses.append("409")
    if parameters or operation.request_body:
        statuses.append("422")
    if operation.request_body:
        statuses += ["400", "413"]
    return statuses


def _operations(item: PathItem) -> list[tuple[str, Operation]]:
    methods = ("get", "put", "post", "delete", "patch")
    return [(m, op) for m in methods if (op := getattr(item, m)) is not None]


def declare_errors(document: OpenAPI) -> None:
    """Add the error shape and each operation's error statuses to ``document``, in place."""
    components = document.components
    assert components is not None and not isinstance(components, list)
    components.schemas["Error"] = ERROR
    components.responses = {
        **(components.responses or {}),
        **{
            name: OpenAPIResponse(
                description=description,
                content={
                    "application/json": OpenAPIMediaType(
                        schema=Reference("#/components/schemas/Error")
                    )
                },
            )
            for name, description in RESPONSES.values()
        },
    }
    for item in (document.paths or {}).values():
        if isinstance(item, Reference):
            continue
        for method, operation in _operations(item):
            responses = dict(operation.responses or {})
            responses.pop("400", None)  # Litestar's ValidationException body: never sent
            for status in _statuses(method, operation):
                responses[status] = Reference(f"#/components/responses/{RESPONSES[status][0]}")
            operation.responses = responses
