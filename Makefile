# The two commands a user needs: `make run` and `make test`.
GO      ?= go
BIN     := bin/cifp
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X cifp.Version=$(VERSION)

.PHONY: run test build assets vet fmt-check clean

# Build and start the platform on the embedded SQLite database (cifp.db), with
# the Lishui demo data loaded on the first start. Prints the URL and the logins.
run: build
	./$(BIN) serve --demo --db sqlite:cifp.db

# Run every test: formatting, vet, and the whole suite with the race detector.
# The PostgreSQL variants run when CIFP_TEST_POSTGRES is set, the browser tests
# when Chromium is installed; CIFP_REQUIRE_POSTGRES=1 and CIFP_REQUIRE_BROWSER=1
# (as .ci/run sets them) turn a skip into a failure.
test: assets fmt-check vet
	$(GO) test -race -count=1 -timeout 30m ./...

build: assets
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/cifp

# Front-end packages (ECharts, htmx) from npm, copied into web/static/vendor/
# and embedded in the binary.
assets:
	bash scripts/assets.sh

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

clean:
	rm -rf bin artifacts web/static/vendor node_modules
