# srtpdump — build, test, demo and install.
#
#   make demo    install what is missing, build in release, run srtpdump on a bundled capture
#   make test    install what is missing, build, run every test
#   make install PREFIX=/usr/local
#
# What a fresh Debian 12 machine with Swift lacks is installed with apt (as root, or through sudo).

SWIFT       ?= swift
PREFIX      ?= /usr/local
BUILD_FLAGS ?=
DEMO_CAPTURE ?= Captures/demo-call.pcap
APT_PACKAGES = libpcap-dev libssl-dev libgcrypt20-dev libsrtp2-dev pkg-config tshark

RELEASE_BIN = .build/release/srtpdump

.PHONY: all deps build release demo test install completions man clean bench

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

demo: release
	$(RELEASE_BIN) dissect $(DEMO_CAPTURE) | head -n 40

test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS)

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

clean:
	rm -rf .build
