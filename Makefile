# srtpdump — build, test, demo and install.
#
#   make demo    install what is missing, build in release, run srtpdump on a bundled capture
#   make test    install what is missing, build, run every test, then every fuzz target briefly (fuzz-ci)
#   make unit-test     the tests alone (no fuzz build): the quick loop while working
#   make install PREFIX=/usr/local
#   make fuzz    build the libFuzzer targets (Fuzz/) and run each for FUZZ_SECONDS (Docs/robustness.md)
#   make fuzz-ci run every fuzz target briefly from its seed corpus; fails on a crash, leak or hang
#   make test-asan     the test suite under AddressSanitizer (scratch path .build-asan)
#   make bench-memory  peak RSS of a release decrypt -w over generated 200 MB and 2.5 GB captures
#
# What a fresh Debian 12 machine with Swift lacks is installed with apt (as root, or through sudo).

SWIFT       ?= swift
PREFIX      ?= /usr/local
BUILD_FLAGS ?=
DEMO_CAPTURE ?= Captures/demo-call.pcap
APT_PACKAGES = libpcap-dev libssl-dev libgcrypt20-dev libsrtp2-dev pkg-config tshark openssl

RELEASE_BIN = .build/release/srtpdump

.PHONY: all deps build release demo test unit-test install completions man clean bench bench-500k fuzz fuzz-ci fuzz-build \
	fuzz-seeds test-asan bench-memory

all: build

# Installs only the packages that are not already installed.
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO="sudo"; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release $(BUILD_FLAGS)

# The main job on a bundled call: its first frames dissected, then the call decrypted (SDES keys from its
# own SIP/SDP) into .build/demo-decrypted.pcap with the streams report.
demo: release
	$(RELEASE_BIN) dissect $(DEMO_CAPTURE) | head -n 12
	@echo
	$(RELEASE_BIN) decrypt $(DEMO_CAPTURE) -w .build/demo-decrypted.pcap

# Issue 7: the tests pass "with the short fuzz run", so a crash any fuzz target finds from its seeds
# fails `make test` (and so CI) as a failing test does.
# In sequence, also under make -j: the sanitizer build would otherwise compete with timing-bound tests.
test: deps
	$(MAKE) unit-test
	$(MAKE) fuzz-ci

unit-test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS)

# The whole test suite under AddressSanitizer (LeakSanitizer included), in its own build directory so
# that it never disturbs the normal one. XCTest is disabled: every test is Swift Testing, and the
# XCTest runner itself leaks a few hundred bytes (libXCTest.so) that LeakSanitizer would report. Decryption is single-threaded, so the thread sanitizer has
# nothing to check yet (Docs/robustness.md).
ASAN_SCRATCH ?= .build-asan
test-asan: deps
	$(SWIFT) build --build-tests --sanitize=address --scratch-path $(ASAN_SCRATCH) $(BUILD_FLAGS)
	ASAN_OPTIONS=detect_leaks=1:suppressions=$(CURDIR)/Tests/asan-suppressions.txt \
	LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/lsan-suppressions.txt \
	  $(SWIFT) test --skip-build --disable-xctest --sanitize=address --scratch-path $(ASAN_SCRATCH) $(BUILD_FLAGS)

# Flat memory (issue 7; Docs/PERFORMANCE.md): generates captures of BENCH_MEMORY_SIZES megabytes in a
# temporary directory (never committed, removed after), runs the release decrypt -w over each under
# /usr/bin/time, and prints the peak RSS of each; fails if the largest peaks more than 4 MiB above the
# smallest or above 30 MiB.
BENCH_MEMORY_SIZES ?= 200 2500
bench-memory: deps
	$(SWIFT) build -c release --product srtpdump $(BUILD_FLAGS)
	@set -e; dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; first=""; last=""; \
	for mb in $(BENCH_MEMORY_SIZES); do \
	  python3 Benchmarks/memory/make-large-capture.py "$$dir/in.pcap" $$mb >/dev/null; \
	  bytes=$$(stat -c %s "$$dir/in.pcap"); \
	  /usr/bin/time -f "%M %e" -o "$$dir/time" $(RELEASE_BIN) decrypt "$$dir/in.pcap" -w "$$dir/out.pcap" --format json >/dev/null; \
	  read kib secs < "$$dir/time"; \
	  echo "bench-memory: $$bytes bytes: peak RSS $$kib KiB, $$secs s"; \
	  [ -n "$$first" ] || first=$$kib; last=$$kib; rm -f "$$dir/in.pcap" "$$dir/out.pcap"; \
	done; \
	[ $$((last - first)) -le 4096 ] || { echo "bench-memory: peak grew by $$((last - first)) KiB"; exit 1; }; \
	[ $$last -le 30720 ] || { echo "bench-memory: peak above 30 MiB"; exit 1; }

completions: release
	mkdir -p .build/share
	$(RELEASE_BIN) --generate-completion-script bash > .build/share/srtpdump.bash
	$(RELEASE_BIN) --generate-completion-script zsh > .build/share/_srtpdump
	$(RELEASE_BIN) --generate-completion-script fish > .build/share/srtpdump.fish

