#!/usr/bin/env bash
# Create .venv (Python >= 3.11) and install Kataloh into it; EXTRAS=dev adds the test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Kataloh needs Python 3.11 or newer")'
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
if [ -n "${EXTRAS:-}" ]; then
  .venv/bin/python -m pip install --quiet -e ".[${EXTRAS}]"
else
  .venv/bin/python -m pip install --quiet -e .
fi
