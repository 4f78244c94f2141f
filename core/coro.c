/* SPDX-License-Identifier: Apache-2.0 */
/* Coroutine switch (see coro.h). */
#include "coro.h"

#include <stdint.h>
#include <stdlib.h>

#include "util.h"

#if defined(__SANITIZE_ADDRESS__)
#define UK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UK_ASAN 1
#endif
#endif

#ifdef UK_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#define CORO_DEFAULT_STACK (256 * 1024)

#if defined(__x86_64__)
#define CORO_ASM 1
#else
#include <ucontext.h>
#endif

struct coro {
#ifdef CORO_ASM
    void *sp;                   /* Saved stack pointer while suspended. */
#else
    ucontext_t ctx;
#endif
    char *stack;                /* (owned) */
    size_t stack_size;
    coro_fn *fn;
    void *arg;
    void *asan_fake;            /* ASan fake-stack handle while away. */
};

/* The scheduler's context, and the coroutine running now.  Thread-local so
 * that several OS threads may each step their own model. */
static __thread struct coro *running;
#ifdef CORO_ASM
static __thread void *sched_sp;
#else
static __thread ucontext_t sched_ctx;
#endif
#ifdef UK_ASAN
static __thread const void *sched_stack_bottom;
static __thread size_t sched_stack_size;
static __thread void *sched_fake;
#endif

#ifdef CORO_ASM
/* uk_coro_switch(&save_sp, new_sp): pushes the callee-saved registers,
 * stores the stack pointer in *save_sp, loads new_sp, pops and returns into
 * the other context. */
void uk_coro_switch(void **save_sp, void *new_sp);
void uk_coro_trampoline(void);
void uk_coro_entry(struct coro *);
__asm__(
    ".text\n"
    ".globl uk_coro_switch\n"
    ".type uk_coro_switch, @function\n"
    "uk_coro_switch:\n"
    "    pushq %rbp\n"
    "    pushq %rbx\n"
    "    pushq %r12\n"
    "    pushq %r13\n"
    "    pushq %r14\n"
    "    pushq %r15\n"
    "    movq %rsp, (%rdi)\n"
    "    movq %rsi, %rsp\n"
    "    popq %r15\n"
    "    popq %r14\n"
    "    popq %r13\n"
    "    popq %r12\n"
    "    popq %rbx\n"
    "    popq %rbp\n"
    "    ret\n"
    ".size uk_coro_switch, .-uk_coro_switch\n"
    ".globl uk_coro_trampoline\n"
    ".type uk_coro_trampoline, @function\n"
    "uk_coro_trampoline:\n"
    "    movq %r12, %rdi\n"
    "    call uk_coro_entry\n"
    "    ud2\n"
    ".size uk_coro_trampoline, .-uk_coro_trampoline\n");
#endif

void
uk_coro_entry(struct coro *c)
{
#ifdef UK_ASAN
    __sanitizer_finish_switch_fiber(NULL, &sched_stack_bottom,
                                    &sched_stack_size);
#endif
    c->fn(c->arg);
    uk_assert(!"coroutine function returned");
}

#ifndef CORO_ASM
static void
ucontext_entry(unsigned int hi, unsigned int lo)
{
    uintptr_t p = ((uintptr_t) hi << 32) | lo;
    uk_coro_entry((struct coro *) p);
}
#endif

/* Stacks of the default size are kept for reuse: the explorer and reverse
 * stepping rebuild models, and so create and destroy coroutines, by the
 * thousand; fresh large allocations cost an mmap() and munmap() each. */
#define CORO_STACK_CACHE 64
static __thread char *stack_cache[CORO_STACK_CACHE];
static __thread size_t n_stack_cache;

static char *
stack_alloc(size_t size)
{
    if (size == CORO_DEFAULT_STACK && n_stack_cache) {
        char *stack = stack_cache[--n_stack_cache];
#ifdef UK_ASAN
        /* An abandoned coroutine leaves its frames' redzones poisoned. */
        ASAN_UNPOISON_MEMORY_REGION(stack, size);
#endif
        return stack;
    }
    return uk_xmalloc(size);
}

void coro_release_cache(void);

static void
stack_free(char *stack, size_t size)
{
    static __thread bool at_exit;
    if (!at_exit) {
        atexit(coro_release_cache);     /* This thread's cache, at exit. */
        at_exit = true;
    }
    if (size == CORO_DEFAULT_STACK && n_stack_cache < CORO_STACK_CACHE) {
        stack_cache[n_stack_cache++] = stack;
    } else {
        free(stack);
    }
}

void
coro_release_cache(void)
{
    while (n_stack_cache) {
        free(stack_cache[--n_stack_cache]);
    }
}

struct coro *
coro_create(coro_fn *fn, void *arg, size_t stack_size)
{
    struct coro *c = uk_xzalloc(sizeof *c);
    c->stack_size = stack_size ? stack_size : CORO_DEFAULT_STACK;
    c->stack = stack_alloc(c->stack_size);
    c->fn = fn;
    c->arg = arg;
#ifdef CORO_ASM
    uintptr_t top = ((uintptr_t) c->stack + c->stack_size) & ~(uintptr_t) 15;
    /* After the six pops and the ret into the trampoline, %rsp is
     * top - 16: 16-byte aligned before its call, as the ABI wants. */
    void **sp = (void **) (top - 72);
    sp[0] = NULL;               /* r15 */
    sp[1] = NULL;               /* r14 */
    sp[2] = NULL;               /* r13 */
    sp[3] = c;                  /* r12: the trampoline's argument. */
    sp[4] = NULL;               /* rbx */
    sp[5] = NULL;               /* rbp */
    sp[6] = (void *) uk_coro_trampoline;
    c->sp = sp;
#else
    getcontext(&c->ctx);
    c->ctx.uc_stack.ss_sp = c->stack;
    c->ctx.uc_stack.ss_size = c->stack_size;
    c->ctx.uc_link = NULL;
    uintptr_t p = (uintptr_t) c;
    makecontext(&c->ctx, (void (*)(void)) ucontext_entry, 2,
                (unsigned int) (p >> 32), (unsigned int) p);
#endif
    return c;
}

void
coro_destroy(struct coro *c)
{
    if (c) {
        uk_assert(running != c);
        stack_free(c->stack, c->stack_size);
        free(c);
    }
}

void
coro_resume(struct coro *c)
{
    uk_assert(!running);
    running = c;
#ifdef UK_ASAN
    __sanitizer_start_switch_fiber(&sched_fake, c->stack, c->stack_size);
#endif
#ifdef CORO_ASM
    uk_coro_switch(&sched_sp, c->sp);
#else
    swapcontext(&sched_ctx, &c->ctx);
#endif
#ifdef UK_ASAN
    __sanitizer_finish_switch_fiber(sched_fake, NULL, NULL);
#endif
    running = NULL;
}

void
coro_yield(void)
{
    struct coro *c = running;
    uk_assert(c);
#ifdef UK_ASAN
    __sanitizer_start_switch_fiber(&c->asan_fake, sched_stack_bottom,
                                   sched_stack_size);
#endif
#ifdef CORO_ASM
    uk_coro_switch(&c->sp, sched_sp);
#else
    swapcontext(&c->ctx, &sched_ctx);
#endif
#ifdef UK_ASAN
    __sanitizer_finish_switch_fiber(c->asan_fake, &sched_stack_bottom,
                                    &sched_stack_size);
#endif
}

struct coro *
coro_self(void)
{
    return running;
}
