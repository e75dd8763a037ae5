"""A real uvicorn process serving the app on 127.0.0.1, for concurrency and crash tests, plus
an httpx juror that logs in and casts through the JSON API."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx

from awards.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, settings: Settings, var_dir: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "AWARDS_DATABASE_URL": settings.database_url,
            "AWARDS_BASE_URL": self.url,
            "AWARDS_SECRET_KEY": settings.secret_key,
            "AWARDS_COOKIE_SECURE": "false",
            "AWARDS_VAR_DIR": str(var_dir),
            "AWARDS_ARGON2_TIME_COST": str(settings.argon2.time_cost),
            "AWARDS_ARGON2_MEMORY_KIB": str(settings.argon2.memory_kib),
            "AWARDS_ARGON2_PARALLELISM": str(settings.argon2.parallelism),
            "AWARDS_LOGIN_MAX_ADDRESS_FAILURES": str(settings.login_max_address_failures),
        }
        self.workers = workers
        self.log_path = var_dir / "uvicorn.log"
        self.process: subprocess.Popen | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> "Server":
        self._log = self.log_path.open("ab")
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "awards.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--log-level",
            "warning",
            "--no-access-log",
            "--no-proxy-headers",  # as the README runs it: X-Forwarded-For is not believed
            "--timeout-keep-alive",
            "120",  # the clients log in long before they cast
        ]
        self.process = subprocess.Popen(
            command, env=self.env, stdout=subprocess.DEVNULL, stderr=self._log
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/login", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("uvicorn did not start: " + self.log_path.read_text()[-2000:])

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, as in a power cut."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self._close_log()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


async def juror_client(base_url: str, email: str, password: str) -> httpx.AsyncClient:
    """A logged-in juror's client; its CSRF header is set for the JSON API."""
    client = httpx.AsyncClient(base_url=base_url, timeout=60)
    await client.get("/juror/login")
    token = client.cookies["csrftoken"]
    response = await client.post(
        "/juror/login", data={"username": email, "password": password, "_csrf_token": token}
    )
    if response.status_code != 303:
        await client.aclose()
        raise RuntimeError(f"login failed: {response.status_code}")
    client.headers["x-csrftoken"] = token
    return client
