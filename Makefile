# SPDX-License-Identifier: Apache-2.0
# The one build of ukdb (non-recursive).  Directory fragments (*/local.mk)
# only append to the lists below, one file per line.
#
#   make              build/ukdb, build/libukey.a, build/plugins/ukey.so
#   make check        deps + build + check-tsa + every test (unit tests
#                     also under ASan+UBSan), ends with "N passed, N failed"
#   make check-tsa    clang -Wthread-safety over core/ and repl/
#   make deps         install the Debian packages (apt-get, as root)
#   make demo         the 2016 race in the REPL, with a guided tour
#   make bench        benchmarks (tests/bench), not part of check
#   make SANITIZE=address,undefined   sanitizer build in build-<sanitizers>/
#   make V=1          show full commands

.DEFAULT_GOAL := all
SHELL := /bin/bash

PREFIX ?= /usr/local
DESTDIR ?=

CC ?= cc
ifeq ($(origin CC),default)
CC := gcc
endif

SANITIZE ?=
ifeq ($(SANITIZE),)
BUILD ?= build
SAN_FLAGS :=
else
BUILD ?= build-$(subst $(comma),-,$(SANITIZE))
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
             -fno-sanitize-recover=all
endif
comma := ,

ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-7s %s\n'
endif

DEB_PACKAGES := build-essential pkg-config libedit-dev liburcu-dev \
                liblttng-ust-dev lttng-tools babeltrace2 libbabeltrace2-dev \
                python3-bt2 iproute2 util-linux valgrind tmux clang \
                libclang-rt-14-dev

PKG_CORE := liburcu-qsbr liburcu-cds
PKG_ALL := $(PKG_CORE) lttng-ust babeltrace2 libedit

have_pkgs := $(shell pkg-config --exists $(PKG_ALL) 2>/dev/null && echo yes)
ifeq ($(have_pkgs),yes)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKG_ALL))
CORE_LIBS := $(shell pkg-config --libs $(PKG_CORE))
LTTNG_LIBS := $(shell pkg-config --libs lttng-ust)
BT2_LIBS := $(shell pkg-config --libs babeltrace2)
EDIT_LIBS := $(shell pkg-config --libs libedit)
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wformat=2 \
        -Wmissing-prototypes -Wstrict-prototypes -Wno-unused-parameter
OPT ?= -O2
CFLAGS ?= $(OPT) -g
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE -fPIC $(WARN) $(CFLAGS) $(SAN_FLAGS) \
              -I. $(PKG_CFLAGS) -DLTTNG_UST_COMPAT_API_VERSION=1 -pthread
ALL_LDFLAGS := $(SAN_FLAGS) -pthread $(LDFLAGS)

CORE_SRCS :=
TP_SRCS :=
TP_DYN_SRCS :=
TP_PROBES_SRCS :=
PLUGIN_SRCS :=
REPL_SRCS :=
UNIT_TESTS :=
BENCH_SRCS :=

include core/local.mk
include tracepoints/local.mk
include repl/local.mk
include tests/local.mk

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

CORE_OBJS := $(call obj,$(CORE_SRCS))
TP_OBJS := $(call obj,$(TP_SRCS))
TP_DYN_OBJS := $(call obj,$(TP_DYN_SRCS))
TP_PROBES_OBJS := $(call obj,$(TP_PROBES_SRCS))
TP_SO := $(BUILD)/libukdb-tp.so
PLUGIN_OBJS := $(call obj,$(PLUGIN_SRCS))
REPL_OBJS := $(call obj,$(REPL_SRCS))
LIBUKEY := $(BUILD)/libukey.a
UKDB := $(BUILD)/ukdb
PLUGIN := $(BUILD)/plugins/ukey.so
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_TESTS))

ALL_OBJS := $(CORE_OBJS) $(TP_OBJS) $(TP_DYN_OBJS) $(TP_PROBES_OBJS) \
            $(PLUGIN_OBJS) $(REPL_OBJS) \
            $(call obj,$(UNIT_TESTS) $(TEST_HELPER_SRCS))
DEPS := $(ALL_OBJS:.o=.d)

all: check-pkgs $(LIBUKEY) $(if $(REPL_SRCS),$(UKDB) $(TP_SO)) \
     $(if $(PLUGIN_SRCS),$(PLUGIN)) $(UNIT_BINS)
.PHONY: all

check-pkgs:
	@if [ "$(have_pkgs)" != yes ]; then \
	    echo "ukdb: missing libraries ($(PKG_ALL)); run 'make deps'" >&2; \
	    exit 2; fi
.PHONY: check-pkgs

$(BUILD)/%.o: %.c
	$(quiet) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBUKEY): $(CORE_OBJS)
	$(quiet) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

# Not linked with liblttng-ust: see tracepoints/local.mk.
$(UKDB): $(REPL_OBJS) $(TP_DYN_OBJS) $(LIBUKEY)
	$(quiet) LINK $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(REPL_OBJS) $(TP_DYN_OBJS) $(LIBUKEY) \
	    $(CORE_LIBS) $(BT2_LIBS) $(EDIT_LIBS) -ldl -lm

