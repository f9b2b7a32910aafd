# seqfs — the two commands a new user needs are `make run` and `make test`;
# both install what they need on a fresh Debian machine (scripts/deps.sh).

GO ?= go
BIN := bin/seqfs
SAMPLE := testdata/yeast-phix-2019/master

.PHONY: all build run test bench deps clean

all: build

deps:
	bash scripts/deps.sh

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/seqfs

run: deps build
	bash scripts/demo.sh

test:
	bash scripts/test.sh

bench: deps build
	bash bench/run.sh

clean:
	rm -rf bin
