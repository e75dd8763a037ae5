"""The wheel is whole (issue 10): built from this tree and installed into a fresh venv that sees
the project's dependencies but not its source tree, it migrates a database and serves the login
page in Chinese. Before, `templates/` (kept at the top level of the repository) and the Alembic
script template were left out of the wheel, so only a source checkout could render a page.

Offline: the wheel is built without build isolation, by the setuptools the test lock installs."""

import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import ROOT
from tests.server import free_port

pytestmark = pytest.mark.wheel

# pip builds a local folder in place, and setuptools never empties build/: a stale copy there of a
# file since removed would slip into the wheel. The tree is copied without what is not the source.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "var", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)


def _run(*command: str | Path, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, work / "source", ignore=NOT_SOURCE)
    _run(
        sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
        "--no-build-isolation", "--wheel-dir", work / "dist", work / "source",
    )  # fmt: skip
    (built,) = (work / "dist").glob("awards-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the wheel; the project venv's site-packages, where the dependencies
    are, is added to its path by a .pth file (the .pth files there, the editable install's
    among them, are not run: only a venv's own site-packages has its .pth files run)."""
    venv = tmp_path_factory.mktemp("venv")
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
         "--no-index", wheel)  # fmt: skip
    site_packages = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    dependencies = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    pth = Path(site_packages.stdout.strip()) / "project-dependencies.pth"
    pth.write_text("".join(f"{path}\n" for path in sorted(dependencies)))
    return venv


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWARDS_", "PYTHON"))}
    return env | {
        "AWARDS_VAR_DIR": str(tmp_path / "var"),
        "AWARDS_COOKIE_SECURE": "false",
    }


def test_the_source_tree_is_not_importable_in_the_venv(installed: Path, tmp_path: Path):
    """Else the test could pass on files the wheel lacks."""
    probe = "import awards, sys; print(awards.__file__); print(*sys.path, sep='\\n')"
    done = _run(installed / "bin" / "python", "-c", probe, cwd=tmp_path)
    package, *path = done.stdout.splitlines()
    assert Path(package).is_relative_to(installed)
    assert not [entry for entry in path if entry and Path(entry).resolve() == ROOT]


def test_the_wheel_holds_every_file_of_the_package_and_the_pages(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        f"awards/{path.relative_to(ROOT / 'awards')}" for path in _files(ROOT / "awards")
    } | {
        f"awards/templates/{path.relative_to(ROOT / 'templates')}"
        for path in _files(ROOT / "templates")
    }
    assert sorted(expected - names) == []


def _files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            yield path


def test_a_wheel_install_migrates_and_serves_the_login_page(
    installed: Path, environment: dict[str, str], tmp_path: Path
):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment["AWARDS_BASE_URL"] = url
    _run(installed / "bin" / "awards", "db", "upgrade", env=environment, cwd=tmp_path)
    log = (tmp_path / "uvicorn.log").open("wb")
    server = subprocess.Popen(
        [installed / "bin" / "python", "-m", "uvicorn", "awards.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--no-proxy-headers"],
        env=environment, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        page = _get(url, "/login", server, tmp_path / "uvicorn.log")
        style = _get(url, "/static/app.css", server, tmp_path / "uvicorn.log")
        booth = _get(url, "/static/booth/sealed.js", server, tmp_path / "uvicorn.log")
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
    served = (tmp_path / "uvicorn.log").read_text()
    assert page.status_code == 200, served[-3000:]
    assert "工作人员登录" in page.text
    assert 'lang="zh-CN"' in page.text
    assert style.status_code == 200
    # The booth's modules (issue 13), a folder below static/: the package data names it too.
    assert booth.status_code == 200
    assert "javascript" in booth.headers["content-type"]


def _get(url: str, path: str, server: subprocess.Popen, log: Path) -> httpx.Response:
    """The first answer, once uvicorn listens."""
    deadline = time.monotonic() + 60
    while server.poll() is None and time.monotonic() < deadline:
        try:
            return httpx.get(url + path, timeout=10)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"uvicorn did not answer: {log.read_text()[-3000:]}")
