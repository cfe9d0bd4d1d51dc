# mtuguard — `make demo` runs the linter on the shipped examples; `make test` runs everything.
# Tools the tests need are installed on demand and cached under bin/ (git-ignored).
SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/bin
export GOFLAGS ?= -buildvcs=false

.PHONY: all build demo test unit vet fmt-check
all: build

build: ## the mtuguard binary, in bin/
	$(GO) build -o $(BIN)/mtuguard ./cmd/mtuguard

demo: build ## lint the example platform repository (exits 1: it has real problems)
	@echo "== mtuguard lint testdata/examples (config: testdata/examples/.mtuguard.yaml)"
	@cd testdata/examples && $(BIN)/mtuguard lint . ; status=$$?; \
	  echo "== exit status $$status (1 = error findings, as expected for these examples)"; \
	  [ $$status -eq 1 ]

test: fmt-check vet unit ## everything CI runs

unit:
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
