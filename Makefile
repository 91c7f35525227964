# scattergather: `make run` runs a real job on this machine; `make test` runs every test.
GO            ?= go
BIN           := bin
ARTIFACTS_DIR ?= dist
SAMPLE        := testdata/generated/corpus.txt
RUN_OUTPUT    := out/wordcount.tsv
LAMBDA_BUILD  := GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath -tags lambda.norpc -ldflags='-s -w'

.PHONY: run test test-arm64 test-arm64-full fuzz-arm64 qemu-arm64 goldens chaos build build-local local lint bench deploy clean scatter \
	build-SplitterFunction build-MapperFunction build-ReducerFunction build-ApiFunction

## run: build the CLI, generate sample data and run a wordcount end to end (no AWS, no Docker)
run: scatter
	@$(BIN)/scatter gen --kind text --size 32MiB --seed 1 --out $(SAMPLE)
	$(BIN)/scatter run --job wordcount --input $(SAMPLE) --output $(RUN_OUTPUT) --chunk-size 4MiB
	@echo "output: $(RUN_OUTPUT) ($$(wc -l < $(RUN_OUTPUT)) distinct words); the 5 most frequent:"
	@sort -t '	' -k2,2nr $(RUN_OUTPUT) | head -n 5

scatter:
	$(GO) build -o $(BIN)/scatter ./cmd/scatter

## test: vet, then every test (unit, engine, local-emulator integration, template lint), the
## arm64 checks (test-arm64), the example module's, then the DuckDB references, each a test-only
## module for the cgo bindings: sqlcheck (the sql job's query corpus), pqcheck (the Parquet reader
## and writer) and csvcheck (groupby and select over awkward CSV files against DuckDB's read_csv).
## It checks for $(QEMU_ARM64) first (qemu-arm64), not after the rest has run.
test: qemu-arm64
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 14m ./...
	$(MAKE) --no-print-directory test-arm64
	cd examples/uniquevisitors && $(GO) vet ./... && $(GO) test -count=1 ./...
	cd sqlcheck && $(GO) vet ./... && $(GO) test -count=1 -timeout 5m ./...
	cd pqcheck && $(GO) vet ./... && $(GO) test -count=1 -timeout 5m ./...
	cd csvcheck && $(GO) vet ./... && $(GO) test -count=1 -timeout 5m ./...

## test-arm64: what differs on the arm64 Lambda build, tested on this machine. csvline's tests
## with -tags purego (the Go form of Marks, which other architectures build); then,
## cross-compiled for arm64 and run under qemu user emulation, the tests of the CSV scan and the
## decimals (csvline, record, decimal): the only architecture-specific code (csvline's NEON
## Marks, marks_arm64.s, compared there with the Go form) and what calls it,
## and none of them links the AWS SDK or parquet-go, so a cold build cache compiles little for
## arm64. test-arm64-full adds the four functions' arm64 build and the Parquet decoders' and key
## table's tests under qemu (minutes more on a cold cache; not part of make test).
## Needs $(QEMU_ARM64) (Debian: qemu-user-static); with CI=true it is installed when missing.
QEMU_ARM64     := qemu-aarch64-static
ARM64_PKGS     := ./internal/jobs/csvline ./record ./internal/jobs/decimal
ARM64_JOBS_RUN := ^Test(SepBits|WordScan|KeyWords|KeyTable|KeyTableSorted|WordcountCount|InlineSumBig)$$
test-arm64: qemu-arm64
	$(GO) test -count=1 -tags purego ./internal/jobs/csvline
	GOARCH=arm64 CGO_ENABLED=0 $(GO) test -count=1 -exec $(QEMU_ARM64) $(ARM64_PKGS)

test-arm64-full: test-arm64
	d=$$(mktemp -d) && GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -o $$d/ ./functions/... && ls $$d && rm -r $$d
	GOARCH=arm64 CGO_ENABLED=0 $(GO) test -count=1 -exec $(QEMU_ARM64) ./internal/pq
	GOARCH=arm64 CGO_ENABLED=0 $(GO) test -count=1 -exec $(QEMU_ARM64) -run '$(ARM64_JOBS_RUN)' ./internal/jobs

