# Every tests/unit/test-*.c is a TAP program linked with libukey.a.
UNIT_TESTS += $(sort $(wildcard tests/unit/test-*.c))
TEST_HELPER_SRCS :=
TEST_HELPER_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(TEST_HELPER_SRCS))

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

# tests/helper/record-driver: record_main() alone, until build/ukdb links.
RECORD_DRIVER := $(BUILD)/tests/helper/record-driver
$(RECORD_DRIVER): $(BUILD)/tests/helper/record-driver.o \
                  $(BUILD)/repl/record.o $(BUILD)/libukey.a
	$(quiet) LINK $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CORE_LIBS) -lm
-include $(BUILD)/tests/helper/record-driver.d $(BUILD)/repl/record.d
all: $(RECORD_DRIVER)