man: release
	mkdir -p .build/share
	$(SWIFT) package --allow-writing-to-directory .build/share generate-manual --output-directory .build/share

install: completions man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(RELEASE_BIN) $(DESTDIR)$(PREFIX)/bin/srtpdump
	install -m 644 .build/share/srtpdump.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/srtpdump
	install -m 644 .build/share/_srtpdump $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_srtpdump
	install -m 644 .build/share/srtpdump.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/srtpdump.fish
	install -m 644 .build/share/srtpdump.1 $(DESTDIR)$(PREFIX)/share/man/man1/srtpdump.1

# Benchmarks (Docs/PERFORMANCE.md): not part of `make test`. FRAMES sets the capture size of the
# srtpdump-vs-tshark comparison (default 1 M; tshark then takes many minutes): make bench FRAMES=100000
FRAMES ?= 1000000
bench: deps
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark --scale
	$(SWIFT) build -c release --product srtpdump $(BUILD_FLAGS)
	FRAMES=$(FRAMES) SRTPDUMP=$(CURDIR)/$(RELEASE_BIN) Benchmarks/dissect-vs-tshark.sh

# bench-500k (issue 6): `decrypt -w` on a 500,000-packet SRTP call against a libsrtp unprotect-only C
# baseline and the bare crypto loop, then on a 10x capture for peak memory (Docs/PERFORMANCE.md).
# PACKETS, LARGE, RUNS and PROVIDER are passed through: make bench-500k RUNS=5 LARGE=0
bench-500k: deps
	$(SWIFT) build -c release --product srtpdump $(BUILD_FLAGS)
	cd Benchmarks && $(SWIFT) build -c release --product crypto-loop
	SRTPDUMP=$(CURDIR)/$(RELEASE_BIN) CRYPTO_LOOP=$(CURDIR)/Benchmarks/.build/release/crypto-loop Benchmarks/bench-500k.sh

# Fuzzing (issue 7; Docs/robustness.md). The targets are a nested package, Fuzz/, built with
# libFuzzer and AddressSanitizer (LeakSanitizer included) into Fuzz/.build-fuzz. Each run starts from
# the committed seeds in Fuzz/corpus/<target> and adds what it learns to Fuzz/.build-fuzz/corpus/<target>
# (not committed); a crash leaves its input in Fuzz/.build-fuzz/artifacts/<target>/ and fails the target.
FUZZ_TARGETS  = frame-decoder tcp-reassembler sip sdp capture-file rtp-rtcp-stun unprotect key-input \
                dtls-handshake decrypt-pass dissect-pass
FUZZ_SECONDS ?= 60
FUZZ_CI_SECONDS ?= 8
# A unit running 60 s is a hang (as Fuzz/Scripts/campaign.sh): shorter bounds fired falsely on a loaded
# machine (Docs/robustness.md, campaign 2).
FUZZ_FLAGS   ?= -timeout=60 -rss_limit_mb=2048 -max_len=65536
FUZZ_BUILD    = Fuzz/.build-fuzz
FUZZ_BIN      = $(FUZZ_BUILD)/release

fuzz-build: deps
	cd Fuzz && $(SWIFT) build --build-path .build-fuzz -c release \
	  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library

# Runs each target for $(1) seconds; stops at the first target that finds a crash, leak or hang.
define run_fuzz_targets
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/artifacts/$$t; \
	  echo "fuzz: $$t for $(1) s"; \
	  $(FUZZ_BIN)/$$t $(FUZZ_FLAGS) -max_total_time=$(1) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$t/ \
	    $(FUZZ_BUILD)/corpus/$$t Fuzz/corpus/$$t > $(FUZZ_BUILD)/$$t.log 2>&1 \
	  || { tail -n 60 $(FUZZ_BUILD)/$$t.log; echo "fuzz: $$t FAILED (input in $(FUZZ_BUILD)/artifacts/$$t/)"; exit 1; }; \
	  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' $(FUZZ_BUILD)/$$t.log | tr '\n' ' '; echo; \
	done
endef

fuzz: fuzz-build
	$(call run_fuzz_targets,$(FUZZ_SECONDS))

fuzz-ci: fuzz-build
	$(call run_fuzz_targets,$(FUZZ_CI_SECONDS))

# Rewrites the committed seed corpora (Fuzz/Scripts/make-seeds.py, which keeps hand-written seeds; the
# unprotect seeds come from the target itself, which protects packets under its fixed keys).
fuzz-seeds: fuzz-build
	python3 Fuzz/Scripts/make-seeds.py
	rm -rf Fuzz/corpus/unprotect && mkdir -p Fuzz/corpus/unprotect
	SRTPDUMP_FUZZ_WRITE_SEEDS=$(CURDIR)/Fuzz/corpus/unprotect $(FUZZ_BIN)/unprotect -runs=1 >/dev/null 2>&1

clean:
	rm -rf .build .build-asan
