/*
 * credential.c — pain-medicine qualification (CLINICAL-FACTS §0 "Pain Medicine
 * boards", §7) and procedure privileges, plus the documented plain JSON input.
 * Pure: no I/O, no clock, no globals; every threshold is a policy field.
 */
#include "clinical/credential.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "clinical/procedures.h"
#include "util/buf.h"
#include "util/json.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

#define SRC_BOARDS "CLINICAL-FACTS §0 Pain Medicine boards; §7 Original and later co-sponsors"
#define SRC_ELIG "CLINICAL-FACTS §7 Eligibility"
#define SRC_FELLOW "CLINICAL-FACTS §7 Eligibility; §7 ACGME fellowship"
#define SRC_NON_ABMS "CLINICAL-FACTS §7 Non-ABMS boards"
#define SRC_PRIV "DESIGN.md: who treats (credentials and procedure privileges)"

/* ---- the boards painpath knows ---- */

struct board {
    const char *abbrev;
    const char *name;
    enum pp_board_status status;
};

/* §0 (H): ABMS Pain Medicine is co-sponsored by ABA, ABEM, ABPMR, ABPN; ABFM and ABR are
 * unconfirmed (§7, M) and counted only by policy. ABIM: DESIGN.md names internal medicine as
 * a primary board, but §0 does not list it as a co-sponsor. §7: ABPM (American Board of Pain
 * Medicine), ABIPP and ABPS are not ABMS boards. */
static const struct board boards[] = {
    {"ABA", "American Board of Anesthesiology", PP_BOARD_COSPONSOR},
    {"ABEM", "American Board of Emergency Medicine", PP_BOARD_COSPONSOR},
    {"ABPMR", "American Board of Physical Medicine and Rehabilitation", PP_BOARD_COSPONSOR},
    {"ABPN", "American Board of Psychiatry and Neurology", PP_BOARD_COSPONSOR},
    {"ABFM", "American Board of Family Medicine", PP_BOARD_COSPONSOR_UNCONFIRMED},
    {"ABR", "American Board of Radiology", PP_BOARD_COSPONSOR_UNCONFIRMED},
    {"ABIM", "American Board of Internal Medicine", PP_BOARD_ABMS_OTHER},
    {"ABPM", "American Board of Pain Medicine", PP_BOARD_NON_ABMS},
    {"ABIPP", "American Board of Interventional Pain Physicians", PP_BOARD_NON_ABMS},
    {"ABPS", "American Board of Physician Specialties", PP_BOARD_NON_ABMS},
};

static const char *const kind_names[PP_CRED_KIND_COUNT] = {"board", "subspecialty", "fellowship",
                                                           "license"};
static const char *const status_names[] = {"cosponsor", "cosponsor_unconfirmed", "abms_other",
                                           "non_abms", "unknown"};

const char *pp_credential_kind_name(enum pp_cred_kind k)
{
    return (unsigned)k < N_OF(kind_names) ? kind_names[k] : "?";
}

bool pp_credential_kind_parse(const char *s, enum pp_cred_kind *out)
{
    for (size_t i = 0; i < N_OF(kind_names); i++)
        if (strcmp(s, kind_names[i]) == 0) {
            *out = (enum pp_cred_kind)i;
            return true;
        }
    return false;
}

const char *pp_credential_board_status_name(enum pp_board_status s)
{
    return (unsigned)s < N_OF(status_names) ? status_names[s] : "?";
}

enum pp_board_status pp_credential_board_status(const char *abbrev, const struct pp_policy *p,
                                                const char **name)
{
    *name = NULL;
    for (size_t i = 0; i < N_OF(boards); i++) {
        if (strcasecmp(abbrev, boards[i].abbrev) != 0)
            continue;
        *name = boards[i].name;
        if (boards[i].status == PP_BOARD_COSPONSOR_UNCONFIRMED) {
            bool counted =
                strcasecmp(abbrev, "ABFM") == 0 ? p->cred_count_abfm != 0 : p->cred_count_abr != 0;
            return counted ? PP_BOARD_COSPONSOR : PP_BOARD_COSPONSOR_UNCONFIRMED;
        }
        return boards[i].status;
    }
    return PP_BOARD_UNKNOWN;
}

/* The static abbreviation for a known board (for the result), else NULL. */
static const char *board_abbrev(const char *abbrev)
{
    for (size_t i = 0; i < N_OF(boards); i++)
        if (strcasecmp(abbrev, boards[i].abbrev) == 0)
            return boards[i].abbrev;
    return NULL;
}

