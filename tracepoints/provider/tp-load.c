/* SPDX-License-Identifier: Apache-2.0 */
/* uk_tp_load(): see tp-load.h. */
#include "tracepoints/provider/tp-load.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TP_LOAD_NAME "libukdb-tp.so"

/* Defined by tp.c only: the probes are linked in. */
extern const bool uk_tp_probes_linked __attribute__((weak));

/* dlopen()s 'path'.  On failure, keeps dlerror()'s message in 'err'. */
static bool
tp_load_path(const char *path, char *err, size_t size)
{
    /* Never closed: LTTng-UST unregisters probes only at exit. */
    if (dlopen(path, RTLD_NOW)) {
        return true;
    }
    const char *e = dlerror();
    snprintf(err, size, "%.*s", (int) size - 1, e ? e : path);
    return false;
}

/* Loads the probes, or warns: see uk_tp_load(). */
static bool
tp_load(void)
{
    char err[512] = "";

    if (&uk_tp_probes_linked) {
        return true;
    }
    const char *env = getenv("UKDB_TP_PROVIDER");
    if (env && *env) {
        if (tp_load_path(env, err, sizeof err)) {
            return true;
        }
    } else {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        char *slash = n > 0 ? memrchr(exe, '/', (size_t) n) : NULL;
        if (slash) {
            static const char *const rel[] = {
                "/" TP_LOAD_NAME, "/../lib/ukdb/" TP_LOAD_NAME,
            };
            for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
                char path[PATH_MAX + 64];
                snprintf(path, sizeof path, "%.*s%s", (int) (slash - exe),
                         exe, rel[i]);
                if (tp_load_path(path, err, sizeof err)) {
                    return true;
                }
            }
        } else {
            snprintf(err, sizeof err, "cannot locate the ukdb executable");
        }
    }
    fprintf(stderr, "ukdb: warning: cannot load the \"ukey\" tracepoint "
            "probes (%s): tracing is off\n", err);
    return false;
}

bool
uk_tp_load(void)
{
    static int loaded = -1;     /* Once: -1 not tried, else the result. */
    if (loaded < 0) {
        loaded = tp_load();
    }
    return loaded;
}
