# Every tests/unit/test-*.c is a TAP program linked with libukey.a.
UNIT_TESTS += $(sort $(wildcard tests/unit/test-*.c))
TEST_HELPER_SRCS :=
TEST_HELPER_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(TEST_HELPER_SRCS))
# A unit test of the plugin's code that uses no babeltrace2 links its object
# too (UNIT_OBJS, added to the link by the Makefile's rule).
$(BUILD)/tests/test-report-hold: UNIT_OBJS := \
    $(BUILD)/tracepoints/plugin/report-hold.o
$(BUILD)/tests/test-report-hold: $(BUILD)/tracepoints/plugin/report-hold.o

# tests/helper/tp-emit: emits events through the "ukey" tracepoints (and
# canonical lines) for the record and plugin tests, until the model exists.
TP_EMIT := $(BUILD)/tests/helper/tp-emit
TP_EMIT_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(TP_SRCS))
$(TP_EMIT): $(BUILD)/tests/helper/tp-emit.o $(TP_EMIT_OBJS) $(BUILD)/libukey.a
	$(quiet) LINK $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CORE_LIBS) $(LTTNG_LIBS) -lm
-include $(BUILD)/tests/helper/tp-emit.d
all: $(TP_EMIT)

# tests/helper/fail-thread.so: makes pthread_create() fail (LD_PRELOAD),
# for the tests of running out of threads.
FAIL_THREAD := $(BUILD)/tests/helper/fail-thread.so
$(FAIL_THREAD): $(BUILD)/tests/helper/fail-thread.o
	$(quiet) LINK $@
	$(Q)$(CC) $(ALL_LDFLAGS) -shared -o $@ $^ -ldl
-include $(BUILD)/tests/helper/fail-thread.d
all: $(FAIL_THREAD)

# tests/bench/bench-step: the stepped-mode benchmark.  Built by "make bench"
# (run by tests/bench/run), not by "make all" or "make check".
BENCH_SRCS += tests/bench/bench-step.c
BENCH_STEP := $(BUILD)/tests/bench/bench-step
$(BENCH_STEP): $(BUILD)/tests/bench/bench-step.o $(BUILD)/libukey.a
	$(quiet) LINK $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CORE_LIBS) -lm
-include $(BUILD)/tests/bench/bench-step.d
bench: $(BENCH_STEP)

# tests/bench/bench-explore: the explorer (time to the first counterexample,
# schedules/s, reduction factor).  "make bench" only.
BENCH_SRCS += tests/bench/bench-explore.c
BENCH_EXPLORE := $(BUILD)/tests/bench/bench-explore
$(BENCH_EXPLORE): $(BUILD)/tests/bench/bench-explore.o $(BUILD)/libukey.a
	$(quiet) LINK $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CORE_LIBS) -lm
-include $(BUILD)/tests/bench/bench-explore.d
bench: $(BENCH_EXPLORE)

# make update-expect: rewrite the golden files (tests/expect/*.expect) by
# running every golden test with UKDB_UPDATE_EXPECT=1; review the diff.
update-expect: check-pkgs $(BUILD)/ukdb
	@for t in $$(grep -l UKDB_UPDATE_EXPECT tests/t[0-9]*.sh); do \
	    UKDB_UPDATE_EXPECT=1 BUILD=$(BUILD) tests/run $$t || exit 1; done
	@git status --short -- tests/expect
.PHONY: update-expect

# make fuzz: the libFuzzer target of the command parser (tests/fuzz/),
# built with clang, ASan and UBSan into build-fuzz/ (its own objects).
# Not checked: clang's pointer-overflow, which flags liburcu's
# cds_lfht_for_each_entry() (caa_container_of() of the final NULL node);
# and -Winitializer-overrides, which core/variant.c's variant tables use
# on purpose.
FUZZ_REPL := $(BUILD)/tests/fuzz/fuzz-repl
FUZZ_REPL_OBJS := $(patsubst %.c,$(BUILD)/%.o,\
    tests/fuzz/fuzz-repl.c $(filter-out repl/main.c,$(REPL_SRCS)) $(TP_SRCS) \
    tracepoints/provider/tp-load.c)
$(FUZZ_REPL): $(FUZZ_REPL_OBJS) $(BUILD)/libukey.a
	$(quiet) LINK $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ \
	    $(CORE_LIBS) $(LTTNG_LIBS) $(BT2_LIBS) $(EDIT_LIBS) -lm
-include $(BUILD)/tests/fuzz/fuzz-repl.d
FUZZ_SAN_FLAGS := -fsanitize=fuzzer-no-link,address,undefined \
    -fno-sanitize=pointer-overflow -fno-sanitize-recover=all \
    -fno-omit-frame-pointer
fuzz:
	@command -v clang >/dev/null || { echo "make fuzz needs clang" >&2; exit 2; }
	@$(MAKE) --no-print-directory CC=clang BUILD=build-fuzz \
	    SAN_FLAGS="$(FUZZ_SAN_FLAGS)" \
	    CFLAGS="-O1 -g -Wno-initializer-overrides" check-pkgs \
	    build-fuzz/tests/fuzz/fuzz-repl
.PHONY: fuzz

# tests/bench/bench-load: the free-running benchmark (tests/bench/
# bench-load.sh runs it untraced and traced).  "make bench" only.
BENCH_SRCS += tests/bench/bench-load.c
BENCH_LOAD := $(BUILD)/tests/bench/bench-load
$(BENCH_LOAD): $(BUILD)/tests/bench/bench-load.o $(TP_EMIT_OBJS) \
               $(BUILD)/libukey.a
	$(quiet) LINK $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CORE_LIBS) $(LTTNG_LIBS) -lm
-include $(BUILD)/tests/bench/bench-load.d
bench: $(BENCH_LOAD)

# make check-valgrind: the scripted sessions of t0500 under memcheck.
check-valgrind: check-pkgs $(BUILD)/ukdb
	@BUILD=$(BUILD) tests/run tests/t0500-valgrind.sh
.PHONY: check-valgrind
