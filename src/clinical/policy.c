/*
 * policy.c — the defaults of every threshold, their sources, and the JSON
 * override. The table below is the single list of keys: docs/CLINICAL-RULES.md
 * and `painpath policy` are generated from the same rows.
 */
#include "clinical/policy.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "util/json.h"

enum kind { K_INT, K_DOUBLE, K_TABLE };

struct key_def {
    struct pp_policy_key doc;
    enum kind kind;
    size_t offset;
    double def;
    double min, max;
};

#define F(field) offsetof(struct pp_policy, field)

/* one row per line: the formatter would spread each row over many */
/* clang-format off */
static const struct key_def keys[] = {
    {{"mme_table", "cdc2022 or cdc2016", "CLINICAL-FACTS §1.2 (2022 clinical table default)", false,
      "conversion-factor table; never mixed"},
     K_TABLE, F(mme_table), PP_MME_TABLE_CDC2022, 0, 1},
    {{"mme_caution", "MME/day", "CLINICAL-FACTS §1.4 \"pause and carefully reassess\" >= 50",
      false, "total MME/day at which dosing is reassessed (REC04)"},
     K_DOUBLE, F(mme_caution), 50, 1, 10000},
    {{"mme_high", "MME/day", "CLINICAL-FACTS §1.4 90 MME/day (CDC CDS \"taper now\")", false,
      "total MME/day of the high-risk, taper-now wording"},
     K_DOUBLE, F(mme_high), 90, 1, 10000},
    {{"naloxone_mme", "MME/day", "CLINICAL-FACTS §1.4 naloxone: offer when >= 50 MME/day", false,
      "total MME/day at which naloxone is offered (REC08)"},
     K_DOUBLE, F(naloxone_mme), 50, 1, 10000},
    {{"adult_age_years", "years", "CLINICAL-FACTS §1.1 population >= 18 y", false,
      "CDC 2022 checks apply from this age"},
     K_INT, F(adult_age_years), 18, 0, 130},
    {{"cancer_encounter_count", "encounters",
      "CLINICAL-FACTS §1.4 CDS parameter: >= 2 oncology encounters in 12 months", false,
      "oncology encounters that mark active cancer"},
     K_INT, F(cancer_encounter_count), 2, 1, 100},
    {{"cancer_lookback_months", "months", "CLINICAL-FACTS §1.4 CDS parameter: 12 months", false,
      "window for the active-cancer encounters"},
     K_INT, F(cancer_lookback_months), 12, 1, 120},
    {{"acute_supply_days", "days", "CLINICAL-FACTS §1.1 acute pain < 1 month (CDS: 28 days)", false,
      "an order with fewer days' supply is for acute pain"},
     K_INT, F(acute_supply_days), 28, 1, 365},
    {{"naive_lookback_days", "days", "CLINICAL-FACTS §1.4 CDS parameter: opioid-naive, 90 days",
      false, "no opioid in this many days makes a patient opioid-naive"},
     K_INT, F(naive_lookback_days), 90, 1, 3650},
    {{"naive_exclude_days", "days",
      "CLINICAL-FACTS §1.4 CDS parameter: excluding the last 24 h", false,
      "most recent days ignored by the opioid-naive lookback"},
     K_INT, F(naive_exclude_days), 1, 0, 30},
    {{"rec07_window_days", "days", "CLINICAL-FACTS §1.4 CDS parameter: Rec 7 trigger, 7 of 10",
      false, "window for the recent-use trigger"},
     K_INT, F(rec07_window_days), 10, 1, 365},
    {{"rec07_min_days", "days", "CLINICAL-FACTS §1.4 CDS parameter: Rec 7 trigger, 7 of 10", false,
      "opioid days within the window that trigger re-evaluation"},
     K_INT, F(rec07_min_days), 7, 1, 365},
    {{"rec07_long_window_days", "days",
      "CLINICAL-FACTS §1.4 CDS parameter: chronic-use proxy, last 3 months", false,
      "window of the chronic-use proxy"},
     K_INT, F(rec07_long_window_days), 90, 1, 3650},
    {{"rec07_long_min_days", "days",
      "CLINICAL-FACTS §1.4 CDS parameter: >= 21 of 30 days in each of 3 months (63 of 90)", false,
      "opioid days within the 90-day window that mark long-term use"},
     K_INT, F(rec07_long_min_days), 63, 1, 3650},
    {{"rec07_reassess_days", "days", "CLINICAL-FACTS §1.4 reassess at least every 3 months",
      false, "interval for re-evaluating long-term therapy"},
     K_INT, F(rec07_reassess_days), 90, 1, 3650},
    {{"pdmp_lookback_days", "days", "CLINICAL-FACTS §1.4 CDS parameter: PDMP within 90 days",
      false, "a PDMP review older than this is due again"},
     K_INT, F(pdmp_lookback_days), 90, 1, 3650},
    {{"uds_lookback_months", "months", "CLINICAL-FACTS §1.4 CDS parameter: UDS lookback 12 months",
      false, "urine drug testing window"},
     K_INT, F(uds_lookback_months), 12, 1, 120},
    {{"cdc_acute_max_days", "days",
      "CLINICAL-FACTS §1.4 CDS parameter: acute alert when a prescription is > 7 days", false,
      "acute-pain orders longer than this alert (REC06)"},
     K_INT, F(cdc_acute_max_days), 7, 1, 365},
    {{"practice_short_course_max_days", "days",
      "CLINICAL-FACTS §1.4 acute duration: 2016 \"more than 7 days will rarely be needed\"", false,
      "longest short-acting course for acute pain the practice allows without warning"},
     K_INT, F(practice_short_course_max_days), 7, 1, 365},
    {{"er_tolerance_morphine_mg", "mg/day",
      "CLINICAL-FACTS §1.4 ER/LA: already on 60 mg/d oral morphine", false,
      "opioid tolerance before an ER/LA start (morphine, or the same MME)"},
     K_DOUBLE, F(er_tolerance_morphine_mg), 60, 1, 10000},
    {{"er_tolerance_oxycodone_mg", "mg/day",
      "CLINICAL-FACTS §1.4 ER/LA: already on 30 mg/d oral oxycodone", false,
      "opioid tolerance before an ER/LA start (oxycodone)"},
     K_DOUBLE, F(er_tolerance_oxycodone_mg), 30, 1, 10000},
    {{"er_tolerance_days", "days", "CLINICAL-FACTS §1.4 ER/LA: for >= 1 week", false,
      "days the tolerance dose must have been taken"},
     K_INT, F(er_tolerance_days), 7, 1, 365},
    {{"early_refill_grace_days", "days",
      "practice choice; no CLINICAL-FACTS row (default 0: any refill before the prior supply ends)",
      true, "a refill this many days early is still on time"},
     K_INT, F(early_refill_grace_days), 0, 0, 30},
    {{"uds_rx_window_days", "days",
      "CDC opioid CDS REC10 (medication list in the 30 days before the test); no CLINICAL-FACTS "
      "row, §1.4 toxicology testing",
      true, "a drug prescribed within this many days before a urine test is expected in it"},
     K_INT, F(uds_rx_window_days), 30, 0, 365},
    {{"uds_cannabinoid_unexpected", "0|1",
      "CLINICAL-FACTS §1.3 Rec 10 (nonprescribed controlled substances); practice choice, the CDC "
      "CDS leaves it off",
      true, "1: a positive cannabinoid urine screen counts as an unexpected result"},
     K_INT, F(uds_cannabinoid_unexpected), 1, 0, 1},
#define PP_POLICY_KEY(kind, field, def, min, max, unit, source, unconfirmed, meaning)            \
    {{#field, unit, source, unconfirmed, meaning}, K_##kind, F(field), def, min, max},
#include "clinical/policy_modules.def"
#undef PP_POLICY_KEY
};
/* clang-format on */

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

static void set_value(struct pp_policy *p, const struct key_def *k, double v)
{
    char *base = (char *)p;
    switch (k->kind) {
    case K_INT: *(int *)(base + k->offset) = (int)v; break;
    case K_DOUBLE: *(double *)(base + k->offset) = v; break;
    case K_TABLE: *(enum pp_mme_table *)(base + k->offset) = (enum pp_mme_table)(int)v; break;
    }
}

void pp_policy_init(struct pp_policy *p)
{
    memset(p, 0, sizeof(*p));
    for (size_t i = 0; i < N_KEYS; i++)
        set_value(p, &keys[i], keys[i].def);
}

size_t pp_policy_key_count(void)
{
    return N_KEYS;
}

const struct pp_policy_key *pp_policy_key_at(size_t i)
{
    return i < N_KEYS ? &keys[i].doc : NULL;
}

bool pp_policy_get(const struct pp_policy *p, const char *key, double *out)
{
    const char *base = (const char *)p;
    for (size_t i = 0; i < N_KEYS; i++) {
        if (strcmp(keys[i].doc.key, key) != 0)
            continue;
        switch (keys[i].kind) {
        case K_INT: *out = *(const int *)(base + keys[i].offset); break;
        case K_DOUBLE: *out = *(const double *)(base + keys[i].offset); break;
        case K_TABLE:
            *out = *(const enum pp_mme_table *)(base + keys[i].offset) == PP_MME_TABLE_CDC2016
                       ? 2016
                       : 2022;
            break;
        }
        return true;
    }
    return false;
}

static const struct key_def *find_key(const char *name)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].doc.key, name) == 0)
            return &keys[i];
    return NULL;
}

