# callbee — `make run` serves the bot on :8080, `make test` runs every test.
# Both install what is missing first (scripts/install.sh is idempotent).

SHELL := /usr/bin/env bash
# Find the Go that scripts/install.sh installs even when PATH lacks it.
export PATH := /usr/local/go/bin:$(PATH)

GO        ?= go
BIN       := bin/callbee
ADDR      ?= :8080
DEMO_SHOP ?= ../shared/demo-shop/shop.yaml
# Packages with real concurrency, tested again under the race detector.
RACE_PKGS ?= ./store/... ./dialog/... ./web/... ./tts/... ./media/... ./asr ./asr/google/... ./telephony/...
# Time per Fuzz target in `make fuzz`. `make test` runs the targets' seed
# corpora as tests; `make test FUZZ_SMOKE=3s` adds a short fuzzing run of each.
FUZZTIME   ?= 30s
FUZZ_SMOKE ?= 0

VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: all install build run test vet unit race fuzz-smoke fuzz bench clean

all: build

install:
	@scripts/install.sh

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/callbee

run: install build
	$(BIN) serve --addr $(ADDR) --shop examples/starter-shop.yaml $(if $(wildcard $(DEMO_SHOP)),--shop $(DEMO_SHOP))

test: install
	@FUZZ_SMOKE='$(FUZZ_SMOKE)' RACE_PKGS='$(RACE_PKGS)' scripts/test.sh

vet:
	$(GO) vet ./...

unit:
	$(GO) test ./...

race:
	$(GO) test -race $(RACE_PKGS)

fuzz-smoke:
	@scripts/fuzz.sh 3s

fuzz:
	@scripts/fuzz.sh $(FUZZTIME)

bench: build
	$(GO) test -bench=. -benchmem -run='^$$' ./...
	$(BIN) bench --shop $(if $(wildcard $(DEMO_SHOP)),$(DEMO_SHOP),examples/starter-shop.yaml)

clean:
	rm -rf bin artifacts