void pp_credential_input_init(struct pp_credential_input *in)
{
    memset(in, 0, sizeof(*in));
}

bool pp_credential_set_text(char dst[PP_CRED_TEXT], const char *s, size_t len)
{
    if (len >= PP_CRED_TEXT || memchr(s, '\0', len))
        return false;
    memcpy(dst, s, len);
    dst[len] = '\0';
    return true;
}

/* ---- evaluation ---- */

/* Whole calendar months from `start` to the day after `end` (a July 1 - June 30 year is 12). */
static int months_between(pp_day start, pp_day end)
{
    int m = 0;
    while (m < 1200 && pp_day_add_months(start, m + 1) <= end + 1)
        m++;
    return m;
}

static bool is_pain(const struct pp_cred_qualification *q)
{
    return strcasecmp(q->specialty, PP_CRED_PAIN_MEDICINE) == 0;
}

/* "ABA anesthesiology board certificate" into buf. */
static const char *label(const struct pp_cred_qualification *q, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s%s %s", q->issuer[0] ? q->issuer : "(no issuer)",
             q->specialty[0] ? " " : "", q->specialty, pp_credential_kind_name(q->kind));
    return buf;
}

static void evidence(struct pp_findings *f, struct pp_finding *x,
                     const struct pp_credential_input *in)
{
    if (in->practitioner_id[0])
        pp_finding_evidence(f, x, "Practitioner", in->practitioner_id);
}

/* Expired or not yet valid: a finding, and false. Open ends are current (FHIR Period). */
static bool current(const struct pp_credential_input *in, const struct pp_cred_qualification *q,
                    pp_day now, struct pp_findings *f)
{
    char what[3 * PP_CRED_TEXT], day[11];
    struct pp_finding *x;
    if (q->end != PP_DAY_NONE && q->end < now) {
        pp_day_format(q->end, day);
        x = pp_findings_add(f, "CRED-CERT-EXPIRED", PP_SEV_WARNING,
                            SRC_ELIG " (licensure and continuing certification)",
                            "%s expired on %s: not counted", label(q, what, sizeof(what)), day);
        pp_finding_detail(f, x,
                          "The %s%s%s is valid until %s (inclusive); today is after it. "
                          "Eligibility requires licensure and continuing certification.",
                          what, q->id[0] ? " no. " : "", q->id, day);
        evidence(f, x, in);
        return false;
    }
    if (q->start != PP_DAY_NONE && q->start > now) {
        pp_day_format(q->start, day);
        x = pp_findings_add(f, "CRED-CERT-NOT-YET-VALID", PP_SEV_WARNING, SRC_ELIG,
                            "%s is valid only from %s: not counted", label(q, what, sizeof(what)),
                            day);
        evidence(f, x, in);
        return false;
    }
    return true;
}

/* A board not counted towards Pain Medicine: say why (one finding per qualification). */
static void board_not_counted(const struct pp_credential_input *in,
                              const struct pp_cred_qualification *q, enum pp_board_status st,
                              const char *name, struct pp_findings *f)
{
    struct pp_finding *x;
    const char *kind = q->kind == PP_CRED_FELLOWSHIP ? "fellowship" : "certificate";
    switch (st) {
    case PP_BOARD_NON_ABMS:
        x = pp_findings_add(f, "CRED-BOARD-NON-ABMS", PP_SEV_WARNING, SRC_NON_ABMS,
                            "%s (%s) is not an ABMS board: its %s is not counted", q->issuer, name,
                            kind);
        pp_finding_detail(f, x,
                          "ABPM (American Board of Pain Medicine), ABIPP and ABPS \"interventional "
                          "pain management\" certificates are not ABMS certificates; only the ABMS "
                          "Pain Medicine certificate from a co-sponsoring board counts.");
        break;
    case PP_BOARD_COSPONSOR_UNCONFIRMED:
        x = pp_findings_add(
            f, "CRED-BOARD-UNCONFIRMED", PP_SEV_INFO, SRC_BOARDS,
            "%s as a Pain Medicine co-sponsor is unconfirmed: its %s is not counted", q->issuer,
            kind);
        pp_finding_detail(f, x,
                          "%s is reported (M) but not confirmed as a co-sponsor of the ABMS Pain "
                          "Medicine certificate; set `cred_count_%s` to 1 in the policy to count "
                          "it.",
                          name, strcasecmp(q->issuer, "ABFM") == 0 ? "abfm" : "abr");
        break;
    case PP_BOARD_ABMS_OTHER:
        x = pp_findings_add(f, "CRED-BOARD-NOT-COSPONSOR", PP_SEV_INFO, SRC_BOARDS,
                            "%s does not co-sponsor Pain Medicine: its %s is not counted",
                            q->issuer, kind);
        pp_finding_detail(f, x,
                          "The ABMS Pain Medicine certificate is co-sponsored by ABA, ABEM, ABPMR "
                          "and ABPN; a primary board from %s does not make a diplomate eligible.",
                          name);
        break;
    default:
        x = pp_findings_add(f, "CRED-BOARD-UNKNOWN", PP_SEV_WARNING, SRC_BOARDS,
                            "Board '%s' is not one painpath knows: its %s is not counted",
                            q->issuer[0] ? q->issuer : "(none)", kind);
        pp_finding_detail(f, x,
                          "Known boards: ABA, ABEM, ABPMR, ABPN (co-sponsors), ABFM, ABR "
                          "(unconfirmed), ABIM, and the non-ABMS ABPM, ABIPP, ABPS.");
        break;
    }
    evidence(f, x, in);
}

