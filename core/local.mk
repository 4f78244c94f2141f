CORE_SRCS += core/event.c
CORE_SRCS += core/util.c
