#!/usr/bin/env python3
"""Client throughput against Go: swift-sse's `EventSource` and the Go eventsource package.

Usage: Tools/Benchmarks/go-client/run.py [--events N] [--runs N]   (defaults 1,000,000 and 5)

`sse-bench client` compares clients with a plain socket read of the same stream. This script
adds, on the same machine and in the same run, github.com/donovanhide/eventsource: the Go
package LaunchDarkly's eventsource was forked from (its `Stream` is the client whose API swift-sse
ports). A server in this script writes the prebuilt body with one `sendall` per connection, so
its cost is the kernel's; three whole-process clients read every event, alternating: the plain
socket read (`sse-bench client-run --mode floor`), `EventSource` in a detached task
(`--mode detached`) and the Go client. It prints each run, then the best events/s of each client
and the ratios, with a JSON summary as the last line.

Needs Go and the package; as root it installs them with apt-get (`golang-go`,
`golang-github-donovanhide-eventsource-dev`).
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import threading

root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
here = os.path.dirname(os.path.abspath(__file__))
gopath = "/usr/share/gocode"
package = os.path.join(gopath, "src", "github.com", "donovanhide", "eventsource")

parser = argparse.ArgumentParser()
parser.add_argument("--events", type=int, default=1_000_000)
parser.add_argument("--runs", type=int, default=5)
args = parser.parse_args()

if shutil.which("go") is None or not os.path.isdir(package):
    if os.geteuid() != 0:
        sys.exit("needs Go and golang-github-donovanhide-eventsource-dev (apt-get install as root)")
    subprocess.run(["apt-get", "install", "-y", "-q", "golang-go", "golang-github-donovanhide-eventsource-dev"],
                   check=True, stdout=subprocess.DEVNULL)

scratch = os.path.join(root, ".build-release")
build = subprocess.run(["swift", "build", "--quiet", "-c", "release", "--product", "sse-bench",
                        "--scratch-path", scratch], cwd=root, capture_output=True, text=True)
if build.returncode != 0:
    sys.exit(build.stdout + build.stderr)
bench = os.path.join(scratch, "release", "sse-bench")
goclient = os.path.join(root, ".build-go", "goclient")
os.makedirs(os.path.dirname(goclient), exist_ok=True)
subprocess.run(["go", "build", "-o", goclient, os.path.join(here, "main.go")], check=True,
               env=dict(os.environ, GO111MODULE="off", GOPATH=gopath))

# The same events as `sse-bench client` streams.
body = b"".join(b'id: %d\nevent: tick\ndata: {"n":%d,"v":"xxxxxxxx"}\n\n' % (n, n) for n in range(1, args.events + 1))
# Built once: joining head and body per request would copy the whole body inside the clients' time.
response = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: %d\r\n\r\n" % len(body) + body
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(16)
port = listener.getsockname()[1]


def serve(connection):
    """Reads the request head, then writes the whole response and closes."""
    with connection, connection.makefile("rb") as request:
        for line in request:
            if line == b"\r\n":
                break
        else:
            return  # the connection closed before the head ended
        try:
            connection.sendall(response)
        except OSError:
            pass  # the client closed once it had every event it wanted


def accept():
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=serve, args=(connection,), daemon=True).start()


threading.Thread(target=accept, daemon=True).start()

clients = {
    "floor": [bench, "client-run", "--mode", "floor", "--port", str(port), "--events", str(args.events)],
    "detached": [bench, "client-run", "--mode", "detached", "--port", str(port), "--events", str(args.events)],
    "go": [goclient, str(port), str(args.events)],
}
best = {name: 0.0 for name in clients}
least_cpu = {name: float("inf") for name in clients}
for run in range(1, args.runs + 1):
    for name, command in clients.items():
        line = subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        parts = line.split()
        if len(parts) != 4 or parts[0] != "done" or int(parts[1]) != args.events:
            sys.exit(f"the {name} client reported {line!r}, expected {args.events} events")
        rate = args.events / (int(parts[2]) / 1e9)
        cpu = int(parts[3]) / args.events
        print(f"run {run} {name}: {rate / 1e6:.2f} M events/s, {cpu:.0f} ns CPU per event", flush=True)
        best[name] = max(best[name], rate)
        least_cpu[name] = min(least_cpu[name], cpu)

print(json.dumps({
    "events": args.events,
    **{f"{name}_events_per_second": round(rate) for name, rate in best.items()},
    **{f"{name}_cpu_ns_per_event": round(cpu) for name, cpu in least_cpu.items()},
    "detached_to_floor": round(best["detached"] / best["floor"], 3),
    "go_to_floor": round(best["go"] / best["floor"], 3),
    "detached_to_go": round(best["detached"] / best["go"], 2),
}))