static void eval_board(const struct pp_credential_input *in, const struct pp_cred_qualification *q,
                       pp_day now, const struct pp_policy *p, struct pp_findings *f,
                       struct pp_credential_result *out)
{
    const char *name;
    enum pp_board_status st = pp_credential_board_status(q->issuer, p, &name);
    struct pp_finding *x;
    if (st != PP_BOARD_COSPONSOR) {
        board_not_counted(in, q, st, name, f);
        return;
    }
    if (!current(in, q, now, f))
        return;
    if (!out->primary_ok) {
        out->primary_ok = true;
        out->board = board_abbrev(q->issuer);
    }
    x = pp_findings_add(f, "CRED-PRIMARY-BOARD", PP_SEV_INFO, SRC_BOARDS " (H)",
                        "Current primary board: %s%s%s (Pain Medicine co-sponsor)", q->issuer,
                        q->specialty[0] ? ", " : "", q->specialty);
    pp_finding_detail(f, x, "%s certification%s%s is current.", name, q->id[0] ? " no. " : "",
                      q->id);
    evidence(f, x, in);
}

/* Is `issuer` one of the practitioner's current, counted primary boards? */
static bool holds_primary(const struct pp_credential_input *in, const char *issuer, pp_day now,
                          const struct pp_policy *p)
{
    for (size_t i = 0; i < in->n_qualifications; i++) {
        const struct pp_cred_qualification *q = &in->qualifications[i];
        const char *name;
        if (q->kind == PP_CRED_BOARD && strcasecmp(q->issuer, issuer) == 0 &&
            pp_credential_board_status(q->issuer, p, &name) == PP_BOARD_COSPONSOR &&
            (q->start == PP_DAY_NONE || q->start <= now) &&
            (q->end == PP_DAY_NONE || now <= q->end))
            return true;
    }
    return false;
}

static void eval_subspecialty(const struct pp_credential_input *in,
                              const struct pp_cred_qualification *q, pp_day now,
                              const struct pp_policy *p, struct pp_findings *f,
                              struct pp_credential_result *out)
{
    const char *name;
    enum pp_board_status st;
    struct pp_finding *x;
    if (!is_pain(q))
        return; /* another subspecialty: not part of the question */
    st = pp_credential_board_status(q->issuer, p, &name);
    if (st != PP_BOARD_COSPONSOR) {
        board_not_counted(in, q, st, name, f);
        return;
    }
    if (!current(in, q, now, f))
        return;
    /* §7 (H): each co-sponsoring board credentials its own diplomates, so the certificate's
     * board must be the practitioner's current primary board. */
    if (!holds_primary(in, q->issuer, now, p)) {
        x = pp_findings_add(f, "CRED-SUBSPECIALTY-ISSUER", PP_SEV_WARNING,
                            "CLINICAL-FACTS §7 Exam (each board credentials its own diplomates)",
                            "Pain Medicine certificate from %s without a current %s primary board",
                            q->issuer, q->issuer);
        pp_finding_detail(f, x,
                          "Each co-sponsoring board credentials its own diplomates: a Pain "
                          "Medicine certificate from %s needs a current %s primary certificate. "
                          "Not counted until that is recorded.",
                          q->issuer, q->issuer);
        evidence(f, x, in);
        return;
    }
    out->subspecialty_ok = true;
    x = pp_findings_add(f, "CRED-SUBSPECIALTY", PP_SEV_INFO,
                        "CLINICAL-FACTS §7 Certificate (ABMS subspecialty Pain Medicine)",
                        "Current ABMS Pain Medicine certificate from %s", q->issuer);
    pp_finding_detail(f, x, "Pain Medicine subspecialty certificate%s%s issued by %s.",
                      q->id[0] ? " no. " : "", q->id, name);
    evidence(f, x, in);
}

