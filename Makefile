# mtuguard — `make demo` runs the linter on the shipped examples; `make test` runs everything.
# Tools the tests need are installed on demand and cached under bin/ (git-ignored).
SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/bin
export GOFLAGS ?= -buildvcs=false

.PHONY: all build demo test unit vet fmt-check fmt generate e2e tools helm-diff lab lab-deps fuzz bench
all: build

build: ## the mtuguard binary, in bin/
	$(GO) build -o $(BIN)/mtuguard ./cmd/mtuguard

demo: build ## lint the example platform repository (exits 1: it has real problems)
	@echo "== mtuguard lint testdata/examples (config: testdata/examples/.mtuguard.yaml)"
	@cd testdata/examples && $(BIN)/mtuguard lint . ; status=$$?; \
	  echo "== exit status $$status (1 = error findings, as expected for these examples)"; \
	  [ $$status -eq 1 ]

test: fmt-check vet unit helm-diff lab e2e ## everything CI runs

unit:
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi

generate: ## regenerate policies/README.md from the rules' METADATA
	UPDATE_REFERENCE=1 $(GO) test -count=1 -run TestReferenceUpToDate ./policies

fmt: ## format Go and Rego
	gofmt -w $$(git ls-files '*.go')
	REGO_FMT=1 $(GO) test -count=1 -run TestRegoFormatted ./policies

# --- real parts for the webhook's end-to-end suite (DESIGN.md "Real parts") -------------
# kube-apiserver and kubectl are built from the Go module proxy in their own module
# (testdata/tools/kube), never in mtuguard's go.mod; etcd comes from Debian.
KUBE_TOOLS := testdata/tools/kube
tools: $(BIN)/kube-apiserver $(BIN)/kubectl $(BIN)/etcd

$(BIN)/kube-apiserver $(BIN)/kubectl: $(KUBE_TOOLS)/go.mod $(KUBE_TOOLS)/go.sum
	@echo "== building kube-apiserver and kubectl from k8s.io/kubernetes (takes ~8 minutes once; cached in bin/)"
	cd $(KUBE_TOOLS) && $(GO) build -o $(BIN)/ k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl
	@touch $(BIN)/kube-apiserver $(BIN)/kubectl

$(BIN)/etcd:
	@mkdir -p $(BIN)
	@if ! command -v etcd >/dev/null; then \
	  echo "== installing etcd-server from Debian"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null; \
	fi
	ln -sf "$$(command -v etcd)" $(BIN)/etcd

e2e: tools ## the webhook through a real kube-apiserver + etcd, with kubectl
	KUBEBUILDER_ASSETS=$(BIN) $(GO) test -count=1 -tags e2e -v ./webhook/e2e/ 2>&1 | grep -E '^(\s*--- |PASS|FAIL|ok|panic|\s+\S+_test.go)' ; exit $${PIPESTATUS[0]}

# --- the chart differential: Cilium's real chart rendered by real Helm (own module) ------
$(BIN)/helm-render: testdata/tools/helm/go.mod testdata/tools/helm/go.sum testdata/tools/helm/main.go
	cd testdata/tools/helm && $(GO) build -o $(BIN)/helm-render .

helm-diff: $(BIN)/helm-render ## mtuguard reads Helm values as the chart renders them
	HELM_RENDER=$(BIN)/helm-render $(GO) test -count=1 -tags helmdiff -run TestChartDifferential ./policies/

# --- the network-namespace lab: the byte budget against the Linux kernel -----------------
lab-deps:
	@for t in ip nft ethtool; do command -v $$t >/dev/null || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  echo "== installing iproute2, nftables, ethtool from Debian"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 nftables ethtool >/dev/null; \
	fi

lab: ## prove the safe pod MTU against the kernel (needs root; skipped with a message otherwise)
	@if [ "$$(id -u)" != 0 ]; then echo "== lab SKIPPED: it needs root for network namespaces (run make lab as root)"; exit 0; fi; \
	$(MAKE) --no-print-directory lab-deps && \
	MTUGUARD_LAB=1 $(GO) test -count=1 -v -run TestLab ./policies/lab/ 2>&1 | grep -vE '^=== (RUN|NAME)' ; exit $${PIPESTATUS[0]}

# --- fuzzing: each target for FUZZTIME; crashers land in the package's testdata/fuzz and
# belong, once fixed, in testdata/fuzz/<Target>/ as regression seeds ------------------------
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./lint/yamldoc
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./policies/userdata
	$(GO) test -run '^$$' -fuzz '^FuzzHelmValues$$' -fuzztime $(FUZZTIME) ./policies
	$(GO) test -run '^$$' -fuzz '^FuzzClassify$$' -fuzztime $(FUZZTIME) ./policies
	$(GO) test -run '^$$' -fuzz '^FuzzExpandApplicationSet$$' -fuzztime $(FUZZTIME) ./policies
	$(GO) test -run '^$$' -fuzz '^FuzzAdmission$$' -fuzztime $(FUZZTIME) ./webhook

# --- performance: one table, one run, this machine (see README "Performance") -----------
CONFTEST_VERSION := v0.71.1
$(BIN)/conftest:
	GOBIN=$(BIN) $(GO) install github.com/open-policy-agent/conftest@$(CONFTEST_VERSION)

bench: build $(BIN)/conftest ## lint throughput vs conftest, webhook latency vs a no-op webhook
	$(GO) test -run '^$$' -bench . -benchmem ./lint/yamldoc ./lint/bench ./policies ./webhook
	MTUGUARD_BIN=$(BIN)/mtuguard CONFTEST_BIN=$(BIN)/conftest $(GO) test -count=1 -timeout 15m -run TestBenchTable ./lint/bench/ -v 2>&1 | grep -E '^(\||mtuguard vs|Errors|- |ok|FAIL|---)'
