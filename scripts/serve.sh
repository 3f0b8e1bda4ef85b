#!/usr/bin/env bash
# The run command: install Kataloh into .venv, create the embedded database (SQLite + the search index
# under ./instance) with demo data, and serve on http://127.0.0.1:5000
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-python.sh
.venv/bin/kataloh init --demo
echo "Kataloh: http://127.0.0.1:${PORT:-5000}  (staff login: see the lines above)"
exec .venv/bin/kataloh run --host 127.0.0.1 --port "${PORT:-5000}"
