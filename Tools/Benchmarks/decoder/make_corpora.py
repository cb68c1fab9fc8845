#!/usr/bin/env python3
"""Writes the decoder benchmark's three corpora into the folder given as argument.

A: 1,000,000 small events `id: N / event: tick / data: {"n":N,"v":"xxxxxxxx"}`.
B: 100,000 events of 10 data lines of 100 bytes each.
C: 200,000 events with CRLF line ends, a comment before each event and one between its two
   data lines, and a comment-only block every 10th event.
"""
import os
import sys

folder = sys.argv[1]
os.makedirs(folder, exist_ok=True)

with open(os.path.join(folder, "a-small.sse"), "w", newline="") as f:
    f.writelines(f'id: {n}\nevent: tick\ndata: {{"n":{n},"v":"xxxxxxxx"}}\n\n' for n in range(1_000_000))

line = "y" * 94
with open(os.path.join(folder, "b-multiline.sse"), "w", newline="") as f:
    for n in range(100_000):
        f.write(f"id: {n}\n")
        f.writelines(f"data: {n % 10}{line[:93]}\n" for _ in range(10))
        f.write("\n")

with open(os.path.join(folder, "c-crlf-comments.sse"), "w", newline="") as f:
    for n in range(200_000):
        f.write(f": before {n}\r\nid: {n}\r\ndata: first line of {n}\r\n: between\r\ndata: second line\r\n\r\n")
        if n % 10 == 9:
            f.write(": comment-only block\r\n\r\n")