enum pp_err pp_policy_load_json(struct pp_policy *p, const char *text, size_t len, const char *name,
                                struct pp_diag *d)
{
    cJSON *root = NULL;
    struct pp_policy tmp = *p;
    enum pp_err rc;
    const cJSON *item;

    rc = pp_json_parse(text, len, name, &root, d);
    if (rc)
        return rc;
    if (!cJSON_IsObject(root)) {
        rc = pp_diag_set(d, PP_ERR_INPUT, name,
                         "a policy file must be a JSON object of "
                         "\"key\": value pairs");
        goto out;
    }
    cJSON_ArrayForEach(item, root)
    {
        const struct key_def *k = find_key(item->string);
        double v;
        if (!k) {
            rc = pp_diag_set(d, PP_ERR_INPUT, item->string,
                             "unknown policy key (see docs/CLINICAL-RULES.md for the keys)");
            goto out;
        }
        if (k->kind == K_TABLE) {
            if (!cJSON_IsString(item) || (strcmp(item->valuestring, "cdc2022") != 0 &&
                                          strcmp(item->valuestring, "cdc2016") != 0)) {
                rc = pp_diag_set(d, PP_ERR_INPUT, item->string,
                                 "expected \"cdc2022\" or \"cdc2016\"");
                goto out;
            }
            v = strcmp(item->valuestring, "cdc2016") == 0 ? PP_MME_TABLE_CDC2016
                                                          : PP_MME_TABLE_CDC2022;
        } else {
            if (!cJSON_IsNumber(item)) {
                rc = pp_diag_set(d, PP_ERR_INPUT, item->string, "expected a number");
                goto out;
            }
            v = item->valuedouble;
            if (k->kind == K_INT && v != floor(v)) {
                rc = pp_diag_set(d, PP_ERR_INPUT, item->string, "expected a whole number");
                goto out;
            }
            if (!(v >= k->min && v <= k->max)) {
                rc = pp_diag_set(d, PP_ERR_INPUT, item->string, "%g is out of range (%g to %g %s)",
                                 v, k->min, k->max, k->doc.unit);
                goto out;
            }
        }
        set_value(&tmp, k, v);
    }
    *p = tmp;
    rc = PP_OK;
out:
    cJSON_Delete(root);
    return rc;
}
