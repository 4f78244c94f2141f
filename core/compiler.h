/* SPDX-License-Identifier: Apache-2.0 */
/* Compiler helpers: clang thread-safety annotations (empty under gcc, which
 * does not understand them), source locators for "file:line" fields, and a
 * few attributes.  Mirrors the shape of OVS's lib/compiler.h so that the
 * model code can be read side by side with ofproto-dpif-upcall.c. */
#ifndef UKDB_CORE_COMPILER_H
#define UKDB_CORE_COMPILER_H 1

#if defined(__clang__) && defined(UK_THREAD_SAFETY)
#define UK_LOCKABLE __attribute__((lockable))
#define UK_GUARDED __attribute__((guarded_var))
#define UK_GUARDED_BY(...) __attribute__((guarded_by(__VA_ARGS__)))
#define UK_REQUIRES(...) __attribute__((exclusive_locks_required(__VA_ARGS__)))
#define UK_EXCLUDES(...) __attribute__((locks_excluded(__VA_ARGS__)))
#define UK_ACQUIRES(...) __attribute__((exclusive_lock_function(__VA_ARGS__)))
#define UK_RELEASES(...) __attribute__((unlock_function(__VA_ARGS__)))
#define UK_TRY_LOCK(RET, ...) \
    __attribute__((exclusive_trylock_function(RET, __VA_ARGS__)))
#define UK_NO_THREAD_SAFETY_ANALYSIS \
    __attribute__((no_thread_safety_analysis))
#else
#define UK_LOCKABLE
#define UK_GUARDED
#define UK_GUARDED_BY(...)
#define UK_REQUIRES(...)
#define UK_EXCLUDES(...)
#define UK_ACQUIRES(...)
#define UK_RELEASES(...)
#define UK_TRY_LOCK(RET, ...)
#define UK_NO_THREAD_SAFETY_ANALYSIS
#endif

#define UK_STRINGIZE_(X) #X
#define UK_STRINGIZE(X) UK_STRINGIZE_(X)

/* "core/handler.c:212": a static string naming the caller's position, as
 * OVS's OVS_SOURCE_LOCATOR.  __FILE__ is relative to the top of the tree
 * because the Makefile compiles from there. */
#define UK_SOURCE_LOCATOR __FILE__ ":" UK_STRINGIZE(__LINE__)

#define UK_UNUSED __attribute__((unused))
#define UK_NORETURN __attribute__((noreturn))
#define UK_PRINTF(FMT, ARG1) __attribute__((format(printf, FMT, ARG1)))
#define UK_LIKELY(X) __builtin_expect(!!(X), 1)
#define UK_UNLIKELY(X) __builtin_expect(!!(X), 0)
#define UK_ARRAY_SIZE(A) (sizeof (A) / sizeof (A)[0])

#endif /* UKDB_CORE_COMPILER_H */
