/* SPDX-License-Identifier: Apache-2.0 */
/* Scenario commands: the configuration (variant, datapath, umaps, set),
 * threads and flows, and the stimuli queued on the model (upcalls, traffic,
 * rounds, main-thread operations, datapath changes and faults). */
#include "repl.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "repl/trace.h"

/* ==== Argument helpers ==== */

struct uk_thread *
repl_thread_arg(struct repl *r, const char *cmd, const char *arg)
{
    struct uk_thread *t = udpif_find_thread(r->udpif, arg);
    if (!t) {
        repl_usage_error(r, cmd, "'%s': no such thread", arg);
    }
    return t;
}

struct uk_flow *
repl_flow_arg(struct repl *r, const char *cmd, const char *arg)
{
    struct uk_flow *f = udpif_find_flow(r->udpif, arg);
    if (!f) {
        repl_usage_error(r, cmd, "'%s': no such flow (declare it with "
                         "\"flow %s\")", arg, arg);
    }
    return f;
}

bool
repl_number_option(struct repl *r, const char *cmd, const char *opt,
                   const char *arg, uint64_t min, uint64_t max,
                   uint64_t *out)
{
    uint64_t v = 0;
    enum uk_number kind = uk_parse_number(arg, &v);
    if (kind == UK_NUMBER_OK && v > max) {
        kind = UK_NUMBER_TOO_LARGE;
    }
    if (kind == UK_NUMBER_OK && v >= min) {
        *out = v;
        return true;
    }
    char range[UK_NUMBER_TEXT_SIZE], problem[UK_NUMBER_TEXT_SIZE];
    uk_number_range(range, sizeof range, min, max, kind);
    repl_usage_error(r, cmd, "%s%s'%s': %s", opt ? opt : "", opt ? " " : "",
                     arg, uk_number_problem(problem, sizeof problem, kind,
                                            range));
    return false;
}

bool
repl_number_arg(struct repl *r, const char *cmd, const char *arg,
                uint64_t min, uint64_t max, uint64_t *out)
{
    return repl_number_option(r, cmd, NULL, arg, min, max, out);
}

struct ukey *
repl_flow_current_ukey(const struct repl *r, struct uk_flow *f)
{
    struct ukey *best = NULL;
    for (struct ukey *u = r->udpif->all_ukeys; u; u = u->next_all) {
        if (u->flow != f) {
            continue;
        }
        if (u->in_umap) {
            return u;
        }
        if (!best || u->id > best->id) {
            best = u;
        }
    }
    return best;
}

bool
repl_ukey_id_arg(struct repl *r, const char *cmd, const char *arg,
                 uint64_t *id)
{
    return repl_number_arg(r, cmd, uk_ukey_id_digits(arg), 1, UINT64_MAX, id);
}

bool
repl_is_number(const char *arg)
{
    uint64_t v;
    return uk_parse_number(arg, &v) != UK_NUMBER_NONE;
}

bool
repl_is_ukey_id(const char *arg)
{
    return isdigit((unsigned char) *uk_ukey_id_digits(arg));
}

struct ukey *
repl_ukey_arg(struct repl *r, const char *cmd, const char *arg)
{
    if (repl_is_ukey_id(arg)) {
        uint64_t id;
        if (!repl_ukey_id_arg(r, cmd, arg, &id)) {
            return NULL;
        }
        struct ukey *k = udpif_find_ukey(r->udpif, id);
        if (!k) {
            repl_usage_error(r, cmd, "'%s': no such ukey", arg);
        }
        return k;
    }
    struct uk_flow *f = udpif_find_flow(r->udpif, arg);
    if (!f) {
        repl_usage_error(r, cmd, "'%s': no such ukey or flow", arg);
        return NULL;
    }
    struct ukey *k = repl_flow_current_ukey(r, f);
    if (!k) {
        repl_usage_error(r, cmd, "'%s': flow has no ukey yet", arg);
    }
    return k;
}

/* ==== Configuration ==== */

/* Whether 'a' and 'b' make the same model (the settings that "variant",
 * "datapath", "umaps" and "set" change). */
