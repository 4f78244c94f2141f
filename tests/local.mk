# Every tests/unit/test-*.c is a TAP program linked with libukey.a.
UNIT_TESTS += $(sort $(wildcard tests/unit/test-*.c))
TEST_HELPER_SRCS :=
TEST_HELPER_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(TEST_HELPER_SRCS))
