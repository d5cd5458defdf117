/*
 * handlers_ops_slot.c — GET /fhir/Slot/$next-available: the next free Slot of a visit mode
 * (Slot.serviceType urn:painpath:visit-mode#in-person or #virtual, docs/PROFILES.md),
 * optionally of one practitioner (through Schedule.actor) and from a start date, with the
 * days until it and the same- / next-day access figure defined in docs/API.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fhir/block_diary.h"
#include "http/handlers.h"
#include "http/ops_int.h"
#include "store/store.h"
#include "util/json.h"

#define VISIT_MODE_SYSTEM "urn:painpath:visit-mode"
#define MAX_SCHEDULES 256
#define MAX_SLOTS_SCANNED 100000 /* a year of slots for a large group practice */

struct slot_scan {
    const char *mode;
    char schedules[MAX_SCHEDULES][PP_STORE_ID_MAX + 1];
    size_t n_schedules;
    bool by_practitioner;
    double from_minutes;  /* now (or the start of today) */
    double after_minutes; /* max(now, the start parameter) */
    pp_day today;
    cJSON *best; /* owned: the earliest match at or after after_minutes */
    double best_minutes;
    long soon; /* free slots today and tomorrow (from now) */
    size_t seen;
};

/* Schedules whose actor is the practitioner. */
struct sched_ctx {
    struct slot_scan *scan;
    char ref[PP_STORE_ID_MAX + 16];
};

static enum pp_err keep_schedule(void *ctx, const struct pp_store_resource *r)
{
    struct sched_ctx *c = ctx;
    cJSON *sch, *actor;
    if (!r->body)
        return PP_OK;
    sch = cJSON_ParseWithLength(r->body, r->len);
    if (!sch)
        return PP_ERR_INTERNAL;
    cJSON_ArrayForEach(actor, cJSON_GetObjectItemCaseSensitive(sch, "actor"))
    {
        const char *ref = pp_json_str(actor, "reference");
        if (ref && strcmp(ref, c->ref) == 0 && c->scan->n_schedules < MAX_SCHEDULES) {
            memcpy(c->scan->schedules[c->scan->n_schedules++], r->meta.id, sizeof(r->meta.id));
            break;
        }
    }
    cJSON_Delete(sch);
    return PP_OK;
}

static bool of_mode(const cJSON *slot, const char *mode)
{
    const cJSON *st;
    cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(slot, "serviceType"))
    {
        const char *c = pp_fhir_coding_code(st, VISIT_MODE_SYSTEM);
        if (c && strcmp(c, mode) == 0)
            return true;
    }
    return false;
}

static bool of_schedules(const cJSON *slot, const struct slot_scan *s)
{
    const char *ref = pp_json_str(pp_json_obj(slot, "schedule"), "reference");
    if (!ref || strncmp(ref, "Schedule/", 9) != 0)
        return false;
    for (size_t i = 0; i < s->n_schedules; i++)
        if (strcmp(ref + 9, s->schedules[i]) == 0)
            return true;
    return false;
}

static enum pp_err look_at(void *ctx, const struct pp_store_resource *r)
{
    struct slot_scan *s = ctx;
    cJSON *slot;
    const char *start, *status;
    double at;
    s->seen++;
    if (!r->body)
        return PP_OK;
    slot = cJSON_ParseWithLength(r->body, r->len);
    if (!slot)
        return PP_ERR_INTERNAL;
    start = pp_json_str(slot, "start");
    status = pp_json_str(slot, "status");
    if (!status || strcmp(status, "free") != 0 || !of_mode(slot, s->mode) ||
        (s->by_practitioner && !of_schedules(slot, s)) || !pp_fhir_datetime_minutes(start, &at) ||
        at < s->from_minutes) {
        cJSON_Delete(slot);
        return PP_OK;
    }
    /* today or tomorrow (UTC days, from now) */
    if (at < (double)(s->today + 2) * 1440.0)
        s->soon++;
    if (at >= s->after_minutes && (!s->best || at < s->best_minutes)) {
        cJSON_Delete(s->best);
        s->best = slot;
        s->best_minutes = at;
        return PP_OK;
    }
    cJSON_Delete(slot);
    return PP_OK;
}

/* Now in minutes: the real clock when the server runs on it, else the start of req->now. */
static double now_minutes(const struct pp_http_request *req)
{
    if (req->env->now == PP_DAY_NONE)
        return (double)time(NULL) / 60.0;
    return (double)req->now * 1440.0;
}

static enum pp_err check_args(const struct pp_http_request *req, struct pp_diag *d)
{
    static const char *const known[] = {"service-type", "practitioner", "start"};
    for (size_t i = 0; i < req->n_args; i++) {
        bool ok = false;
        for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
            ok = ok || strcmp(req->args[i].name, known[k]) == 0;
        if (!ok)
            return pp_diag_set(d, PP_ERR_INPUT, req->args[i].name,
                               "unknown parameter (service-type, practitioner, start)");
    }
    return PP_OK;
}

