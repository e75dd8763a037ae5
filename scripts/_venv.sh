# Sourced by the scripts: make sure .venv exists and holds the project (with the given extras).
# Reinstalls only when pyproject.toml changes, so a second start is instant.
ensure_venv() {
  local extras="$1" python stamp
  if [ ! -x .venv/bin/python ]; then
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
  fi
  stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${extras:-base}"
  if [ ! -f "$stamp" ]; then
    echo "Installing the project into .venv (first run only)..." >&2
    .venv/bin/python -m pip install --quiet --upgrade pip >&2
    .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}" >&2
    rm -f .venv/.installed-*
    touch "$stamp"
  fi
}
