"""A fast HTTP/1.1 sink for bench/deliver (asyncio, keep-alive): answers every POST with 200 and
counts requests and distinct Idempotency-Keys; ``GET /stats`` returns the counts. Prints its port."""

from __future__ import annotations

import asyncio
import json
import sys


class Stats:
    requests = 0
    keys: set[str] = set()  # noqa: RUF012 - one process, one sink
    bytes = 0


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method = lines[0].split(" ", 1)[0]
            headers = {
                k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)
            }
            length = int(headers.get("content-length", "0"))
            if length:
                await reader.readexactly(length)
            if method == "GET":
                body = json.dumps(
                    {
                        "requests": Stats.requests,
                        "distinct_keys": len(Stats.keys),
                        "bytes": Stats.bytes,
                    }
                ).encode()
            else:
                Stats.requests += 1
                Stats.bytes += length
                Stats.keys.add(headers.get("idempotency-key", ""))
                body = b'{"errcode":0}'
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main() -> None:
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