## fuzz-arm64: FuzzMarks on the NEON form of csvline.Marks, cross-compiled and run under qemu
## for FUZZTIME (not part of make test). The fuzzer starts its workers by executing its
## os.Args[0], which this host cannot run: qemu's -0 makes that a script running the test
## binary under qemu. Built without the fuzzer's coverage instrumentation, which cannot see
## into the assembly (a loop with no branch on the data) and made qemu's runs 30 times fewer.
## FUZZTIME is a count of inputs (about a minute on this machine) rather than a duration: with a
## duration, Go 1.26's fuzzer can end with "context deadline exceeded" and no failing input
## (go.dev/issue/75804, fixed in Go 1.27). A failing input is written to csvline's testdata.
FUZZTIME ?= 300000x
fuzz-arm64: qemu-arm64
	d=$$(mktemp -d) && \
	GOARCH=arm64 CGO_ENABLED=0 $(GO) test -c -o $$d/csvline.test ./internal/jobs/csvline && \
	printf '#!/bin/sh\nexec $(QEMU_ARM64) %s/csvline.test "$$@"\n' $$d > $$d/worker && chmod +x $$d/worker && \
	cd internal/jobs/csvline && \
	$(QEMU_ARM64) -0 $$d/worker $$d/csvline.test -test.run '^$$' -test.fuzz '^FuzzMarks$$' \
		-test.fuzztime $(FUZZTIME) -test.fuzzcachedir $$d/cache; \
	s=$$?; rm -r $$d; exit $$s

qemu-arm64:
	@command -v $(QEMU_ARM64) >/dev/null || [ "$$CI" != true ] || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-user-static >/dev/null; } || \
		echo "make test-arm64: CI=true, and apt-get could not install qemu-user-static" >&2
	@command -v $(QEMU_ARM64) >/dev/null || { echo "make test-arm64: $(QEMU_ARM64) not found: the arm64 tests run under it; install Debian's qemu-user-static (apt-get install qemu-user-static), or run with CI=true as root to have it installed" >&2; exit 1; }

## goldens: rewrite the payload goldens (internal/pipeline/testdata, internal/api/testdata)
## from the tests' examples after a change to a step payload or an event; review the diff
goldens:
	$(GO) test -count=1 -run 'Goldens$$' ./internal/pipeline ./internal/api -update

## bench: time every job against wc -w, mawk, grep -E and DuckDB on generated data, groupby on
## low- and high-cardinality uservisits, groupby and select on the data as Parquet, at each SIZE
## (make bench SIZE=256MiB JOBS=wordcount REPS=5); prints MB/s, CPU-seconds, peak RSS, ratios
## and group counts, writes bench/results/*.json.
## Then p50/p99 of POST /query over 64 chunks, 2 of them stragglers, with and without hedging
## (the real mapper binary on the Lambda host, moto's S3). Not part of `make test`.
SIZE ?= 128MiB,1GiB
REPS ?= 3
JOBS ?= wordcount,grep,groupby,select,parquet,sql
bench: scatter
	cd bench && $(GO) run . --size $(SIZE) --reps $(REPS) --jobs $(JOBS) --scatter ../$(BIN)/scatter
	$(GO) test -run '^$$' -bench BenchmarkQueryLatency -benchtime 20x ./internal/api

## chaos: the seeded chaos suite at length: make chaos RUNS=1000 (seeded runs per job)
RUNS ?= 50
chaos:
	$(GO) test -count=1 -timeout 0 -run 'TestChaos$$' ./cli -v -args -chaos.runs=$(RUNS) | grep -v '^=== \|^    --- PASS'

## build: one linux/arm64 bootstrap per function, through the targets `sam build` calls
build:
	@for f in Splitter Mapper Reducer Api; do \
		$(MAKE) --no-print-directory build-$${f}Function ARTIFACTS_DIR=$(ARTIFACTS_DIR)/$${f}Function || exit 1; \
	done
	@ls -l $(ARTIFACTS_DIR)/*/bootstrap

build-SplitterFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/splitter
build-MapperFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/mapper
build-ReducerFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/reducer
build-ApiFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/api

## build-local: the Lambda binaries for this machine's architecture, for `scatter local`
build-local:
	@for f in splitter:SplitterFunction mapper:MapperFunction reducer:ReducerFunction api:ApiFunction; do \
		CGO_ENABLED=0 $(GO) build -tags lambda.norpc -o $(BIN)/lambda/$${f#*:}/bootstrap ./functions/$${f%%:*} || exit 1; \
	done

## local: a local AWS with the real binaries and definition; prints exports, then "ready"
local: scatter build-local
	$(BIN)/scatter local up

## lint: gofmt, go vet, staticcheck and cfn-lint on the template
lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
	cfn-lint template.yaml

## deploy: build with SAM and deploy to the AWS account of your credentials
deploy:
	sam build && sam deploy --guided

clean:
	rm -rf $(BIN) $(ARTIFACTS_DIR) .scatter out testdata/generated
