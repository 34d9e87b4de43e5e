# mailroute: run `make run` to trace the samples, `make test` to run the tests.
GO       ?= go
BIN      ?= bin/mailroute
CORPUS   ?= ../shared/corpus
FUZZTIME ?= 10s
PKGS      = ./...

.PHONY: all build run test check fuzz bench bench-scan pgo accuracy operators filters clean

all: check test build

build:
	$(GO) build -o $(BIN) ./cmd/mailroute

## run: trace every sample message (table output)
run:
	$(GO) run ./cmd/mailroute trace --format table samples/

## test: unit, golden, CLI and seed-corpus fuzz tests
test:
	$(GO) test -count=1 $(PKGS)
	$(GO) test -count=1 -race ./pipeline/... ./cli/... ./mailbox/... ./geo/... ./resolver/...

## check: formatting and vet
check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

## fuzz: run every fuzz target for FUZZTIME each
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$t"; $(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) $$pkg; \
	  done; done

## bench: Go benchmarks of the hot paths
bench:
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)

## bench-scan: scan a generated >= 1 GiB mailbox and compare with grep
bench-scan:
	./scripts/bench-scan.sh $(SIZE)

## pgo: regenerate cmd/mailroute/default.pgo (profile-guided optimisation) from a scan
pgo:
	./scripts/pgo.sh $(SIZE)

## accuracy: parser accuracy against a corpus laid out like ../shared/corpus
accuracy:
	$(GO) run ./tools/accuracy -corpus $(CORPUS)

## operators: how often one company splits into several organisations, before and after the operators table
operators:
	$(GO) run ./tools/operators -corpus $(CORPUS)

## filters: filtering evidence read per header family, on a corpus like ../shared/corpus
filters:
	$(GO) run ./tools/filters -corpus $(CORPUS)

clean:
	rm -rf bin