static bool
config_same(const struct udpif_config *a, const struct udpif_config *b)
{
    return (a->variant == b->variant && a->datapath == b->datapath
            && a->n_umaps == b->n_umaps && a->dump_batch == b->dump_batch
            && a->upcall_batch == b->upcall_batch
            && a->flow_limit == b->flow_limit
            && a->stuck_rounds == b->stuck_rounds
            && a->slowpath_rounds == b->slowpath_rounds
            && a->checker == b->checker);
}

/* A configuration change, 'cfg', made by command 'argv': the session
 * starts over with it and its commands run again (repl_rescript()), or,
 * if one of them fails under it, the change is refused and the session
 * stays as it was. */
static enum cmd_status
reconfigure(struct repl *r, const struct udpif_config *cfg, int argc,
            char *argv[])
{
    if (r->replaying || r->rescripting) {
        r->cfg = *cfg;
        return CMD_OK;
    }
    char what[256];
    repl_join(what, sizeof what, argv, (size_t) argc, " ");
    if (config_same(cfg, &r->cfg)) {
        /* Nothing to run again; said when there was something to. */
        if (r->n_script) {
            repl_printf(r, "%s: already %s\n", what,
                        strcmp(argv[0], "datapath") ? "set" : "selected");
        }
        return CMD_OK;
    }
    return repl_rescript(r, cfg, what) ? CMD_ERROR : CMD_OK;
}

enum cmd_status
cmd_variant(struct repl *r, int argc, char *argv[])
{
    if (argc == 1) {
        /* Columns as wide as their longest entry ("pre-154781666"). */
        int name_width = 0, commit_width = 0;
        for (size_t i = 0; i < uk_variant_count(); i++) {
            const struct uk_variant *v = uk_variant_at(i);
            int name_len = (int) strlen(v->name);
            int commit_len = (int) strlen(v->commit);
            name_width = name_len > name_width ? name_len : name_width;
            commit_width = commit_len > commit_width ? commit_len
                                                     : commit_width;
        }
        for (size_t i = 0; i < uk_variant_count(); i++) {
            const struct uk_variant *v = uk_variant_at(i);
            printf("%s %-*s  %-*s  %s\n", v == r->cfg.variant ? "*" : " ",
                   name_width, v->name, commit_width, v->commit,
                   v->summary);
        }
        return CMD_OK;
    }
    const struct uk_variant *v = uk_variant_find(argv[1]);
    if (!v) {
        repl_usage_error(r, "variant", "'%s': no such variant", argv[1]);
        return CMD_ERROR;
    }
    if (r->cfg.variant == v) {
        if (r->n_script) {
            repl_printf(r, "variant %s: already selected\n", v->name);
        }
        return CMD_OK;
    }
    struct udpif_config cfg = r->cfg;
    cfg.variant = v;
    enum cmd_status status = reconfigure(r, &cfg, argc, argv);
    if (status == CMD_OK && r->n_script && !r->replaying
        && !r->rescripting) {
        repl_printf(r, "variant %s: re-ran the session's %zu command%s "
                    "(%" PRIu64 " step%s)\n", v->name, r->n_script,
                    uk_plural(r->n_script), repl_steps(r),
                    uk_plural(repl_steps(r)));
    }
    return status;
}

enum cmd_status
cmd_datapath(struct repl *r, int argc, char *argv[])
{
    struct udpif_config cfg = r->cfg;
    if (!strcmp(argv[1], "kernel")) {
        cfg.datapath = UK_DP_KERNEL;
    } else if (!strcmp(argv[1], "netdev")) {
        cfg.datapath = UK_DP_NETDEV;
    } else {
        repl_usage_error(r, "datapath", "'%s': expected kernel or netdev",
                         argv[1]);
        return CMD_ERROR;
    }
    return reconfigure(r, &cfg, argc, argv);
}

enum cmd_status
cmd_umaps(struct repl *r, int argc, char *argv[])
{
    uint64_t n;
    if (!repl_number_arg(r, "umaps", argv[1], 1, 4096, &n)) {
        return CMD_ERROR;
    }
    struct udpif_config cfg = r->cfg;
    cfg.n_umaps = (unsigned int) n;
    return reconfigure(r, &cfg, argc, argv);
}

