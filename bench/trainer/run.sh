#!/usr/bin/env bash
# Training throughput of prismx's P-DPO step vs TRL's DPOTrainer on the same tiny model and pairs.
# A benchmark, not a test: prints both figures and the ratio. Usage: bench/trainer/run.sh [bench.py flags]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
py="$root/trainer/.venv/bin/python"
[ -x "$py" ] || { echo "trainer venv missing: run node scripts/bootstrap.mjs --with-trainer" >&2; exit 1; }
"$py" -m pip install --quiet --disable-pip-version-check -r "$root/bench/trainer/requirements-peer.txt" -c "$root/trainer/requirements.txt"
exec "$py" "$root/bench/trainer/bench.py" "$@"