/* The scan over the free slots (all pages). */
static enum pp_err scan_slots(struct pp_store *st, struct slot_scan *s, struct pp_diag *d)
{
    long offset = 0;
    size_t total = 0;
    enum pp_err rc;

    for (;;) {
        struct pp_store_query q;
        char off[24];
        if ((rc = pp_store_query_init(&q, "Slot", d)))
            return rc;
        snprintf(off, sizeof(off), "%ld", offset);
        /* free slots only; the time and the visit mode are checked here (exact instants,
         * whatever the zone each Slot.start is written in) */
        rc = pp_store_query_param(&q, "status", "free", d);
        if (!rc)
            rc = pp_store_query_param(&q, "_count", "1000", d);
        if (!rc)
            rc = pp_store_query_param(&q, "_offset", off, d);
        s->seen = 0;
        if (!rc)
            rc = pp_store_search(st, &q, look_at, s, &total, d);
        pp_store_query_release(&q);
        if (rc)
            return rc;
        offset += (long)s->seen;
        if (s->seen == 0 || (size_t)offset >= total || offset >= MAX_SLOTS_SCANNED)
            return PP_OK;
    }
}

void pp_http_handle_slot_next_available(const struct pp_http_request *req,
                                        struct pp_http_response *res)
{
    struct slot_scan *s = calloc(1, sizeof(*s));
    struct pp_store *st = NULL;
    struct pp_diag d;
    const char *mode = pp_ops_arg(req, "service-type");
    const char *practitioner = pp_ops_arg(req, "practitioner");
    const char *start = pp_ops_arg(req, "start");
    enum pp_err rc;

    if (!s)
        abort();
    pp_diag_clear(&d);
    if ((rc = check_args(req, &d)))
        goto done;
    if (mode && strncmp(mode, VISIT_MODE_SYSTEM "|", sizeof(VISIT_MODE_SYSTEM)) == 0)
        mode += sizeof(VISIT_MODE_SYSTEM);
    if (!mode || (strcmp(mode, "in-person") != 0 && strcmp(mode, "virtual") != 0)) {
        rc = pp_diag_set(&d, PP_ERR_INPUT, "service-type",
                         mode ? "expected in-person or virtual" : "required: in-person or virtual");
        goto done;
    }
    s->mode = mode;
    s->today = req->now;
    s->from_minutes = now_minutes(req);
    s->after_minutes = s->from_minutes;
    if (start) {
        double m;
        pp_day day;
        const char *v = strncmp(start, "ge", 2) == 0 ? start + 2 : start;
        if (pp_fhir_datetime_minutes(v, &m)) {
            /* a time given */
        } else if (strlen(v) == 10 && pp_day_parse(v, 10, &day, &d) == PP_OK) {
            m = (double)day * 1440.0;
        } else {
            rc = pp_diag_set(&d, PP_ERR_INPUT, "start",
                             "expected ge followed by a date YYYY-MM-DD or a dateTime");
            goto done;
        }
        if (m > s->after_minutes)
            s->after_minutes = m;
    }
    if (!pp_ops_store_open(req, res, &st))
        goto out;
    if (practitioner) {
        struct sched_ctx c;
        const char *id =
            strncmp(practitioner, "Practitioner/", 13) == 0 ? practitioner + 13 : practitioner;
        cJSON *pr = NULL;
        rc = pp_ops_read(st, "Practitioner", id, &pr, &d);
        cJSON_Delete(pr);
        if (rc) {
            if (rc == PP_ERR_NOT_FOUND)
                snprintf(d.where, sizeof(d.where), "practitioner");
            goto done;
        }
        c.scan = s;
        snprintf(c.ref, sizeof(c.ref), "Practitioner/%s", id);
        s->by_practitioner = true;
        if ((rc = pp_store_scan(st, "Schedule", keep_schedule, &c, &d)))
            goto done;
    }
    rc = scan_slots(st, s, &d);
done:
    pp_ops_store_done(st);
    if (rc) {
        pp_http_fail(res, rc, &d);
        goto out;
    }
    res->content_type = PP_HTTP_FHIR_JSON;
    pp_ops_begin(&res->body);
    pp_ops_str(&res->body, "serviceType", "Code", mode);
    pp_ops_bool(&res->body, "available", s->best != NULL);
    if (s->best) {
        char *json = cJSON_PrintUnformatted(s->best);
        pp_day day = (pp_day)(s->best_minutes / 1440.0);
        if (!json)
            abort();
        pp_ops_resource(&res->body, "slot", json);
        cJSON_free(json);
        pp_ops_str(&res->body, "start", "DateTime", pp_json_str(s->best, "start"));
        pp_ops_int(&res->body, "daysUntil", (long)(day - req->now));
        pp_ops_bool(&res->body, "sameOrNextDay", day - req->now <= 1);
    } else {
        pp_ops_bool(&res->body, "sameOrNextDay", false);
    }
    pp_ops_int(&res->body, "freeSlotsTodayAndTomorrow", s->soon);
    pp_ops_end(&res->body);
out:
    if (s)
        cJSON_Delete(s->best);
    free(s);
}