static void eval_fellowship(const struct pp_credential_input *in,
                            const struct pp_cred_qualification *q, pp_day now,
                            const struct pp_policy *p, struct pp_findings *f,
                            struct pp_credential_result *out)
{
    struct pp_finding *x;
    int months;
    if (!is_pain(q))
        return;
    if (strcasecmp(q->issuer, "ACGME") != 0) {
        x = pp_findings_add(f, "CRED-FELLOWSHIP-NOT-ACGME", PP_SEV_WARNING, SRC_FELLOW,
                            "Pain fellowship accredited by '%s', not ACGME: not counted",
                            q->issuer[0] ? q->issuer : "(none)");
        evidence(f, x, in);
        return;
    }
    if (q->end != PP_DAY_NONE && q->end > now) {
        char day[11];
        pp_day_format(q->end, day);
        x = pp_findings_add(f, "CRED-FELLOWSHIP-INCOMPLETE", PP_SEV_WARNING, SRC_FELLOW,
                            "ACGME pain fellowship in progress until %s: not yet counted", day);
        evidence(f, x, in);
        return;
    }
    months = q->months >= 0                                       ? q->months
             : (q->start != PP_DAY_NONE && q->end != PP_DAY_NONE) ? months_between(q->start, q->end)
                                                                  : -1;
    if (months < 0) {
        x = pp_findings_add(
            f, "CRED-FELLOWSHIP-INCOMPLETE", PP_SEV_WARNING, SRC_FELLOW,
            "ACGME pain fellowship without months or completion dates: not counted");
        pp_finding_detail(f, x, "Record `months`, or both start and end of the fellowship.");
        evidence(f, x, in);
        return;
    }
    /* §7 (H): an ACGME-accredited Pain Medicine fellowship of >= 1 year (12 months). */
    if (months < p->cred_fellowship_min_months) {
        x = pp_findings_add(f, "CRED-FELLOWSHIP-SHORT", PP_SEV_WARNING, SRC_FELLOW,
                            "ACGME pain fellowship of %d months; at least %d required", months,
                            p->cred_fellowship_min_months);
        pp_finding_detail(f, x, "%d months < `cred_fellowship_min_months` = %d.", months,
                          p->cred_fellowship_min_months);
        evidence(f, x, in);
        return;
    }
    out->fellowship_ok = true;
    x = pp_findings_add(f, "CRED-FELLOWSHIP", PP_SEV_INFO, SRC_FELLOW,
                        "Completed ACGME pain fellowship of %d months (>= %d)", months,
                        p->cred_fellowship_min_months);
    evidence(f, x, in);
}

static void eval_license(const struct pp_credential_input *in,
                         const struct pp_cred_qualification *q, pp_day now, struct pp_findings *f,
                         struct pp_credential_result *out)
{
    struct pp_finding *x;
    if (!current(in, q, now, f))
        return;
    out->license_ok = true;
    x = pp_findings_add(f, "CRED-LICENSE", PP_SEV_INFO, SRC_ELIG " (licensure)",
                        "Current medical licence%s%s", q->issuer[0] ? ": " : "", q->issuer);
    evidence(f, x, in);
}

static enum pp_err check_input(const struct pp_credential_input *in, struct pp_diag *d)
{
    char where[64];
    for (size_t i = 0; i < in->n_qualifications; i++) {
        const struct pp_cred_qualification *q = &in->qualifications[i];
        if (q->start != PP_DAY_NONE && q->end != PP_DAY_NONE && q->end < q->start) {
            snprintf(where, sizeof(where), "qualifications[%zu].end", i);
            return pp_diag_set(d, PP_ERR_INPUT, where, "the end is before the start");
        }
    }
    for (size_t i = 0; i < in->n_privileges; i++) {
        const struct pp_cred_privilege *v = &in->privileges[i];
        if (!pp_procedure_by_id(v->procedure)) {
            snprintf(where, sizeof(where), "privileges[%zu]", i);
            return pp_diag_set(d, PP_ERR_INPUT, where,
                               "'%s' is not a procedure of the catalogue (painpath procedures)",
                               v->procedure);
        }
        if (v->start != PP_DAY_NONE && v->end != PP_DAY_NONE && v->end < v->start) {
            snprintf(where, sizeof(where), "privileges[%zu].end", i);
            return pp_diag_set(d, PP_ERR_INPUT, where, "the end is before the start");
        }
    }
    return PP_OK;
}

