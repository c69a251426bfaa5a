"""Headless Chromium driven over the DevTools protocol (no WebDriver, no extra Python package).

Chromium is the Debian package (`apt-get install chromium`). Its DevTools endpoint listens on
127.0.0.1 on a port Chromium picks and writes to `<user data dir>/DevToolsActivePort`; the protocol
is JSON over a WebSocket (`websockets`, already installed with Dagster's webserver).
"""

import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import requests
from websockets.sync.client import ClientConnection, connect

# Without the background-networking flags Chromium waits on services it cannot reach on a closed network.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
    "--window-size=1600,1000",
]


def chromium_path() -> str | None:
    """The Chromium executable on PATH, if any."""
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


class Chromium:
    """One headless Chromium with a fresh profile, and one page driven through DevTools."""

    def __init__(self, executable: str, profile_dir: Path):
        self.executable = executable
        self.profile_dir = profile_dir
        self.process: subprocess.Popen | None = None
        self.page: ClientConnection | None = None
        self._ids = itertools.count(1)
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> "Chromium":
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [self.executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile_dir}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        port = self._devtools_port(timeout=60)
        targets = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        page = next(t for t in targets if t["type"] == "page")
        self.page = self._stack.enter_context(connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=30))
        self.send("Page.enable")
        return self

    def _devtools_port(self, timeout: float) -> int:
        marker = self.profile_dir / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.process.returncode}")
            if marker.is_file() and marker.read_text().strip():
                return int(marker.read_text().splitlines()[0])
            time.sleep(0.2)
        raise RuntimeError(f"chromium wrote no DevTools port in {timeout:.0f} s")

    def send(self, method: str, **params: Any) -> dict:
        """Sends one DevTools command and returns its result (events in between are ignored)."""
        message_id = next(self._ids)
        self.page.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.page.recv(timeout=60))
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def navigate(self, url: str) -> None:
        """Opens `url` in the page."""
        self.send("Page.navigate", url=url)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def press(self, key: str, code: str, modifiers: int = 0) -> None:
        """Presses and releases one key (`modifiers`: 1 Alt, 2 Ctrl, 4 Meta, 8 Shift)."""
        for kind in ("rawKeyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", type=kind, modifiers=modifiers, key=key, code=code,
                      windowsVirtualKeyCode=ord(key.upper()))

    def screenshot(self, path: Path) -> bytes:
        """Saves a PNG of the page to `path` and returns its bytes."""
        data = base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return data

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
