"""The front page until the web UI lands: what is running and where the API is."""

from __future__ import annotations

from litestar import get
from litestar.response import Response

from b2a import __version__

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>b2a</title></head>
<body>
<h1>b2a {version}</h1>
<p>The appliance is running. Operators manage it with the <code>b2a</code> command
(<code>b2a tenant create</code>, <code>b2a doctor</code>).</p>
<ul>
<li><a href="/ready">Readiness</a> (database and Redis)</li>
<li><a href="/api/openapi.json">REST API description</a> (OpenAPI)</li>
</ul>
</body></html>
"""


@get("/", include_in_schema=False, sync_to_thread=False)
def home() -> Response[str]:
    """A plain status page with links to readiness and the API description."""
    return Response(PAGE.format(version=__version__), media_type="text/html")