static void missing(struct pp_findings *f, const struct pp_credential_input *in, const char *rule,
                    const char *source, const char *summary)
{
    struct pp_finding *x = pp_findings_add(f, rule, PP_SEV_WARNING, source, "%s", summary);
    evidence(f, x, in);
}

enum pp_err pp_credential_evaluate(const struct pp_credential_input *in, pp_day now,
                                   const struct pp_policy *p, struct pp_findings *f,
                                   struct pp_credential_result *out, struct pp_diag *d)
{
    enum pp_err rc;
    struct pp_finding *x;

    memset(out, 0, sizeof(*out));
    rc = check_input(in, d);
    if (rc)
        return rc;
    for (size_t i = 0; i < in->n_qualifications; i++) {
        const struct pp_cred_qualification *q = &in->qualifications[i];
        switch (q->kind) {
        case PP_CRED_BOARD: eval_board(in, q, now, p, f, out); break;
        case PP_CRED_SUBSPECIALTY: eval_subspecialty(in, q, now, p, f, out); break;
        case PP_CRED_FELLOWSHIP: eval_fellowship(in, q, now, p, f, out); break;
        default: eval_license(in, q, now, f, out); break;
        }
    }
    if (!out->primary_ok)
        missing(
            f, in, "CRED-PRIMARY-BOARD-MISSING", SRC_BOARDS,
            "No current primary board from a Pain Medicine co-sponsor (ABA, ABEM, ABPMR, ABPN)");
    if (!out->fellowship_ok)
        missing(f, in, "CRED-FELLOWSHIP-MISSING", SRC_FELLOW,
                "No completed ACGME-accredited pain fellowship of the required length");
    if (!out->subspecialty_ok)
        missing(f, in, "CRED-SUBSPECIALTY-MISSING", "CLINICAL-FACTS §7 Certificate",
                "No current ABMS Pain Medicine subspecialty certificate");
    if (!out->license_ok)
        missing(f, in, "CRED-LICENSE-MISSING", SRC_ELIG " (licensure)",
                "No current medical licence recorded");

    out->qualified =
        out->primary_ok && out->fellowship_ok && out->subspecialty_ok && out->license_ok;
    if (out->qualified) {
        x = pp_findings_add(f, "CRED-QUALIFIED", PP_SEV_INFO, SRC_ELIG,
                            "Qualified pain-medicine specialist (double board certified: %s + "
                            "Pain Medicine)",
                            out->board);
        pp_finding_detail(f, x,
                          "A current co-sponsoring primary board, a completed ACGME pain "
                          "fellowship, a current ABMS Pain Medicine certificate from the "
                          "same board, and a current licence.");
    } else {
        x = pp_findings_add(f, "CRED-NOT-QUALIFIED", PP_SEV_WARNING, SRC_ELIG,
                            "Not a qualified pain-medicine specialist:%s%s%s%s",
                            out->primary_ok ? "" : " primary board,",
                            out->fellowship_ok ? "" : " fellowship,",
                            out->subspecialty_ok ? "" : " Pain Medicine certificate,",
                            out->license_ok ? "" : " licence,");
        /* drop the trailing comma of the list */
        size_t len = strlen(x->summary);
        if (len && x->summary[len - 1] == ',')
            x->summary[len - 1] = '\0';
        pp_finding_detail(f, x, "Missing or not current: see the CRED-*-MISSING findings.");
    }
    evidence(f, x, in);
    return PP_OK;
}

