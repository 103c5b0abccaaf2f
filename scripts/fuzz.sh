#!/usr/bin/env bash
# scripts/fuzz.sh [FUZZTIME] runs every Fuzz target in the module, one after
# another, for FUZZTIME each (default 30s). New crashers land in the package's
# testdata/fuzz/ and fail the run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH=/usr/local/go/bin:$PATH
fuzztime=${1:-30s}

n=0
while IFS= read -r file; do
	dir=./$(dirname "${file#./}")
	while IFS= read -r fn; do
		echo "--- fuzz $dir $fn ($fuzztime)"
		go test -run='^$' -fuzz="^${fn}\$" -fuzztime="$fuzztime" "$dir"
		n=$((n + 1))
	done < <(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$file")
done < <(grep -rl --include='*_test.go' '^func Fuzz' . | grep -v '/testdata/' | sort)
echo "fuzz: $n targets, $fuzztime each"