$(TP_SO): $(TP_PROBES_OBJS)
	$(quiet) LINK $@
	$(Q)$(CC) $(ALL_LDFLAGS) -shared -o $@ $(TP_PROBES_OBJS) $(LTTNG_LIBS)

# The babeltrace2 plugin: default visibility, or babeltrace2 2.0.4 silently
# ignores it (STYLE.md).
$(PLUGIN): $(PLUGIN_OBJS) $(LIBUKEY)
	$(quiet) LINK $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -shared -o $@ $(PLUGIN_OBJS) $(LIBUKEY) \
	    $(CORE_LIBS) $(BT2_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(TEST_HELPER_OBJS) $(LIBUKEY)
	$(quiet) LINK $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(UNIT_OBJS) $(TEST_HELPER_OBJS) \
	    $(LIBUKEY) $(CORE_LIBS) -lm

-include $(DEPS)

# ==== Dependencies ====

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	    dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	        --no-install-recommends $$missing >/dev/null; \
	else \
	    echo "ukdb: missing packages; run:" >&2; \
	    echo "  sudo apt-get install -y$$missing" >&2; exit 2; \
	fi
.PHONY: deps

# ==== Tests ====

check: deps
	@$(MAKE) --no-print-directory all
	@if command -v clang >/dev/null; then \
	    $(MAKE) --no-print-directory check-tsa; \
	else echo "check-tsa: skipped (no clang)"; fi
	@$(MAKE) --no-print-directory SANITIZE=address,undefined \
	    unit-bins load-bin
	@$(MAKE) --no-print-directory SANITIZE=thread tsan-bins
	@BUILD=$(BUILD) ASAN_BUILD=build-address-undefined \
	    TSAN_BUILD=build-thread tests/run
.PHONY: check

# Free-running mode under sanitizers, both part of "make check": ukdb with
# ASan+UBSan (tests/t1501-load-asan.sh) and with ThreadSanitizer
# (tests/t1502-load-tsan.sh; "make check-tsan" runs that one alone), and
# the threaded unit tests (the event bus, the umaps' node pool, events
# as a session starts mid-run) under
# ThreadSanitizer too.
load-bin: $(UKDB) $(TP_SO)
.PHONY: load-bin

tsan-bins: load-bin $(BUILD)/tests/test-event-filter \
    $(BUILD)/tests/test-umap-nodes $(BUILD)/tests/test-freerun-events
.PHONY: tsan-bins

check-tsan:
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory SANITIZE=thread tsan-bins
	@BUILD=$(BUILD) TSAN_BUILD=build-thread tests/run \
	    tests/t1502-load-tsan.sh
.PHONY: check-tsan

unit-bins: $(UNIT_BINS)
.PHONY: unit-bins

check-asan:
	@$(MAKE) --no-print-directory SANITIZE=address,undefined all
.PHONY: check-asan

# clang's thread-safety analysis of every file (all of them, then fails if
# any did).
check-tsa: check-pkgs
	$(quiet) TSA "core/ repl/"
	$(Q)failed=""; for f in $(CORE_SRCS) $(REPL_SRCS); do \
	    clang -fsyntax-only -std=gnu11 -D_GNU_SOURCE -Wthread-safety \
	        -Werror -DUK_THREAD_SAFETY -I. $(PKG_CFLAGS) $$f \
	        || failed="$$failed $$f"; done; \
	if [ -n "$$failed" ]; then \
	    echo "check-tsa: failed:$$failed" >&2; exit 1; fi
.PHONY: check-tsa

bench: all
	@tests/bench/run
.PHONY: bench

demo: deps
	@$(MAKE) --no-print-directory all
	@examples/demo.sh
.PHONY: demo

clean:
	rm -rf build build-*
.PHONY: clean

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/ukdb/examples
	install -m 755 $(UKDB) $(DESTDIR)$(PREFIX)/bin/ukdb
	install -d $(DESTDIR)$(PREFIX)/lib/ukdb
	install -m 644 $(TP_SO) $(DESTDIR)$(PREFIX)/lib/ukdb/libukdb-tp.so
	install -m 644 doc/ukdb.1 $(DESTDIR)$(PREFIX)/share/man/man1/ukdb.1
	cp -r examples/. $(DESTDIR)$(PREFIX)/share/ukdb/examples/
	install -d $(DESTDIR)$$(pkg-config --variable=libdir babeltrace2)/babeltrace2/plugins
	install -m 644 $(PLUGIN) \
	    $(DESTDIR)$$(pkg-config --variable=libdir babeltrace2)/babeltrace2/plugins/babeltrace-plugin-ukey.so
.PHONY: install

# ==== Committed traces (traces/README.md) ====

TRACES := race-v1-replace race-upstream slowpath-pre-replace purge
# On CPU 0, so that the events land in the per-CPU stream file ukdb_0,
# whose byte offsets tests/t3300-committed-traces.sh corrupts.
TRACES_CPU := $(shell command -v taskset >/dev/null 2>&1 && echo taskset -c 0)

traces: all
	@for t in $(TRACES); do \
	    rm -rf traces/$$t; \
	    $(TRACES_CPU) $(UKDB) record -o traces/$$t examples/$$t.ukdb >/dev/null || \
	        [ $$? -eq 1 ] || exit 2; \
	done
	@echo "traces regenerated: $(TRACES)"
.PHONY: traces
