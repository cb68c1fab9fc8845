#!/usr/bin/env python3
"""Checks the front door of `sse serve` under connection floods, on 127.0.0.1 only.

Two scenarios, each against its own `sse-network serve` process:

exhaustion  The server runs under `ulimit -n 256`. A keep-alive client is served first; then
            300 connections send unfinished request heads, more than the server has descriptors
            for. The script reports the server's CPU while it is stuck, checks that the keep-alive
            client is still answered and that a new client is served within 15 s (once the request
            timeout, 10 s by default, has closed the unfinished heads), then closes 100 of them and
            checks that another new client is served.
hold        The server runs under `ulimit -n 4096`; 1,000 connections send unfinished request
            heads and stay open. The script reports the server's RSS before and after, and its CPU
            while they sit.

Build first: `swift build --product sse-network`. Usage:

    python3 Tools/frontdoor-check.py [--binary .build/debug/sse-network] [--serve-arg=--request-timeout --serve-arg=60]

Exits non-zero when a check fails. Every wait is bounded.
"""

import argparse
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import time

HOST = "127.0.0.1"
TICKS = os.sysconf("SC_CLK_TCK")
UNFINISHED_HEAD = b"GET /events HTTP/1.1\r\nHost: x\r\n"


def start_server(binary, fd_limit, extra):
    command = f"ulimit -n {fd_limit} && exec {binary} serve --port 0 " + " ".join(extra)
    process = subprocess.Popen(
        ["bash", "-c", command], stdin=subprocess.PIPE, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stderr.readline().decode()
        if not line:
            break
        match = re.search(r"serving http://127\.0\.0\.1:(\d+)/", line)
        if match:
            return process, int(match.group(1))
    process.kill()
    sys.exit("sse serve did not start")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def cpu_percent(pid, seconds):
    start, began = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return 100 * (cpu_seconds(pid) - start) / (time.monotonic() - began)


def accept_calls(pid, seconds):
    """How many times the server called accept in `seconds`, counted by strace when installed
    (a figure that does not depend on how busy the machine is), or None."""
    if not shutil.which("strace"):
        return None
    traced = subprocess.run(
        ["timeout", "-s", "INT", str(seconds), "strace", "-f", "-c", "-e", "trace=accept,accept4", "-p", str(pid)],
        capture_output=True, text=True,
    )
    calls = [int(line.split()[3]) for line in traced.stderr.splitlines()
             if line.split()[-1:] in (["accept"], ["accept4"]) and line.split()[3].isdigit()]
    return sum(calls)


def request(sock, path, timeout):
    """Sends a GET and returns the status line of the answer, or None when none came in time."""
    sock.settimeout(timeout)
    try:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
        length = re.search(rb"(?i)content-length: (\d+)", received)
        if length:
            body = received.split(b"\r\n\r\n", 1)[1]
            while len(body) < int(length.group(1)):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                body += chunk
        return received.split(b"\r\n", 1)[0].decode() if received else None
    except (socket.timeout, OSError):
        return None


def unfinished_heads(port, count):
    sockets = []
    for _ in range(count):
        sock = socket.create_connection((HOST, port), timeout=5)
        sock.sendall(UNFINISHED_HEAD)
        sockets.append(sock)
    return sockets


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def exhaustion(binary, extra):
    print("== exhaustion: ulimit -n 256, 300 unfinished request heads")
    process, port = start_server(binary, 256, extra)
    failures = []
    try:
        keeper = socket.create_connection((HOST, port), timeout=5)
        print(f"keep-alive client, first request: {request(keeper, '/', 5)}")
        print(f"server CPU before the flood: {cpu_percent(process.pid, 1):.0f}%")
        flood = unfinished_heads(port, 300)
        wait_for(lambda: open_fds(process.pid) >= 250, 10)
        print(f"server descriptors open: {open_fds(process.pid)} of 256")
        stuck = cpu_percent(process.pid, 3)
        print(f"server CPU while out of descriptors: {stuck:.0f}%")
        calls = accept_calls(process.pid, 2)
        if calls is not None:
            print(f"accept calls in 2 s while out of descriptors (strace): {calls}")
        if stuck > 20 or (calls or 0) > 100:
            failures.append(f"the server spins at {stuck:.0f}% CPU while out of descriptors")
        status = request(keeper, "/", 5)
        print(f"keep-alive client, request while out of descriptors: {status}")
        if status is None or " 200 " not in status + " ":
            failures.append("the keep-alive client was not answered while the server was out of descriptors")
        waiting = socket.create_connection((HOST, port), timeout=5)
        began = time.monotonic()
        status = request(waiting, "/", 15)
        print(f"new client while out of descriptors, nobody closing: {status} after {time.monotonic() - began:.1f} s")
        if status is None or " 200 " not in status + " ":
            failures.append("a new client stayed locked out: the unfinished heads never time out")
        for sock in flood[:100]:
            sock.close()
        newcomer = socket.create_connection((HOST, port), timeout=5)
        began = time.monotonic()
        status = request(newcomer, "/", 10)
        print(f"new client after 100 connections closed: {status} after {time.monotonic() - began:.1f} s")
        if status is None or " 200 " not in status + " ":
            failures.append("a new client was not served once descriptors were free")
        for sock in flood[100:] + [keeper, waiting, newcomer]:
            sock.close()
    finally:
        process.kill()
        process.wait()
    return failures


def hold(binary, extra):
    print("== hold: 1,000 connections with unfinished request heads")
    process, port = start_server(binary, 4096, extra)
    failures = []
    try:
        before = rss_kib(process.pid)
        print(f"server RSS before: {before / 1024:.1f} MiB")
        flood = unfinished_heads(port, 1000)
        if not wait_for(lambda: open_fds(process.pid) >= 1000, 20):
            failures.append("the server did not accept 1,000 connections")
        time.sleep(1)
        after = rss_kib(process.pid)
        print(f"server descriptors open: {open_fds(process.pid)}")
        print(f"server RSS with 1,000 unfinished heads: {after / 1024:.1f} MiB "
              f"({(after - before) / 1000:.1f} KiB per connection)")
        cpu = cpu_percent(process.pid, 5)
        print(f"server CPU while they sit: {cpu:.1f}%")
        for sock in flood:
            sock.close()
    finally:
        process.kill()
        process.wait()
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=".build/debug/sse-network")
    parser.add_argument("--serve-arg", action="append", default=[], help="an extra argument for sse serve")
    parser.add_argument("--scenario", choices=["exhaustion", "hold", "both"], default="both")
    arguments = parser.parse_args()
    if not os.access(arguments.binary, os.X_OK):
        sys.exit(f"{arguments.binary} is missing: swift build --product sse-network")
    # The script itself holds up to 1,000 sockets.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2048:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(2048, hard), hard))
    failures = []
    if arguments.scenario in ("exhaustion", "both"):
        failures += exhaustion(arguments.binary, arguments.serve_arg)
    if arguments.scenario in ("hold", "both"):
        failures += hold(arguments.binary, arguments.serve_arg)
    for failure in failures:
        print(f"FAILED: {failure}")
    print("all checks passed" if not failures else f"{len(failures)} checks failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