enum pp_err pp_credential_may_perform(const struct pp_credential_input *in,
                                      const char *procedure_id, pp_day now, struct pp_findings *f,
                                      bool *allowed, struct pp_diag *d)
{
    const struct pp_proc_entry *proc = pp_procedure_by_id(procedure_id);
    const struct pp_cred_privilege *expired = NULL, *future = NULL;
    struct pp_finding *x;
    char day[11];

    *allowed = false;
    if (!proc)
        return pp_diag_set(d, PP_ERR_INPUT, "procedure",
                           "'%s' is not a procedure of the catalogue (painpath procedures)",
                           procedure_id);
    for (size_t i = 0; i < in->n_privileges; i++) {
        const struct pp_cred_privilege *v = &in->privileges[i];
        if (strcmp(v->procedure, proc->id) != 0)
            continue;
        if (v->end != PP_DAY_NONE && v->end < now)
            expired = v;
        else if (v->start != PP_DAY_NONE && v->start > now)
            future = v;
        else
            *allowed = true;
    }
    if (*allowed) {
        x = pp_findings_add(f, "CRED-PRIVILEGE-GRANTED", PP_SEV_INFO, SRC_PRIV,
                            "Privileged for %s (%s)", proc->id, proc->name);
    } else {
        x = pp_findings_add(f, "CRED-PRIVILEGE-NOT-GRANTED", PP_SEV_WARNING, SRC_PRIV,
                            "No current privilege for %s (%s)", proc->id, proc->name);
        if (expired) {
            pp_day_format(expired->end, day);
            pp_finding_detail(f, x, "The privilege for %s ended on %s.", proc->id, day);
        } else if (future) {
            pp_day_format(future->start, day);
            pp_finding_detail(f, x, "The privilege for %s starts on %s.", proc->id, day);
        } else {
            pp_finding_detail(f, x, "%s is not among the practitioner's privileges.", proc->id);
        }
    }
    evidence(f, x, in);
    return PP_OK;
}

/* ---- the documented JSON input ---- */

static enum pp_err get_text(const cJSON *v, char dst[PP_CRED_TEXT], const char *name,
                            const char *field, struct pp_diag *d)
{
    if (!cJSON_IsString(v))
        return pp_json_field_error(d, name, field, "expected a string");
    if (!pp_credential_set_text(dst, v->valuestring, strlen(v->valuestring)))
        return pp_json_field_error(d, name, field, "too long (at most 63 bytes)");
    return PP_OK;
}

static enum pp_err parse_qualification(const cJSON *o, size_t i, struct pp_cred_qualification *q,
                                       const char *name, struct pp_diag *d)
{
    char field[96];
    const cJSON *v;
    bool have_kind = false;
    q->start = q->end = PP_DAY_NONE;
    q->months = -1;
    snprintf(field, sizeof(field), "qualifications[%zu]", i);
    if (!cJSON_IsObject(o))
        return pp_json_field_error(d, name, field, "expected an object");
    cJSON_ArrayForEach(v, o)
    {
        const char *k = v->string;
        enum pp_err rc = PP_OK;
        snprintf(field, sizeof(field), "qualifications[%zu].%.32s", i, k);
        if (strcmp(k, "kind") == 0) {
            have_kind = true;
            if (!cJSON_IsString(v) || !pp_credential_kind_parse(v->valuestring, &q->kind))
                rc = pp_json_field_error(
                    d, name, field, "expected one of: board, subspecialty, fellowship, license");
        } else if (strcmp(k, "issuer") == 0) {
            rc = get_text(v, q->issuer, name, field, d);
        } else if (strcmp(k, "specialty") == 0) {
            rc = get_text(v, q->specialty, name, field, d);
        } else if (strcmp(k, "id") == 0) {
            rc = get_text(v, q->id, name, field, d);
        } else if (strcmp(k, "start") == 0) {
            rc = pp_json_field_date(v, true, &q->start, name, field, d);
        } else if (strcmp(k, "end") == 0) {
            rc = pp_json_field_date(v, true, &q->end, name, field, d);
        } else if (strcmp(k, "months") == 0) {
            if (cJSON_IsNull(v))
                continue;
            if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
                v->valuedouble < 0 || v->valuedouble > 1200)
                rc = pp_json_field_error(d, name, field,
                                         "expected a whole number of months (0-1200)");
            else
                q->months = (int)v->valuedouble;
        } else {
            rc = pp_json_field_error(d, name, field, "unknown field (see docs/cli-credential.md)");
        }
        if (rc)
            return rc;
    }
    if (!have_kind) {
        snprintf(field, sizeof(field), "qualifications[%zu].kind", i);
        return pp_json_field_error(d, name, field,
                                   "required: board, subspecialty, fellowship or license");
    }
    return PP_OK;
}

