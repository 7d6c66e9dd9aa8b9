"""Every JSON API route of the one route table (src/web/routes.c and the
route macros of src/api/*.h) is documented in docs/openapi.yaml with its
method, so the published contract cannot silently fall behind the code.
Reads the sources as text; no server is started."""

import glob
import os
import re

import yaml

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
PREFIX = "/api/v1"
# {"METHOD", "/api/v1/path", ...} entries, inside macros or the table itself.
ENTRY = re.compile(r'\{\s*"([A-Z]+)"\s*,\s*"(/api/v1[^"]*)"')


def code_routes():
    files = [os.path.join(ROOT, "src", "web", "routes.c")]
    files += sorted(glob.glob(os.path.join(ROOT, "src", "api", "*.h")))
    routes = set()
    for path in files:
        with open(path, encoding="utf-8") as f:
            for method, url in ENTRY.findall(f.read()):
                routes.add((method.lower(), url[len(PREFIX):]))
    return routes


def documented_routes():
    with open(os.path.join(ROOT, "docs", "openapi.yaml"), encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    assert doc["servers"][0]["url"] == PREFIX
    routes = set()
    for path, item in doc["paths"].items():
        # The route table spells every path parameter "{}".
        shape = re.sub(r"\{[^}]*\}", "{}", path)
        for method in item:
            if method in ("get", "put", "post", "delete", "patch"):
                routes.add((method, shape))
    return routes


def test_route_scan_finds_the_tables():
    routes = code_routes()
    # A broken pattern would find nothing and pass vacuously below.
    assert ("get", "/me") in routes
    assert ("post", "/indicators/import") in routes
    assert ("post", "/feeds/{}/pull") in routes
    assert len(routes) > 50


def test_every_api_route_is_in_openapi():
    missing = sorted(code_routes() - documented_routes())
    assert not missing, "routes missing from docs/openapi.yaml: %r" % missing


def test_openapi_documents_no_route_the_server_lacks():
    extra = sorted(documented_routes() - code_routes())
    assert not extra, "docs/openapi.yaml documents routes the server lacks: %r" % extra
