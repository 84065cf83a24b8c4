# gatehouse — developer entry points.
#   make run     build gatehouse and serve the example in examples/ with the embedded defaults
#   make test    install what the tests need, then run vet, staticcheck and the whole test suite (-race)
#   make bench   run the benchmark harness (bench/run.sh)

GO ?= go
EXAMPLE ?= examples/walkthrough/gatehouse.yaml

.PHONY: build run test check bench deps fmt

build:
	$(GO) build -o bin/gatehouse ./cmd/gatehouse

run: build
	./bin/gatehouse serve $(EXAMPLE)

deps:
	./scripts/test-deps.sh

check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$$($(GO) env GOPATH)/bin/staticcheck ./...
	# macOS and Windows are not tested here, but the tree must build and vet for them.
	GOOS=darwin GOARCH=arm64 $(GO) vet ./...
	GOOS=windows GOARCH=amd64 $(GO) vet ./...

test: deps check
	$(GO) test -race -count=1 -timeout 15m ./...

bench:
	./bench/run.sh