static enum pp_err parse_privilege(const cJSON *o, size_t i, struct pp_cred_privilege *v,
                                   const char *name, struct pp_diag *d)
{
    char field[96];
    const cJSON *m;
    v->start = v->end = PP_DAY_NONE;
    snprintf(field, sizeof(field), "privileges[%zu]", i);
    if (cJSON_IsString(o))
        return get_text(o, v->procedure, name, field, d);
    if (!cJSON_IsObject(o))
        return pp_json_field_error(d, name, field,
                                   "expected a procedure id or {\"procedure\", \"start\", "
                                   "\"end\"}");
    cJSON_ArrayForEach(m, o)
    {
        enum pp_err rc;
        snprintf(field, sizeof(field), "privileges[%zu].%.32s", i, m->string);
        if (strcmp(m->string, "procedure") == 0)
            rc = get_text(m, v->procedure, name, field, d);
        else if (strcmp(m->string, "start") == 0)
            rc = pp_json_field_date(m, true, &v->start, name, field, d);
        else if (strcmp(m->string, "end") == 0)
            rc = pp_json_field_date(m, true, &v->end, name, field, d);
        else
            rc = pp_json_field_error(d, name, field,
                                     "unknown field; expected procedure, start, end");
        if (rc)
            return rc;
    }
    if (!v->procedure[0]) {
        snprintf(field, sizeof(field), "privileges[%zu].procedure", i);
        return pp_json_field_error(d, name, field, "required: a catalogue procedure id");
    }
    return PP_OK;
}

static enum pp_err parse_list(const cJSON *arr, bool quals, struct pp_credential_input *in,
                              const char *name, struct pp_diag *d)
{
    const cJSON *item;
    size_t i = 0;
    const char *field = quals ? "qualifications" : "privileges";
    size_t max = quals ? PP_CRED_MAX_QUALIFICATIONS : PP_CRED_MAX_PRIVILEGES;
    if (!cJSON_IsArray(arr))
        return pp_json_field_error(d, name, field, "expected an array");
    cJSON_ArrayForEach(item, arr)
    {
        enum pp_err rc;
        if (i == max)
            return pp_json_field_error(d, name, field,
                                       quals ? "too many (at most 32)" : "too many (at most 64)");
        rc = quals ? parse_qualification(item, i, &in->qualifications[i], name, d)
                   : parse_privilege(item, i, &in->privileges[i], name, d);
        if (rc)
            return rc;
        i++;
    }
    if (quals)
        in->n_qualifications = i;
    else
        in->n_privileges = i;
    return PP_OK;
}

enum pp_err pp_credential_input_from_json(const char *text, size_t len, const char *name,
                                          struct pp_credential_input *in, struct pp_diag *d)
{
    cJSON *root = NULL;
    const cJSON *v;
    enum pp_err rc;

    pp_credential_input_init(in);
    rc = pp_json_parse(text, len, name, &root, d);
    if (rc)
        return rc;
    if (!cJSON_IsObject(root)) {
        rc = pp_json_field_error(d, name, "(top level)", "expected a JSON object");
        goto out;
    }
    cJSON_ArrayForEach(v, root)
    {
        const char *k = v->string;
        if (strcmp(k, "id") == 0)
            rc = get_text(v, in->practitioner_id, name, k, d);
        else if (strcmp(k, "name") == 0)
            rc = get_text(v, in->name, name, k, d);
        else if (strcmp(k, "qualifications") == 0)
            rc = parse_list(v, true, in, name, d);
        else if (strcmp(k, "privileges") == 0)
            rc = parse_list(v, false, in, name, d);
        else
            rc = pp_json_field_error(d, name, k, "unknown field (see docs/cli-credential.md)");
        if (rc)
            goto out;
    }
out:
    cJSON_Delete(root);
    return rc;
}

/* ---- the rule table ---- */

