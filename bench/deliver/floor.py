"""The floor of bench/deliver: bare urllib3 POSTs (keep-alive, one pool per thread) of a JSON
body as large as an order, each with its own Idempotency-Key, to the same sink — what sending
costs with no database, no composing and no recording. One process of ``threads`` threads;
prints its requests per second.

    python bench/deliver/floor.py URL REQUESTS THREADS BYTES
"""

from __future__ import annotations

import json
import sys
import threading
import time

import urllib3


def main() -> None:
    url, total, threads, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    body = json.dumps({"html": "x" * size}).encode()
    each = total // threads

    def send(t: int) -> None:
        pool = urllib3.PoolManager(retries=False)
        for i in range(each):
            r = pool.request(
                "POST",
                url,
                body=body,
                headers={"Content-Type": "application/json", "Idempotency-Key": f"floor:{t}:{i}"},
            )
            assert r.status == 200, r.status

    pool = [threading.Thread(target=send, args=(t,)) for t in range(threads)]
    t0 = time.perf_counter()
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    print(round(each * threads / (time.perf_counter() - t0), 1))


if __name__ == "__main__":
    main()
