# Sourced by the scripts: make sure .venv exists and holds the pins of a lock file
# (requirements/NAME.txt, written by scripts/lock) and the project itself. Installs again only
# when the lock file, pyproject.toml or setup.py changes, so a second start is instant.

make_venv() {
  local python
  [ -x .venv/bin/python ] && return
  for python in python3.11 python3 python; do
    if command -v "$python" >/dev/null 2>&1 &&
       "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      break
    fi
    python=""
  done
  if [ -z "$python" ]; then
    echo "Python 3.11 or newer is needed (python3.11 or python3 on PATH)." >&2
    exit 1
  fi
  "$python" -m venv .venv
}

ensure_venv() {
  local name="$1" lock="requirements/$1.txt" stamp
  make_venv
  stamp=".venv/.installed-$name-$(cat "$lock" pyproject.toml setup.py | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    echo "Installing $lock and the project into .venv (first run only)..." >&2
    .venv/bin/python -m pip install --quiet --require-hashes -r "$lock" >&2
    # The dependencies are those just pinned; the build backend too (the lock pins setuptools),
    # so nothing unpinned is fetched.
    .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e . >&2
    rm -f ".venv/.installed-$name-"*
    touch "$stamp"
  fi
}
