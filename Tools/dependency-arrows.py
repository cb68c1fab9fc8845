#!/usr/bin/env python3
"""Checks that the library products depend on each other only as CONTRIBUTING.md says.

Reads `swift package describe --type json`, prints what every library product depends on
(our targets and external products, transitively through our targets), and exits 1 when an
arrow points the wrong way, e.g. when SSEClient would compile an HTTP server or gzip.
"""
import json
import subprocess
import sys

# For each product: (targets of ours it must never reach, external products it must never reach).
FORBIDDEN = {
    "SSEProtocol": ({"*"}, {"*"}),
    "SSELogging": ({"*"}, {"NIOCore", "AsyncHTTPClient", "CompressNIO"}),
    "SSETransport": ({"SSEAsyncHTTPClient", "SSENIOServer", "SSEGzip", "SSETesting", "SSEClient", "SSEServer"},
                     {"NIOCore", "NIOPosix", "AsyncHTTPClient", "CompressNIO"}),
    "SSEClient": ({"SSENIOServer", "SSEGzip", "SSEServer", "SSETesting", "SSERepositories"}, {"CompressNIO", "NIOPosix"}),
    "SSEServer": ({"SSEAsyncHTTPClient", "SSENIOServer", "SSEClient", "SSETesting"}, {"AsyncHTTPClient", "NIOPosix"}),
    "SSEAsyncHTTPClient": ({"SSENIOServer", "SSEGzip", "SSEClient", "SSEServer"}, {"CompressNIO"}),
    "SSENIOServer": ({"SSEAsyncHTTPClient", "SSEGzip", "SSEClient", "SSEServer"}, {"AsyncHTTPClient", "CompressNIO"}),
    "SSEGzip": ({"SSEAsyncHTTPClient", "SSENIOServer", "SSEClient", "SSEServer"}, {"AsyncHTTPClient", "NIOPosix"}),
    "SSETesting": ({"SSEAsyncHTTPClient", "SSENIOServer", "SSEGzip", "SSEClient", "SSEServer"}, {"NIOCore"}),
    "SSERepositories": ({"SSETransport", "SSEClient", "SSEServer"}, {"NIOCore"}),
    "SSEOpenAPI": ({"SSETransport", "SSEAsyncHTTPClient", "SSENIOServer", "SSEGzip", "SSEClient", "SSEServer"},
                   {"NIOCore", "AsyncHTTPClient", "CompressNIO"}),
    # Brokers and stores extend the server; a PostgreSQL node needs no HTTP client or SQLite.
    "SSEPostgres": ({"SSEAsyncHTTPClient", "SSENIOServer", "SSEClient", "SSETesting", "SSESQLite"},
                    {"AsyncHTTPClient", "SQLiteNIO"}),
    # A Vapor user compiles no Hummingbird and the other way round; neither pulls in our client.
    "SSEHummingbird": ({"SSEVapor", "SSEClient", "SSEAsyncHTTPClient", "SSENIOServer", "SSETesting"},
                       {"Vapor", "AsyncHTTPClient"}),
    "SSEVapor": ({"SSEHummingbird", "SSEClient", "SSEAsyncHTTPClient", "SSENIOServer", "SSETesting"},
                 {"Hummingbird", "HummingbirdCore"}),
}
# Nothing but the PostgreSQL product (and the tools) compiles postgres-nio.
for _name, (_ours, _external) in FORBIDDEN.items():
    if _name != "SSEPostgres" and "*" not in _ours:
        _ours.add("SSEPostgres")
        _external.add("PostgresNIO")
# HTTP/2 and TLS belong to the embedded server alone (the client reaches them only through
# AsyncHTTPClient, and a test hands it an HTTPClient with its own TLS settings).
for product in ("SSEProtocol", "SSELogging", "SSETransport", "SSEClient", "SSEServer", "SSEAsyncHTTPClient", "SSEGzip",
                "SSETesting", "SSERepositories"):
    FORBIDDEN[product][1].update({"NIOSSL", "NIOHTTP2", "NIOTLS"})

# Heavy or optional dependencies that only their own adapter product may compile.
OWNED = {"OpenAPIRuntime": "SSEOpenAPI"}

description = json.loads(subprocess.run(
    ["swift", "package", "describe", "--type", "json"], check=True, capture_output=True, text=True
).stdout)
targets = {target["name"]: target for target in description["targets"]}


def closure(name):
    ours, external, pending = set(), set(), [name]
    while pending:
        target = targets[pending.pop()]
        external.update(target.get("product_dependencies") or [])
        for dependency in target.get("target_dependencies") or []:
            if dependency not in ours:
                ours.add(dependency)
                pending.append(dependency)
    return ours, external


failures = []
for product in description["products"]:
    if "library" not in product["type"]:
        continue
    ours, external = set(), set()
    for target in product["targets"]:
        o, e = closure(target)
        ours |= o
        external |= e
    print(f"{product['name']}: ours {sorted(ours) or '-'}; external {sorted(external) or '-'}")
    banned_ours, banned_external = FORBIDDEN.get(product["name"], (set(), set()))
    bad = (ours if "*" in banned_ours else ours & banned_ours) | (external if "*" in banned_external else external & banned_external)
    bad |= {name for name, owner in OWNED.items() if name in external and product["name"] != owner}
    if bad:
        failures.append(f"{product['name']} must not depend on {sorted(bad)}")
for failure in failures:
    print("dependency-arrows:", failure, file=sys.stderr)
sys.exit(1 if failures else 0)
