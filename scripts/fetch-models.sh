#!/usr/bin/env bash
# fetch-models.sh [DIR] — install the offline 8 kHz speech models (CMU Sphinx).
#
# Writes DIR/sphinx/en-us-8k and DIR/sphinx/zh-cn-8k (default DIR:
# ${CALLBEE_MODELS:-$HOME/.cache/callbee}). Idempotent. Copies them from
# ../shared/models when the checkout has it beside it; otherwise downloads the
# same files from the cmusphinx/pocketsphinx repository at the recorded commit
# (model/hmm/en_US/hub4wsj_sc_8k, model/hmm/zh/tdt_sc_8k,
# model/lm/zh_CN/mandarin_notone.dic; BSD-style licence, COPYING).
# 16 kHz English comes from Debian's pocketsphinx-en-us (install.sh).
set -euo pipefail

COMMIT=9e3a5ea6444eae9c0bae96ffa0a1fecadc181f1e
BASE="https://raw.githubusercontent.com/cmusphinx/pocketsphinx/$COMMIT"
HMM_FILES=(feat.params mdef means noisedict sendump transition_matrices variances)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-${CALLBEE_MODELS:-$HOME/.cache/callbee}}"
dest="$dir/sphinx"

complete() {
	local f
	for f in "${HMM_FILES[@]}"; do
		[[ -s "$dest/en-us-8k/$f" && -s "$dest/zh-cn-8k/$f" ]] || return 1
	done
	[[ -s "$dest/zh-cn-8k/mandarin_notone.dic" ]]
}

if complete; then
	echo "fetch-models: $dest is complete; nothing to do"
	exit 0
fi

mkdir -p "$dest"
shared="$root/../shared/models/sphinx"
if [[ -d "$shared/en-us-8k" && -d "$shared/zh-cn-8k" ]]; then
	echo "fetch-models: copying $shared to $dest"
	cp -R "$shared/en-us-8k" "$shared/zh-cn-8k" "$dest/"
	cp "$shared/COPYING" "$shared/README.md" "$dest/" 2>/dev/null || true
else
	echo "fetch-models: downloading from cmusphinx/pocketsphinx@$COMMIT"
	tmp="$(mktemp -d)"
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/en-us-8k" "$tmp/zh-cn-8k"
	for f in "${HMM_FILES[@]}"; do
		curl -fsSL "$BASE/model/hmm/en_US/hub4wsj_sc_8k/$f" -o "$tmp/en-us-8k/$f"
		curl -fsSL "$BASE/model/hmm/zh/tdt_sc_8k/$f" -o "$tmp/zh-cn-8k/$f"
	done
	curl -fsSL "$BASE/model/lm/zh_CN/mandarin_notone.dic" -o "$tmp/zh-cn-8k/mandarin_notone.dic"
	curl -fsSL "$BASE/LICENSE" -o "$tmp/COPYING" || true
	cp -R "$tmp/en-us-8k" "$tmp/zh-cn-8k" "$dest/"
	[[ -f "$tmp/COPYING" ]] && cp "$tmp/COPYING" "$dest/"
fi
complete || { echo "fetch-models: $dest is incomplete" >&2; exit 1; }
echo "fetch-models: installed $dest"