static const struct pp_rule_info rules[] = {
    {"CRED-PRIMARY-BOARD", "Co-sponsoring primary board",
     "A current primary board certificate from a Pain Medicine co-sponsor (ABA, ABEM, ABPMR, "
     "ABPN; ABFM/ABR only by policy) counts as the first board.",
     SRC_BOARDS, "cred_count_abfm,cred_count_abr"},
    {"CRED-PRIMARY-BOARD-MISSING", "No co-sponsoring primary board",
     "Without a current primary board from a counted co-sponsor the practitioner does not "
     "qualify.",
     SRC_BOARDS, "cred_count_abfm,cred_count_abr"},
    {"CRED-BOARD-UNCONFIRMED", "Unconfirmed co-sponsor",
     "ABFM and ABR are not confirmed Pain Medicine co-sponsors; their certificates are not counted "
     "unless cred_count_abfm / cred_count_abr is 1.",
     SRC_BOARDS, "cred_count_abfm,cred_count_abr"},
    {"CRED-BOARD-NOT-COSPONSOR", "ABMS board, not a co-sponsor",
     "An ABMS board that does not co-sponsor Pain Medicine (ABIM) is recognised and not counted.",
     SRC_BOARDS, ""},
    {"CRED-BOARD-NON-ABMS", "Non-ABMS board",
     "ABPM (American Board of Pain Medicine), ABIPP and ABPS certificates are recognised and "
     "explicitly not counted.",
     SRC_NON_ABMS, ""},
    {"CRED-BOARD-UNKNOWN", "Unknown board", "A board painpath does not know is not counted.",
     SRC_BOARDS, ""},
    {"CRED-CERT-EXPIRED", "Expired certificate or licence",
     "A certificate or licence whose period ended before today (end inclusive) is not counted.",
     SRC_ELIG " (licensure and continuing certification)", ""},
    {"CRED-CERT-NOT-YET-VALID", "Certificate not yet valid",
     "A certificate or licence whose period starts after today is not counted.", SRC_ELIG, ""},
    {"CRED-FELLOWSHIP", "ACGME pain fellowship",
     "A completed ACGME-accredited pain fellowship of at least cred_fellowship_min_months.",
     SRC_FELLOW, "cred_fellowship_min_months"},
    {"CRED-FELLOWSHIP-SHORT", "Fellowship too short",
     "A completed ACGME pain fellowship shorter than cred_fellowship_min_months is not counted.",
     SRC_FELLOW, "cred_fellowship_min_months"},
    {"CRED-FELLOWSHIP-NOT-ACGME", "Fellowship not ACGME-accredited",
     "A pain fellowship accredited by anyone but the ACGME is not counted.", SRC_FELLOW, ""},
    {"CRED-FELLOWSHIP-INCOMPLETE", "Fellowship in progress or undated",
     "A fellowship ending after today, or without months and dates, is not counted.", SRC_FELLOW,
     ""},
    {"CRED-FELLOWSHIP-MISSING", "No qualifying fellowship",
     "Without a completed ACGME pain fellowship of the required length the practitioner does not "
     "qualify.",
     SRC_FELLOW, "cred_fellowship_min_months"},
    {"CRED-SUBSPECIALTY", "ABMS Pain Medicine certificate",
     "A current ABMS Pain Medicine certificate from a counted co-sponsor that is also the "
     "practitioner's current primary board.",
     "CLINICAL-FACTS §7 Certificate; §0 Pain Medicine boards", "cred_count_abfm,cred_count_abr"},
    {"CRED-SUBSPECIALTY-ISSUER", "Certificate board without its primary board",
     "A Pain Medicine certificate from a board that is not the practitioner's current primary "
     "board is not counted (each board credentials its own diplomates).",
     "CLINICAL-FACTS §7 Exam", ""},
    {"CRED-SUBSPECIALTY-MISSING", "No Pain Medicine certificate",
     "Without a current ABMS Pain Medicine certificate the practitioner does not qualify.",
     "CLINICAL-FACTS §7 Certificate", ""},
    {"CRED-LICENSE", "Current licence", "A current medical licence.", SRC_ELIG " (licensure)", ""},
    {"CRED-LICENSE-MISSING", "No current licence",
     "Without a current medical licence the practitioner does not qualify.",
     SRC_ELIG " (licensure)", ""},
    {"CRED-QUALIFIED", "Qualified pain-medicine specialist",
     "Primary board, fellowship, Pain Medicine certificate and licence all present and current: "
     "double board certified.",
     SRC_ELIG, "cred_fellowship_min_months"},
    {"CRED-NOT-QUALIFIED", "Not a qualified pain-medicine specialist",
     "One or more of the four parts is missing, expired or not counted; each is named.", SRC_ELIG,
     "cred_fellowship_min_months"},
    {"CRED-PRIVILEGE-GRANTED", "Procedure privilege",
     "The practitioner holds a current privilege for the catalogue procedure asked about.",
     SRC_PRIV, ""},
    {"CRED-PRIVILEGE-NOT-GRANTED", "No procedure privilege",
     "The practitioner holds no current privilege (none, expired or not yet started) for the "
     "catalogue procedure asked about.",
     SRC_PRIV, ""},
};

const struct pp_rule_info *pp_credential_rules(size_t *count)
{
    *count = N_OF(rules);
    return rules;
}
