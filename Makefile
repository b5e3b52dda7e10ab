# BeSign Desktop. `make run` and `make test` do all the set-up on a fresh
# Debian or Ubuntu machine (packages through scripts/install-deps.sh).

GO       ?= go
VERSION  ?= $(shell sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
# The Go toolchain named in go.mod: the go command fetches it from the module
# proxy (a machine's own Go keeps GOTOOLCHAIN=local and would ignore go.mod).
export GOTOOLCHAIN := $(shell sed -n 's/^toolchain //p' go.mod)
LDFLAGS  := -X github.com/natunakab/besign/cli.Version=$(VERSION)
BIN      := besign
ARTIFACTS ?= artifacts

.PHONY: all deps test-deps build run test test-unit test-e2e vet vulncheck bench clean

all: build

deps:
	@bash scripts/install-deps.sh

test-deps:
	@bash scripts/install-deps.sh test

build: deps
	@echo "make: building ./$(BIN) with $(GOTOOLCHAIN) (cgo: Fyne's OpenGL window, SQLite, PDFium's runtime);"
	@echo "      the first build compiles several hundred packages, 3-9 minutes on a 2-core laptop; later ones take seconds"
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

run: build
	./$(BIN)

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo "gofmt: files above need formatting" >&2; exit 1; }
	$(GO) vet ./...

# Known vulnerabilities reached by the code (govulncheck, offline database).
vulncheck:
	bash scripts/vulncheck.sh

# Every test, headless: unit and screen tests inside a real Secret Service
# session, then the end-to-end run of the real binary under Xvfb; before
# them gofmt, go vet and govulncheck.
test: test-deps vet vulncheck test-unit test-e2e

# BESIGN_PG_TEST=1: the PostgreSQL tests (internal/pgtest) fail instead of
# skipping when the server binaries are missing. The screens' tests run a
# second time with BESIGN_UI_AUTHORITY=remote: every view through the HTTPS
# client of an organisation server on loopback.
test-unit:
	BESIGN_KEYRING_TEST=1 BESIGN_PG_TEST=1 bash scripts/with-keyring.sh $(GO) test -count=1 -timeout 30m ./...
	BESIGN_KEYRING_TEST=1 BESIGN_UI_AUTHORITY=remote bash scripts/with-keyring.sh $(GO) test -count=1 -timeout 15m ./screens/

test-e2e: build
	mkdir -p $(ARTIFACTS)
	BESIGN_E2E=1 BESIGN_BIN=$(CURDIR)/$(BIN) BESIGN_ARTIFACTS=$(CURDIR)/$(ARTIFACTS)/e2e \
		bash scripts/with-keyring.sh $(GO) test -count=1 -timeout 15m -v ./e2e/

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf $(BIN) $(ARTIFACTS) dist

include packaging/packaging.mk