enum cmd_status
cmd_set(struct repl *r, int argc, char *argv[])
{
    const char *key = argv[1], *value = argv[2];
    if (!strcmp(key, "output")) {
        if (strcmp(value, "text") && strcmp(value, "json")) {
            repl_usage_error(r, "set", "'%s': expected text or json", value);
            return CMD_ERROR;
        }
        r->json = !strcmp(value, "json");
        return CMD_OK;
    }
    if (!strcmp(key, "echo")) {
        if (strcmp(value, "on") && strcmp(value, "off")) {
            repl_usage_error(r, "set", "'%s': expected on or off", value);
            return CMD_ERROR;
        }
        r->echo = !strcmp(value, "on");
        return CMD_OK;
    }
    uint64_t n;
    struct udpif_config cfg = r->cfg;
    unsigned int *field = !strcmp(key, "dump-batch") ? &cfg.dump_batch
                          : !strcmp(key, "upcall-batch")
                          ? &cfg.upcall_batch
                          : !strcmp(key, "flow-limit") ? &cfg.flow_limit
                          : !strcmp(key, "stuck-rounds")
                          ? &cfg.stuck_rounds
                          : !strcmp(key, "slowpath-rounds")
                          ? &cfg.slowpath_rounds : NULL;
    if (!field) {
        repl_usage_error(r, "set", "'%s': no such setting", key);
        return CMD_ERROR;
    } else if (r->trace) {
        char what[64];
        snprintf(what, sizeof what, "set %s", key);
        return trace_refuse_config(r, what);
    }
    if (!repl_number_arg(r, "set", value, 1, 1000000, &n)) {
        return CMD_ERROR;
    }
    *field = (unsigned int) n;
    /* Settings are part of the configuration: the session runs again with
     * the new value from its start. */
    return reconfigure(r, &cfg, argc, argv);
}

enum cmd_status
cmd_echo(struct repl *r, int argc, char *argv[])
{
    if (r->replaying || r->quiet) {
        return CMD_OK;
    }
    for (int i = 1; i < argc; i++) {
        printf("%s%s", i > 1 ? " " : "", argv[i]);
    }
    putchar('\n');
    return CMD_OK;
}

enum cmd_status
cmd_quit(struct repl *r, int argc, char *argv[])
{
    (void) r;
    (void) argc;
    (void) argv;
    return CMD_EXIT;
}

/* ==== Threads and flows ==== */

/* Whether 'name' can name a thread or a flow, else an error for 'cmd'.
 * The session's journal, "back", "variant", "explore" and the scripts they
 * write print names as plain words, so a name must read back as the same
 * one word: no white space, quote or ';', no leading '#' (a comment).  A
 * number or "ukey#N" would read as a ukey id ("show ukey 1", "expect state
 * 1") or a count ("step 3"). */
static bool
name_ok(struct repl *r, const char *cmd, const char *name)
{
    const char *why = NULL;
    const char *digits = !strncmp(name, "ukey#", 5) ? name + 5 : name;
    if (!*name) {
        why = "a name cannot be empty";
    } else if (repl_is_number(name)
               || (*digits && digits[strspn(digits, "0123456789")] == '\0')) {
        why = "a name cannot be a number or a ukey id (it would read as "
              "one, or as a count)";
    } else if (name[0] == '#') {
        why = "a name cannot begin with '#'";
    } else if (strpbrk(name, " \t\";")) {
        why = "a name cannot hold white space, '\"' or ';'";
    }
    if (why) {
        repl_usage_error(r, cmd, "'%s': %s", name, why);
        return false;
    }
    return true;
}

enum cmd_status
cmd_thread(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    enum uk_thread_kind kind = !strcmp(argv[0], "handler") ? UK_THREAD_HANDLER
                               : !strcmp(argv[0], "pmd") ? UK_THREAD_PMD
                               : UK_THREAD_REVALIDATOR;
    int error;
    if (!name_ok(r, argv[0], argv[1])) {
        return CMD_ERROR;
    }
    if (udpif_add_thread(r->udpif, kind, argv[1], &error)) {
        repl_bp_resolve(r);     /* A breakpoint may name it. */
        return CMD_OK;
    }
    if (error == EEXIST) {
        repl_usage_error(r, argv[0], "'%s': name already in use", argv[1]);
    } else {
        repl_usage_error(r, argv[0], "a %s needs \"datapath %s\"", argv[0],
                         kind == UK_THREAD_HANDLER ? "kernel" : "netdev");
    }
    return CMD_ERROR;
}

