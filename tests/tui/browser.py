"""A headless Chromium driven over the DevTools protocol (with aiohttp, which
textual-serve brings): open a page, wait in real time, read its text, screenshot it."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import aiohttp

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run", "--disable-dev-shm-usage")


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


class Browser:
    def __init__(self, binary: str, size=(1300, 820), profile_parent: str | None = None) -> None:
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="chromium-", dir=profile_parent)
        self.process = subprocess.Popen(
            [binary, *FLAGS, f"--remote-debugging-port={self.port}", f"--user-data-dir={self.profile}",
             f"--window-size={size[0]},{size[1]}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.ids = itertools.count(1)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)

    async def visit(self, url: str, *, until: str, timeout: float = 60, screenshot: str | None = None,
                    shown=None) -> bool:
        """Open `url`, wait (in real time) until the JavaScript expression `until` is
        true, optionally save a PNG (taken again until `shown(path)` is true, within the
        same timeout: the page paints a moment after); returns whether both became true."""
        wait_for_http(f"http://127.0.0.1:{self.port}/json/version", 30)
        pages = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/list").read())
        target = next(p for p in pages if p["type"] == "page")["webSocketDebuggerUrl"]
        async with aiohttp.ClientSession() as session, session.ws_connect(target, max_msg_size=0) as ws:
            async def call(method: str, **params):
                number = next(self.ids)
                await ws.send_json({"id": number, "method": method, "params": params})
                async for message in ws:
                    data = json.loads(message.data)
                    if data.get("id") == number:
                        return data.get("result", {})

            await call("Page.enable")
            await call("Page.navigate", url=url)
            deadline = time.monotonic() + timeout
            done = False
            while time.monotonic() < deadline and not done:
                await asyncio.sleep(1)
                result = await call("Runtime.evaluate", expression=until, returnByValue=True)
                done = bool(result.get("result", {}).get("value"))
            if screenshot:
                while True:
                    shot = await call("Page.captureScreenshot", format="png")
                    with open(screenshot, "wb") as handle:
                        handle.write(base64.b64decode(shot["data"]))
                    if not done or shown is None or shown(screenshot):
                        break
                    if time.monotonic() > deadline:
                        return False
                    await asyncio.sleep(0.5)
            return done
