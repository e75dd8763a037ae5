"""The test suite: tests by feature in folders named after awards/'s packages and ballots/,
the platform's tests and the shared helpers here."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The project's root: every test reads the project's files from here, never from beside it."""
DATA = ROOT / "tests" / "data"
