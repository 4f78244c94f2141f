/* SPDX-License-Identifier: Apache-2.0 */
/* Fault injection for tests (LD_PRELOAD): with UKDB_FAIL_THREAD=N in the
 * environment, the first N pthread_create() calls made by the process's
 * initial thread succeed and every later one fails with EAGAIN, as when
 * the process runs out of threads or of memory for their stacks.  Calls
 * from other threads (liburcu's call_rcu thread is started by the first
 * call_rcu(), from a model thread) are left alone.  Without the variable
 * it changes nothing.  Used by tests/t1500-load-args.sh. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

typedef int create_fn(pthread_t *, const pthread_attr_t *,
                      void *(*)(void *), void *);

int
pthread_create(pthread_t *thread, const pthread_attr_t *attr,
               void *(*start)(void *), void *arg)
{
    static _Atomic int n_calls;
    create_fn *real = (create_fn *) dlsym(RTLD_NEXT, "pthread_create");
    const char *limit = getenv("UKDB_FAIL_THREAD");

    if (!real) {
        return ENOSYS;
    }
    if (limit && gettid() == getpid()
        && atomic_fetch_add(&n_calls, 1) >= atoi(limit)) {
        return EAGAIN;
    }
    return real(thread, attr, start, arg);
}
