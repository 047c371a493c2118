"""local/moto_server.py: the local AWS endpoint applies one API call at a time."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from local.moto_server import Serialized

DDB = "DynamoDB_20120810.TransactWriteItems"


def test_calls_never_overlap_and_bodies_are_produced_inside_the_lock():
    state = {"inside": 0, "max": 0}
    guard = threading.Lock()

    def app(environ, start_response):
        with guard:
            state["inside"] += 1
            state["max"] = max(state["max"], state["inside"])
        start_response("200 OK", [])
        time.sleep(0.01)
        yield b"part-1"
        time.sleep(0.01)  # a lazily produced body still counts as inside the call
        with guard:
            state["inside"] -= 1
        yield environ["PATH_INFO"].encode()

    wsgi = Serialized(app)
    with ThreadPoolExecutor(max_workers=8) as pool:
        bodies = list(pool.map(lambda i: wsgi({"PATH_INFO": f"/{i}", "HTTP_X_AMZ_TARGET": DDB},
                                              lambda *a: None), range(24)))
    assert state["max"] == 1
    assert bodies[5] == [b"part-1", b"/5"]


def test_other_services_stay_concurrent():
    barrier = threading.Barrier(2, timeout=2)

    def app(environ, start_response):
        barrier.wait()  # both calls must be inside at once, or this times out
        start_response("200 OK", [])
        return [b"ok"]

    wsgi = Serialized(app)
    with ThreadPoolExecutor(max_workers=2) as pool:
        out = list(pool.map(lambda i: wsgi({"HTTP_X_AMZ_TARGET": "AmazonSQS.ReceiveMessage"}, lambda *a: None),
                            range(2)))
    assert out == [[b"ok"], [b"ok"]]
