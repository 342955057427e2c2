#!/usr/bin/env python3
"""A minimal tailcast client (docs/protocol.md) on the websockets library.

    pip install websockets && python3 client.py ws://127.0.0.1:8080/ws
"""
import asyncio, json, random, sys
from urllib.parse import urlencode

import websockets


def log(s):
    print(f"tailcast: {s}", file=sys.stderr, flush=True)


class Client:
    def __init__(self, base, **filter):
        self.base, self.filter = base, filter  # also what every reconnect asks for
        self.cursor = None  # of the last entry processed
        self.ws, self.backoff = None, 1.0

    async def set_filter(self, **filter):
        """Changes the filter without reconnecting."""
        self.filter = filter
        if self.ws:
            try:
                await self.ws.send(json.dumps({"type": "filter", **filter}))
            except websockets.ConnectionClosed:
                pass  # the reconnect asks for the new filter

    def handle(self, m):
        t = m["type"]
        if t == "hello":
            self.backoff = 1.0
            log(f"connected: protocol {m['version']}, {m['server']}")
        elif t == "entry":
            self.cursor = m["cursor"]
            fields = " " + json.dumps(m["fields"]) if "fields" in m else ""
            print(f"{m['ts']} {m['level']:5} {m['service']}: {m['msg']}{fields}", flush=True)
        elif t == "gap":
            log(f"gap: {m['missed']} entries no longer held by the server")
        elif t == "dropped":
            log(f"dropped: the server skipped {m['count']} entries (reading too slowly)")
        elif t == "error":
            log(f"filter refused: {m['error']}")

    async def run(self):
        while True:
            asked = self.filter
            query = {**asked, **({"since": self.cursor} if self.cursor else {})}
            try:
                # A frame may be larger than websockets' 1 MiB default.
                async with websockets.connect(f"{self.base}?{urlencode(query)}", max_size=16 << 20) as ws:
                    self.ws = ws
                    if self.filter is not asked:  # changed while connecting
                        await self.set_filter(**self.filter)
                    async for frame in ws:
                        for line in frame.split("\n"):
                            if line:
                                self.handle(json.loads(line))
                    why = f"closed ({ws.close_code})"
            except (OSError, websockets.WebSocketException) as e:
                why = str(e) or type(e).__name__
            finally:
                self.ws = None
            wait = random.uniform(self.backoff / 2, self.backoff)  # exponential backoff with jitter
            self.backoff = min(self.backoff * 2, 30.0)
            log(f"{why}, reconnecting in {wait:.1f} s")
            await asyncio.sleep(wait)


async def main():
    client = Client(sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:8080/ws", service="api", level="warn")
    runner = asyncio.create_task(client.run())
    await asyncio.sleep(10)  # e.g. from a UI: narrow to errors
    log("filter: service=api level=error")
    await client.set_filter(service="api", level="error")
    await runner


asyncio.run(main())
