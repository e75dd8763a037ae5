"""The lock files are in step with pyproject.toml (issue 10): every dependency it names, in the
extras each lock holds, is pinned with hashes at a version within its bounds, and so is what its
own extras (`litestar[jinja]`, `uvicorn[standard]`...) bring. `scripts/lock` writes them; the
README's two commands install them (`scripts/_venv.sh`)."""

import importlib.metadata
import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# As scripts/lock compiles them: the suite needs every extra, serving the database driver and
# the fast counting.
EXTRAS = {
    "serve": ("postgresql", "fast"),
    "test": ("test", "postgresql", "fast", "browser", "crosscheck"),
}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(\S+) \\$", re.M)


def _pins(lock: str) -> dict[str, str]:
    """name -> version; each pin must carry at least one hash."""
    text = (ROOT / "requirements" / f"{lock}.txt").read_text()
    pins = {}
    for block in re.split(r"\n(?=\S)", text):
        if match := PIN.match(block):
            assert "--hash=sha256:" in block, f"{lock}.txt pins {match[1]} without a hash"
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def _required(lock: str) -> list[Requirement]:
    project = PYPROJECT["project"]
    named = [*project["dependencies"], *PYPROJECT["build-system"]["requires"]]
    for extra in EXTRAS[lock]:
        named += project["optional-dependencies"][extra]
    return [Requirement(text) for text in named]


def test_every_extra_is_in_the_test_lock():
    assert set(PYPROJECT["project"]["optional-dependencies"]) == set(EXTRAS["test"])


@pytest.mark.parametrize("lock", sorted(EXTRAS))
def test_every_dependency_is_pinned_within_its_bounds(lock: str):
    pins = _pins(lock)
    for requirement in _required(lock):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not pinned in requirements/{lock}.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements/{lock}.txt pins {name}=={pins[name]}, outside {requirement}"
        )


@pytest.mark.parametrize("lock", sorted(EXTRAS))
def test_what_the_extras_of_a_dependency_bring_is_pinned(lock: str):
    """Read from the metadata of the installed distributions, which are the pinned ones."""
    pins = _pins(lock)
    for requirement in _required(lock):
        name = canonicalize_name(requirement.name)
        installed = importlib.metadata.version(name)
        assert installed == pins[name], f"{name} {installed} installed: run ./scripts/test again"
        for extra in requirement.extras:
            for needed in map(Requirement, importlib.metadata.requires(name) or []):
                if needed.marker and needed.marker.evaluate({"extra": extra}):
                    assert canonicalize_name(needed.name) in pins, (
                        f"{requirement} needs {needed.name}, not pinned in {lock}.txt"
                    )


def test_serving_runs_the_versions_the_suite_tests():
    serve, test = _pins("serve"), _pins("test")
    assert {name: test.get(name) for name in serve} == serve