enum cmd_status
cmd_flow(struct repl *r, int argc, char *argv[])
{
    if (!name_ok(r, "flow", argv[1])) {
        return CMD_ERROR;
    }
    if (udpif_find_thread(r->udpif, argv[1])) {
        repl_usage_error(r, "flow", "'%s': name already used by a thread",
                         argv[1]);
        return CMD_ERROR;
    }
    if (udpif_find_flow(r->udpif, argv[1])) {
        /* As for a thread; before, "flow f1 h1" silently moved f1. */
        repl_usage_error(r, "flow", "'%s': flow already declared", argv[1]);
        return CMD_ERROR;
    }
    struct uk_thread *t = NULL;
    if (argc > 2) {
        t = repl_thread_arg(r, "flow", argv[2]);
        if (!t) {
            return CMD_ERROR;
        }
        if (t->kind != UK_THREAD_HANDLER && t->kind != UK_THREAD_PMD) {
            repl_usage_error(r, "flow", "'%s': not a handler or PMD",
                             argv[2]);
            return CMD_ERROR;
        }
    }
    struct uk_flow *f = udpif_add_flow_new(r->udpif, argv[1]);
    if (t) {
        f->handler = t;
    }
    repl_bp_resolve(r);         /* A breakpoint may name it. */
    return CMD_OK;
}

/* ==== Stimuli ==== */

enum cmd_status
cmd_upcall(struct repl *r, int argc, char *argv[])
{
    struct uk_thread *t = repl_thread_arg(r, "upcall", argv[1]);
    struct uk_flow *f = t ? repl_flow_arg(r, "upcall", argv[2]) : NULL;
    uint64_t packets = 1;
    if (!f || (argc > 3 && !repl_number_arg(r, "upcall", argv[3], 1,
                                            1000000000, &packets))) {
        return CMD_ERROR;
    }
    if (udpif_upcall(r->udpif, t, f, packets)) {
        repl_usage_error(r, "upcall", "'%s': not a handler or PMD", argv[1]);
        return CMD_ERROR;
    }
    return CMD_OK;
}

enum cmd_status
cmd_traffic(struct repl *r, int argc, char *argv[])
{
    struct uk_flow *f = repl_flow_arg(r, "traffic", argv[1]);
    uint64_t n = 1;
    if (!f || (argc > 2 && !repl_number_arg(r, "traffic", argv[2], 1,
                                            1000000000, &n))) {
        return CMD_ERROR;
    }
    if (udpif_traffic(r->udpif, f, n)) {
        repl_usage_error(r, "traffic", "no handler or PMD for '%s''s misses",
                         argv[1]);
        return CMD_ERROR;
    }
    repl_print_new_events(r);
    return CMD_OK;
}

enum cmd_status
cmd_round(struct repl *r, int argc, char *argv[])
{
    unsigned int phases = !strcmp(argv[0], "dump") ? UK_PHASE_DUMP
                          : !strcmp(argv[0], "sweep") ? UK_PHASE_SWEEP
                          : UK_PHASE_ALL;
    struct uk_thread *t = NULL;
    if (argc > 1) {
        t = repl_thread_arg(r, argv[0], argv[1]);
        if (!t) {
            return CMD_ERROR;
        }
        if (t->kind != UK_THREAD_REVALIDATOR) {
            repl_usage_error(r, argv[0], "'%s': not a revalidator", argv[1]);
            return CMD_ERROR;
        }
    }
    if (udpif_round(r->udpif, t, phases)) {
        repl_usage_error(r, argv[0], "no revalidator (add one with "
                         "\"revalidator NAME\")");
        return CMD_ERROR;
    }
    return CMD_OK;
}

enum cmd_status
cmd_purge(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    (void) argv;
    udpif_purge(r->udpif);
    return CMD_OK;
}

enum cmd_status
cmd_purge_pmd(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    struct uk_thread *t = repl_thread_arg(r, "purge-pmd", argv[1]);
    if (!t) {
        return CMD_ERROR;
    }
    if (udpif_dp_purge(r->udpif, t)) {
        repl_usage_error(r, "purge-pmd", "'%s': not a PMD", argv[1]);
        return CMD_ERROR;
    }
    return CMD_OK;
}

enum cmd_status
cmd_flush(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    (void) argv;
    udpif_flush(r->udpif);
    return CMD_OK;
}

