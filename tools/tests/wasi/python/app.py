"""A WASI 0.2 command in Python, made into a component by componentize-py
(tools/tests/wasi_python.rs): arguments, environment, a file written and
read back in a preopened directory, a directory listing, hashing, JSON,
randomness and clocks (fixed by cm-run's --seed and --deterministic), two
paths outside the sandbox, a connection the host refuses (it grants no
network), and sys.exit with the status given."""

import hashlib
import json
import os
import random
import socket
import sys
import time

from wit_world import exports


class Run(exports.Run):
    def run(self) -> None:
        print("argv", sys.argv[1:])
        print("env", os.environ.get("GREETING"), "PATH" in os.environ)
        data = {"squares": [i * i for i in range(8)], "name": "cmref"}
        with open("/data/out.json", "w") as f:
            json.dump(data, f, sort_keys=True)
        with open("/data/out.json") as f:
            print("read back", json.load(f) == data)
        print("listing", sorted(os.listdir("/data")))
        print("sha256", hashlib.sha256(b"cmref").hexdigest())
        print("random", random.getrandbits(64))
        print("time", time.time(), time.monotonic())
        for path in ["/etc/passwd", "/data/../etc/passwd"]:
            try:
                open(path)
                print("outside", path, "opened")
            except OSError as e:
                print("outside", path, type(e).__name__)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.connect(("127.0.0.1", 80))
            print("network connected")
        except OSError as e:
            print("network", type(e).__name__)
        sys.stdout.flush()
        sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
