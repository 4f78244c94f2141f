/* SPDX-License-Identifier: Apache-2.0 */
/* Coroutines for stepped mode: each model thread runs on its own small
 * stack inside one OS thread, and hands control back to the scheduler at
 * every scheduling point.
 *
 * On x86-64 the switch is a few instructions that save the callee-saved
 * registers (no signal mask: glibc's swapcontext() makes a sigprocmask
 * system call per switch, ~290 ns here, DESIGN.md); elsewhere it falls back
 * to <ucontext.h>.  Switches are annotated for AddressSanitizer.
 *
 * Synchronization: a coroutine is resumed and yields on the OS thread that
 * created it; none of these functions is thread-safe. */
#ifndef UKDB_CORE_CORO_H
#define UKDB_CORE_CORO_H 1

#include <stdbool.h>
#include <stddef.h>

struct coro;

typedef void coro_fn(void *arg);

/* Creates a coroutine that will run 'fn(arg)' when first resumed, on a stack
 * of 'stack_size' bytes (0 = default).  'fn' must never return: it yields
 * for ever instead (a model thread parks when it has nothing to do). */
struct coro *coro_create(coro_fn *fn, void *arg, size_t stack_size);

/* Frees 'c', which must not be running.  Whatever its stack held is
 * abandoned: the model keeps no resource only a coroutine stack points to.
 * Accepts NULL. */
void coro_destroy(struct coro *c);

/* Frees the stacks kept for reuse by this OS thread (so that leak
 * checkers see none at exit).  Call when no model is being built. */
void coro_release_cache(void);

/* Runs 'c' until it calls coro_yield().  Call from the scheduler (outside
 * any coroutine). */
void coro_resume(struct coro *c);

/* Returns from the running coroutine to the coro_resume() that entered it. */
void coro_yield(void);

/* The running coroutine, or NULL on the scheduler's own stack. */
struct coro *coro_self(void);

#endif /* UKDB_CORE_CORO_H */