enum cmd_status
cmd_shutdown(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    (void) argv;
    udpif_shutdown(r->udpif);
    return CMD_OK;
}

enum cmd_status
cmd_expire(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    struct uk_flow *f = repl_flow_arg(r, "expire", argv[1]);
    if (!f) {
        return CMD_ERROR;
    }
    udpif_expire(r->udpif, f);
    return CMD_OK;
}

enum cmd_status
cmd_modify(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    struct uk_flow *f = repl_flow_arg(r, "modify", argv[1]);
    if (!f) {
        return CMD_ERROR;
    }
    udpif_modify(r->udpif, f);
    return CMD_OK;
}

/* The instance of 'f' the datapath holds: on its handler's or PMD's
 * pmd_id. */
static uint32_t
flow_pmd_id(struct repl *r, struct uk_flow *f)
{
    for (size_t i = 0; i < r->udpif->n_dp_flows; i++) {
        const struct dp_flow *d = &r->udpif->dp_flows[i];
        if (d->flow == f && d->present) {
            return d->pmd_id;
        }
    }
    return f->handler ? f->handler->pmd_id : 0;
}

static bool
parse_errno(struct repl *r, const char *arg, int *error)
{
    static const struct { const char *name; int value; } names[] = {
        { "ENOENT", ENOENT }, { "EBUSY", EBUSY }, { "EEXIST", EEXIST },
        { "ENOSPC", ENOSPC }, { "EINVAL", EINVAL }, { "ENOMEM", ENOMEM },
        { "EIO", EIO }, { "EFBIG", EFBIG },
    };
    for (size_t i = 0; i < UK_ARRAY_SIZE(names); i++) {
        if (!strcasecmp(arg, names[i].name)) {
            *error = names[i].value;
            return true;
        }
    }
    uint64_t n;
    if (!repl_is_number(arg)) {
        repl_usage_error(r, "dp", "'%s': no such errno (ENOENT, EBUSY, "
                         "EEXIST, ENOSPC, EINVAL, ENOMEM, EIO, EFBIG or a "
                         "number)", arg);
        return false;
    }
    if (!repl_number_arg(r, "dp", arg, 1, 4095, &n)) {
        return false;
    }
    *error = (int) n;
    return true;
}

enum cmd_status cmd_show_dp(struct repl *r);

enum cmd_status
cmd_dp(struct repl *r, int argc, char *argv[])
{
    const char *sub = argv[1];
    if (!strcmp(sub, "show")) {
        if (argc > 2) {
            repl_usage_error(r, "dp", "'%s': unexpected argument (\"dp "
                             "show\" takes none)", argv[2]);
            return CMD_ERROR;
        }
        r->only_shown = true;
        return cmd_show_dp(r);
    }
    if (strcmp(sub, "add") && strcmp(sub, "del") && strcmp(sub, "dup")
        && strcmp(sub, "fail")) {
        repl_usage_error(r, "dp", "'%s': expected add, del, fail, dup or "
                         "show", sub);
        return CMD_ERROR;
    }
    if (argc < 3) {
        repl_usage_error(r, "dp", "'%s': needs %s", sub,
                         strcmp(sub, "fail") ? "a flow"
                         : "put, del or modify, then a flow");
        return CMD_ERROR;
    }
    if (!strcmp(sub, "fail")) {
        bool modify = !strcmp(argv[2], "modify");
        enum uk_action_kind op = !strcmp(argv[2], "del") ? UK_ACT_DP_DEL
                                 : UK_ACT_DP_PUT;
        if (strcmp(argv[2], "put") && strcmp(argv[2], "del") && !modify) {
            repl_usage_error(r, "dp", "'%s': expected put, del or modify",
                             argv[2]);
            return CMD_ERROR;
        }
        if (argc < 4) {
            repl_usage_error(r, "dp", "fail %s: needs a flow", argv[2]);
            return CMD_ERROR;
        }
        struct uk_flow *f = repl_flow_arg(r, "dp", argv[3]);
        int error = op == UK_ACT_DP_DEL ? ENOENT : EFBIG;
        if (!f || (argc > 4 && !parse_errno(r, argv[4], &error))) {
            return CMD_ERROR;
        }
        udpif_dp_fail(r->udpif, f, flow_pmd_id(r, f), op, modify, error);
        return CMD_OK;
    }
    if (argc > 3) {
        repl_usage_error(r, "dp", "too many arguments");
        return CMD_ERROR;
    }
    struct uk_flow *f = repl_flow_arg(r, "dp", argv[2]);
    if (!f) {
        return CMD_ERROR;
    }
    if (!strcmp(sub, "add")) {
        if (udpif_dp_ext_add(r->udpif, f, flow_pmd_id(r, f))) {
            repl_usage_error(r, "dp", "'%s': already in the datapath",
                             argv[2]);
            return CMD_ERROR;
        }
        repl_print_new_events(r);
        return CMD_OK;
    }
    int error = !strcmp(sub, "del")
                ? udpif_dp_ext_del(r->udpif, f, flow_pmd_id(r, f))
                : udpif_dp_dup(r->udpif, f, flow_pmd_id(r, f));
    if (error) {
        repl_usage_error(r, "dp", "'%s': no datapath flow", argv[2]);
        return CMD_ERROR;
    }
    repl_print_new_events(r);
    return CMD_OK;
}

