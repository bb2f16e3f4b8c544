#!/usr/bin/env bash
# Runs every test: a GCC build with every test (unit, black-box, differential,
# link graph, find_package consumer), a Clang build with every test, and an
# ASan+UBSan build of the unit tests. With CI=true (or --install) it installs
# the dependencies first.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${CI:-}" = "true" ] || [ "${1:-}" = "--install" ]; then
  ./scripts/install-deps.sh
fi

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/kora-ccache}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
# Paths relative to the checkout in the cache keys: another clone or worktree
# of the project hits the same entries.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"

start=$(date +%s)
for workflow in gcc-release clang-release asan tsan; do
  echo "=== cmake --workflow --preset $workflow ($(( $(date +%s) - start ))s elapsed)"
  cmake --workflow --preset "$workflow"
done
echo "=== all test workflows passed in $(( $(date +%s) - start ))s"
