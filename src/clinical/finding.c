/*
 * finding.c — building findings. Strings live in the list's arena.
 */
#include "clinical/finding.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pp_findings_init(struct pp_findings *f)
{
    memset(f, 0, sizeof(*f));
    pp_arena_init(&f->arena);
}

void pp_findings_release(struct pp_findings *f)
{
    free(f->items);
    pp_arena_release(&f->arena);
    pp_findings_init(f);
}

void pp_findings_reset(struct pp_findings *f)
{
    f->n = 0;
    pp_arena_reset(&f->arena);
}

/* Cut `s` to at most `max` bytes without splitting a UTF-8 sequence. */
static void utf8_truncate(char *s, size_t max)
{
    size_t len = strlen(s);
    if (len <= max)
        return;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    s[max] = '\0';
}

struct pp_finding *pp_findings_add(struct pp_findings *f, const char *rule_id, enum pp_severity sev,
                                   const char *source, const char *fmt, ...)
{
    struct pp_finding *x;
    char tmp[512];
    va_list ap;

    PP_ALLOC_GROW(f->items, f->n + 1, f->alloc);
    x = &f->items[f->n++];
    memset(x, 0, sizeof(*x));
    x->rule_id = rule_id;
    x->severity = sev;
    x->source = source;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    utf8_truncate(tmp, PP_SUMMARY_MAX);
    memcpy(x->summary, tmp, strlen(tmp) + 1);
    x->detail = "";
    return x;
}

void pp_finding_detail(struct pp_findings *f, struct pp_finding *x, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *p;

    char small[1024];

    /* most details fit the stack buffer: formatted once, then copied */
    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    p = pp_arena_alloc(&f->arena, (size_t)n + 1);
    if ((size_t)n < sizeof(small)) {
        memcpy(p, small, (size_t)n + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(p, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    x->detail = p;
}

void pp_finding_evidence(struct pp_findings *f, struct pp_finding *x, const char *type,
                         const char *id)
{
    size_t tl, il;
    char *p;

    if (!id || x->n_evidence >= PP_FINDING_MAX_EVIDENCE)
        return;
    for (size_t i = 0; i < x->n_evidence; i++) {
        const char *e = x->evidence[i];
        size_t l = strlen(type);
        if (strncmp(e, type, l) == 0 && e[l] == '/' && strcmp(e + l + 1, id) == 0)
            return; /* already cited */
    }
    tl = strlen(type);
    il = strlen(id);
    p = pp_arena_alloc(&f->arena, tl + il + 2);
    memcpy(p, type, tl);
    p[tl] = '/';
    memcpy(p + tl + 1, id, il + 1);
    x->evidence[x->n_evidence++] = p;
}

struct pp_suggestion *pp_finding_suggest(struct pp_findings *f, struct pp_finding *x,
                                         enum pp_action action, const char *label)
{
    struct pp_suggestion *s;
    if (x->n_suggestions >= PP_FINDING_MAX_SUGGESTIONS)
        return NULL;
    s = &x->suggestions[x->n_suggestions++];
    memset(s, 0, sizeof(*s));
    s->action = action;
    s->label = pp_arena_strdup(&f->arena, label);
    return s;
}

const char *pp_severity_name(enum pp_severity s)
{
    switch (s) {
    case PP_SEV_INFO: return "info";
    case PP_SEV_WARNING: return "warning";
    case PP_SEV_CRITICAL: return "critical";
    }
    return "info";
}

size_t pp_findings_count_rule(const struct pp_findings *f, const char *rule_id)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->items[i].rule_id, rule_id) == 0)
            n++;
    return n;
}