enum cmd_status
cmd_rcu(struct repl *r, int argc, char *argv[])
{
    if (argc > 1 && !strcmp(argv[1], "step")) {
        struct uk_thread *urcu = r->udpif->threads[1];
        if (repl_step_thread(r, urcu)) {
            repl_error(r, "rcu: no callback is ready (a busy thread has not "
                       "quiesced since)");
            return CMD_ERROR;
        }
        return CMD_OK;
    }
    if (argc > 1) {
        repl_usage_error(r, "rcu", "'%s': expected step", argv[1]);
        return CMD_ERROR;
    }
    char *show_argv[] = { (char *) "show", (char *) "rcu", NULL };
    r->only_shown = true;
    return cmd_show(r, 2, show_argv);
}

/* ==== Completion ==== */

void
complete_rcu(struct repl *r, int argi, char *argv[],
             void (*add)(void *, const char *), void *aux)
{
    (void) r;
    (void) argv;
    if (argi == 1) {
        add(aux, "step");
    }
}

/* The names of 'names' (a trace's threads or flows). */
static void
complete_trace_names(const struct trace_name *names, size_t n,
                     void (*add)(void *, const char *), void *aux)
{
    for (size_t i = 0; i < n; i++) {
        if (names[i].name) {
            add(aux, names[i].name);
        }
    }
}

/* The threads of the model, or of the open trace. */
void
complete_thread(struct repl *r, int argi, char *argv[],
                void (*add)(void *, const char *), void *aux)
{
    (void) argi;
    (void) argv;
    if (r->trace) {
        complete_trace_names(r->trace->threads, r->trace->n_threads, add,
                             aux);
        return;
    }
    for (size_t i = 0; i < r->udpif->n_threads; i++) {
        add(aux, r->udpif->threads[i]->name);
    }
}

/* The declared flows' names (the model's, or the open trace's): where a
 * FLOW, not a ukey ID, is expected. */
void
complete_flow_name(struct repl *r, int argi, char *argv[],
                   void (*add)(void *, const char *), void *aux)
{
    (void) argi;
    (void) argv;
    if (r->trace) {
        complete_trace_names(r->trace->flows, r->trace->n_flows, add, aux);
        return;
    }
    for (size_t i = 0; i < r->udpif->n_flows; i++) {
        add(aux, r->udpif->flows[i]->name);
    }
}

/* The ukeys of the model, or of the open trace at its cursor. */
static void
complete_ukey_id(struct repl *r, void (*add)(void *, const char *),
                 void *aux)
{
    char id[32];
    if (r->trace) {
        const struct trace_state *st = &r->trace->cur;
        for (size_t i = 0; i < st->n_ukeys; i++) {
            snprintf(id, sizeof id, "%" PRIu64, st->ukeys[i].id);
            add(aux, id);
        }
        return;
    }
    for (struct ukey *u = r->udpif->all_ukeys; u; u = u->next_all) {
        snprintf(id, sizeof id, "%" PRIu64, u->id);
        add(aux, id);
    }
}

/* A ukey ID or a flow name ("history", "show ukey", "expect state"). */
void
complete_flow(struct repl *r, int argi, char *argv[],
              void (*add)(void *, const char *), void *aux)
{
    complete_flow_name(r, argi, argv, add, aux);
    complete_ukey_id(r, add, aux);
}

