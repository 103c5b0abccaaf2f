#!/usr/bin/env bash
# scripts/test.sh is `make test` after install: vet, every package's tests,
# the concurrent packages again under the race detector, and a short smoke run
# of every Fuzz target. Each step prints its wall time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH=/usr/local/go/bin:$PATH

RACE_PKGS=${RACE_PKGS:-"./store/... ./dialog/... ./web/..."}
FUZZ_SMOKE=${FUZZ_SMOKE:-0} # e.g. 3s: a short run of every Fuzz target (their seeds always run as tests)

# step runs one step and records its failure; every step runs, so one
# failing package does not hide the others' results.
failed=()
step() {
	local name=$1 start
	shift
	start=$(date +%s)
	echo "==> $name: $*"
	if "$@"; then
		echo "==> $name: ok in $(($(date +%s) - start))s"
	else
		echo "==> $name: FAILED in $(($(date +%s) - start))s"
		failed+=("$name")
	fi
}

total=$(date +%s)
step vet go vet ./...
# shellcheck disable=SC2086 # RACE_PKGS is a list of patterns
race_pkgs=$(go list $RACE_PKGS 2>/dev/null || true)
step unit go test -count=1 ./...
if [ -n "$race_pkgs" ]; then
	# -short: the race run skips the long end-to-end tests (real-time calls,
	# browsers, sipp) that the unit step has just run; it is about the
	# concurrent code paths, which the short tests cover.
	# shellcheck disable=SC2086
	step race go test -count=1 -race -short $race_pkgs
fi
if [ "$FUZZ_SMOKE" != "0" ]; then
	step fuzz-smoke scripts/fuzz.sh "$FUZZ_SMOKE"
fi
if [ "${#failed[@]}" -gt 0 ]; then
	echo "==> FAILED: ${failed[*]} (after $(($(date +%s) - total))s)"
	exit 1
fi
echo "==> all tests passed in $(($(date +%s) - total))s"
