/*
 * credential.h — who qualifies as a pain-medicine specialist ("double board
 * certified": a co-sponsoring ABMS primary board, an ACGME pain fellowship and
 * the ABMS Pain Medicine certificate, CLINICAL-FACTS §0 and §7) and which
 * catalogue procedures a practitioner holds privileges for. Pure: no I/O, no clock.
 */
#ifndef PP_CLINICAL_CREDENTIAL_H
#define PP_CLINICAL_CREDENTIAL_H

#include <stdbool.h>
#include <stddef.h>

#include "clinical/finding.h"
#include "clinical/policy.h"
#include "util/date.h"
#include "util/err.h"

#define PP_CRED_MAX_QUALIFICATIONS 32
#define PP_CRED_MAX_PRIVILEGES 64
#define PP_CRED_TEXT 64 /* bytes of each text field, NUL included */

/* What a qualification is. */
enum pp_cred_kind {
    PP_CRED_BOARD,        /* primary board certification ("ABA", specialty anesthesiology) */
    PP_CRED_SUBSPECIALTY, /* subspecialty certificate ("ABA", specialty pain-medicine) */
    PP_CRED_FELLOWSHIP,   /* fellowship training (issuer = accreditor, "ACGME") */
    PP_CRED_LICENSE,      /* medical licence (issuer = jurisdiction) */
    PP_CRED_KIND_COUNT
};

/* One qualification (FHIR Practitioner.qualification[] or the plain JSON). */
struct pp_cred_qualification {
    enum pp_cred_kind kind;
    char issuer[PP_CRED_TEXT];    /* board abbreviation, accreditor or jurisdiction */
    char specialty[PP_CRED_TEXT]; /* "pain-medicine", "anesthesiology", ... or "" */
    char id[PP_CRED_TEXT];        /* certificate / licence number, or "" */
    pp_day start, end;            /* validity (end inclusive); PP_DAY_NONE: open */
    int months;                   /* fellowship: months completed, -1 = from start..end */
};

/* One procedure privilege: a catalogue id (clinical/procedures.h) and its validity. */
struct pp_cred_privilege {
    char procedure[PP_CRED_TEXT];
    pp_day start, end; /* end inclusive; PP_DAY_NONE: open */
};

struct pp_credential_input {
    char practitioner_id[PP_CRED_TEXT]; /* evidence "Practitioner/ID", or "" */
    char name[PP_CRED_TEXT];
    struct pp_cred_qualification qualifications[PP_CRED_MAX_QUALIFICATIONS];
    size_t n_qualifications;
    struct pp_cred_privilege privileges[PP_CRED_MAX_PRIVILEGES];
    size_t n_privileges;
};

/* How painpath counts a board (CLINICAL-FACTS §0 "Pain Medicine boards", §7). */
enum pp_board_status {
    PP_BOARD_COSPONSOR,             /* ABMS board co-sponsoring Pain Medicine: counted */
    PP_BOARD_COSPONSOR_UNCONFIRMED, /* ABFM, ABR: counted only when the policy says so */
    PP_BOARD_ABMS_OTHER,            /* ABMS board that does not co-sponsor Pain Medicine */
    PP_BOARD_NON_ABMS,              /* ABPM, ABIPP, ABPS: recognised, never counted */
    PP_BOARD_UNKNOWN,               /* not in painpath's table: never counted */
};

struct pp_credential_result {
    bool qualified;       /* all four parts present and current */
    bool primary_ok;      /* a current primary board from a counted co-sponsor */
    bool fellowship_ok;   /* an ACGME pain fellowship of >= cred_fellowship_min_months */
    bool subspecialty_ok; /* a current ABMS Pain Medicine certificate from a counted board */
    bool license_ok;      /* a current licence */
    const char *board;    /* the counted primary board ("ABA"), static, or NULL */
};

/* Empty input: no qualifications, no privileges. */
void pp_credential_input_init(struct pp_credential_input *in);

/*
 * Copy `len` bytes of `s` into a PP_CRED_TEXT field; false (dst unchanged) when it does not
 * fit. For the readers of the input.
 */
bool pp_credential_set_text(char dst[PP_CRED_TEXT], const char *s, size_t len);

/* The status of board `abbrev` ("ABA"; case-insensitive) under `p`; its full name in *name
 * (static) when known, else NULL. Borrows `abbrev`. */
enum pp_board_status pp_credential_board_status(const char *abbrev, const struct pp_policy *p,
                                                const char **name);

/*
 * Evaluate the practitioner at `now`: append every reason (CRED-* findings; strings owned by
 * f's arena) and fill `out`. Borrows `in` and `p`. PP_ERR_INPUT (field in d->where) when a
 * qualification's start is after its end or a privilege names no catalogue procedure.
 */
PP_MUST_CHECK enum pp_err pp_credential_evaluate(const struct pp_credential_input *in, pp_day now,
                                                 const struct pp_policy *p, struct pp_findings *f,
                                                 struct pp_credential_result *out,
                                                 struct pp_diag *d);

/*
 * May the practitioner perform catalogue procedure `procedure_id` at `now`? Appends
 * CRED-PRIVILEGE-GRANTED or CRED-PRIVILEGE-NOT-GRANTED to `f` and sets *allowed. An unknown
 * procedure id is PP_ERR_INPUT (where = "procedure"). Borrows everything.
 */
PP_MUST_CHECK enum pp_err pp_credential_may_perform(const struct pp_credential_input *in,
                                                    const char *procedure_id, pp_day now,
                                                    struct pp_findings *f, bool *allowed,
                                                    struct pp_diag *d);

/*
 * Parse the documented plain JSON (docs/cli-credential.md) of `len` bytes into `in` (which
 * this initialises). `name` prefixes positions. PP_ERR_INPUT with the field
 * ("qualifications[2].end") in d->where.
 */
PP_MUST_CHECK enum pp_err pp_credential_input_from_json(const char *text, size_t len,
                                                        const char *name,
                                                        struct pp_credential_input *in,
                                                        struct pp_diag *d);

/* JSON names: "board", "subspecialty", "fellowship", "license"; kind from name (false if none). */
const char *pp_credential_kind_name(enum pp_cred_kind k);
bool pp_credential_kind_parse(const char *s, enum pp_cred_kind *out);
/* "cosponsor", "cosponsor_unconfirmed", "abms_other", "non_abms", "unknown". */
const char *pp_credential_board_status_name(enum pp_board_status s);

/* The specialty code of the Pain Medicine certificate and fellowship. */
#define PP_CRED_PAIN_MEDICINE "pain-medicine"

/* The rule table of credentials (static storage). */
const struct pp_rule_info *pp_credential_rules(size_t *count);

#endif