/* "upcall THREAD FLOW". */
void
complete_upcall(struct repl *r, int argi, char *argv[],
                void (*add)(void *, const char *), void *aux)
{
    if (argi == 1) {
        complete_thread(r, argi, argv, add, aux);
    } else if (argi == 2) {
        complete_flow_name(r, argi, argv, add, aux);
    }
}

void
complete_variant(struct repl *r, int argi, char *argv[],
                 void (*add)(void *, const char *), void *aux)
{
    (void) r;
    (void) argi;
    (void) argv;
    for (size_t i = 0; i < uk_variant_count(); i++) {
        add(aux, uk_variant_at(i)->name);
    }
}

void
complete_dp(struct repl *r, int argi, char *argv[],
            void (*add)(void *, const char *), void *aux)
{
    static const char *const subs[] = { "add", "del", "fail", "dup",
                                        "show" };
    static const char *const ops[] = { "put", "del", "modify" };
    if (argi == 1) {
        for (size_t i = 0; i < UK_ARRAY_SIZE(subs); i++) {
            add(aux, subs[i]);
        }
    } else if (argi == 2 && !strcmp(argv[1], "fail")) {
        for (size_t i = 0; i < UK_ARRAY_SIZE(ops); i++) {
            add(aux, ops[i]);
        }
    } else {
        complete_flow_name(r, argi, argv, add, aux);
    }
}

/* The value after the word "ukey", "flow" or "thread" at argv[argi - 1]. */
static void
complete_after_keyword(struct repl *r, int argi, char *argv[],
                       void (*add)(void *, const char *), void *aux)
{
    const char *keyword = argv[argi - 1];
    if (!strcmp(keyword, "ukey")) {
        complete_ukey_id(r, add, aux);
    } else if (!strcmp(keyword, "flow")) {
        complete_flow_name(r, argi, argv, add, aux);
    } else if (!strcmp(keyword, "thread")) {
        complete_thread(r, argi, argv, add, aux);
    }
}

void
complete_ukey_or_flow(struct repl *r, int argi, char *argv[],
                      void (*add)(void *, const char *), void *aux)
{
    if (argi == 1) {
        add(aux, "ukey");
        add(aux, "flow");
    } else if (argi == 2) {
        complete_after_keyword(r, argi, argv, add, aux);
    }
}

void
complete_set(struct repl *r, int argi, char *argv[],
             void (*add)(void *, const char *), void *aux)
{
    static const char *const keys[] = {
        "output", "echo", "dump-batch", "upcall-batch", "flow-limit",
        "stuck-rounds", "slowpath-rounds",
    };
    (void) r;
    if (argi == 1) {
        for (size_t i = 0; i < UK_ARRAY_SIZE(keys); i++) {
            add(aux, keys[i]);
        }
    } else if (argi == 2 && !strcmp(argv[1], "output")) {
        add(aux, "text");
        add(aux, "json");
    } else if (argi == 2 && !strcmp(argv[1], "echo")) {
        add(aux, "on");
        add(aux, "off");
    }
}

void
complete_break(struct repl *r, int argi, char *argv[],
               void (*add)(void *, const char *), void *aux)
{
    for (int i = 2; i < argi; i++) {
        if (!strcmp(argv[i], "if")) {
            /* The words after "if" are those after "expect". */
            complete_expect(r, argi - i, argv + i, add, aux);
            return;
        }
    }
    if (argi == 1) {
        add(aux, "transition");
        add(aux, "violation");
        add(aux, "event");
    } else if (argi == 2 && !strcmp(argv[1], "violation")) {
        for (int i = 0; i < N_UK_VIOLATION_KINDS; i++) {
            add(aux, uk_violation_kind_name(i));
        }
    } else if (argi == 2 && !strcmp(argv[1], "event")) {
        for (int i = 0; i < N_UK_EVENT_TYPES; i++) {
            add(aux, uk_event_type_name(i));
        }
    } else if (argi == 2) {
        for (int i = 0; i < N_UKEY_STATES; i++) {
            add(aux, ukey_state_name(i));
        }
    } else if (argi % 2 == 1) {
        add(aux, "ukey");
        add(aux, "flow");
        add(aux, "thread");
        add(aux, "if");
    } else {
        complete_after_keyword(r, argi, argv, add, aux);
    }
}
