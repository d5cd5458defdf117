/*
 * mme.c — identify each medication of a record and compute MME/day for each
 * opioid order and the patient: CLINICAL-FACTS §1.2 (2022 clinical table;
 * 2016 table as a named alternative). Pure; every order whose MME cannot be
 * computed gets a status and a reason instead of a number.
 */
#include "clinical/mme.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/alloc.h"

const char *pp_mme_status_name(enum pp_mme_status s)
{
    switch (s) {
    case PP_MME_COUNTED: return "counted";
    case PP_MME_EXCLUDED: return "excluded";
    case PP_MME_NO_DOSAGE: return "no-dosage";
    case PP_MME_NO_FACTOR: return "no-conversion-factor";
    case PP_MME_UNKNOWN_DRUG: return "unknown-drug";
    case PP_MME_NOT_ACTIVE: return "not-active";
    }
    return "unknown-drug";
}

void pp_mme_result_init(struct pp_mme_result *res)
{
    memset(res, 0, sizeof(*res));
    res->total = NAN;
}

void pp_mme_result_release(struct pp_mme_result *res)
{
    free(res->meds);
    free(res->orders);
    pp_mme_result_init(res);
}

static double round2(double v)
{
    return round(v * 100.0) / 100.0;
}

/*
 * Conversion factors. 2022: CLINICAL-FACTS §1.2 table. 2016 clinical table: the
 * same rows except hydromorphone 4 and tiered methadone (§1.2 notes, S5).
 * Opioids absent from the clinical table (meperidine, levorphanol, ...) have no
 * factor: their orders are reported as no-conversion-factor, never guessed.
 */
double pp_mme_factor(enum pp_drug_opioid opioid, bool transdermal, double daily_mg,
                     enum pp_mme_table table)
{
    switch (opioid) {
    case PP_OPIOID_CODEINE: return 0.15;
    case PP_OPIOID_FENTANYL:
        /* only the patch (per mcg/h) is in the clinical table */
        return transdermal ? 2.4 : NAN;
    case PP_OPIOID_HYDROCODONE: return 1;
    case PP_OPIOID_HYDROMORPHONE: return table == PP_MME_TABLE_CDC2016 ? 4 : 5;
    case PP_OPIOID_METHADONE:
        if (table == PP_MME_TABLE_CDC2022)
            return 4.7;
        if (!isfinite(daily_mg))
            return NAN;
        if (daily_mg <= 20)
            return 4;
        if (daily_mg <= 40)
            return 8;
        if (daily_mg <= 60)
            return 10;
        return 12;
    case PP_OPIOID_MORPHINE: return 1;
    case PP_OPIOID_OXYCODONE: return 1.5;
    case PP_OPIOID_OXYMORPHONE: return 3;
    case PP_OPIOID_TAPENTADOL: return 0.4;
    case PP_OPIOID_TRAMADOL: return 0.2;
    default: return NAN;
    }
}

/* Length of one timing period in days; NAN for an unknown unit. */
static double period_days(double period, const char *unit)
{
    if (!unit)
        return NAN;
    if (strcmp(unit, "s") == 0)
        return period / 86400.0;
    if (strcmp(unit, "min") == 0)
        return period / 1440.0;
    if (strcmp(unit, "h") == 0)
        return period / 24.0;
    if (strcmp(unit, "d") == 0)
        return period;
    if (strcmp(unit, "wk") == 0)
        return period * 7.0;
    if (strcmp(unit, "mo") == 0)
        return period * 30.0;
    if (strcmp(unit, "a") == 0)
        return period * 365.0;
    return NAN;
}

/* Doses per day from HL7 timing abbreviations (v3 GTSAbbreviation). */
static double timing_code_per_day(const char *code)
{
    static const struct {
        const char *code;
        double per_day;
    } codes[] = {
        {"QD", 1},  {"AM", 1},  {"PM", 1},  {"QHS", 1},  {"BID", 2},   {"TID", 3},      {"QID", 4},
        {"Q4H", 6}, {"Q6H", 4}, {"Q8H", 3}, {"Q12H", 2}, {"QOD", 0.5}, {"WK", 1.0 / 7},
    };
    if (!code)
        return NAN;
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (strcasecmp(code, codes[i].code) == 0)
            return codes[i].per_day;
    return NAN;
}

/* Doses per day of one dosage; NAN when the timing says nothing usable. */
static double doses_per_day(const struct pp_dosage *d)
{
    if (d->frequency > 0 || d->frequency_max > 0) {
        /* as-needed "1-2 times": the most it allows, the conservative reading */
        double freq = d->frequency_max > d->frequency ? d->frequency_max : d->frequency;
        double days =
            period_days(d->period > 0 ? d->period : 1, d->period > 0 ? d->period_unit : "d");
        if (d->period > 0 && !d->period_unit)
            return NAN;
        if (!(days > 0))
            return NAN;
        return freq / days;
    }
    if (d->n_time_of_day > 0)
        return d->n_time_of_day;
    if (d->n_when > 0)
        return d->n_when;
    return timing_code_per_day(d->timing_code);
}

double pp_dosage_daily_amount(const struct pp_dosage *d)
{
    double per_dose, per_day, amount;

    if (d->dose_high.present)
        per_dose = d->dose_high.value; /* the high end of a range (as-needed) */
    else if (d->dose.present)
        per_dose = d->dose.value;
    else
        return NAN;
    per_day = doses_per_day(d);
    if (!isfinite(per_day) || !(per_dose >= 0))
        return NAN;
    amount = per_dose * per_day;
    if (d->max_per_period_num.present && d->max_per_period_den.present &&
        d->max_per_period_den.value > 0) {
        double den_days =
            period_days(d->max_per_period_den.value,
                        d->max_per_period_den.unit ? d->max_per_period_den.unit : "d");
        if (den_days > 0) {
            double cap = d->max_per_period_num.value / den_days;
            if (cap < amount)
                amount = cap;
        }
    }
    return amount;
}

/* ---- identification ---------------------------------------------------------------- */

static bool is_rxnorm(const struct pp_coding *c)
{
    return c->system && strcmp(c->system, PP_SYS_RXNORM) == 0;
}

/* A drug known only by its ingredient: strength unknown (NAN). */
static void from_ingredient(struct pp_med_info *info, const struct pp_drug_ingredient_info *ing)
{
    memset(&info->drug, 0, sizeof(info->drug));
    info->drug.n_ingredients = 1;
    info->drug.ingredients[0].info = ing;
    snprintf(info->drug.ingredients[0].name, sizeof(info->drug.ingredients[0].name), "%s",
             ing->name);
    info->drug.ingredients[0].strength_value = NAN;
    info->drug.classes = ing->classes;
    if (ing->opioid == PP_OPIOID_METHADONE)
        info->drug.long_acting = true; /* CLINICAL-FACTS §1.4: methadone is long-acting */
}

static bool word_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* The first opioid ingredient named as a whole word in free text, or NULL. Every opioid
 * ingredient name is one word, so each word is looked up once. */
static const struct pp_drug_ingredient_info *opioid_named_in(const char *text)
{
    const char *p = text;
    while (*p) {
        const char *w;
        const struct pp_drug_ingredient_info *ing;
        while (*p && !word_char(*p))
            p++;
        w = p;
        while (word_char(*p))
            p++;
        if (p - w >= 4) {
            ing = pp_drug_ingredient_lookup(w, (size_t)(p - w));
            if (ing && ing->opioid != PP_OPIOID_NONE)
                return ing;
        }
    }
    return NULL;
}

/* Fill info->drug from the codings and text of the medication; true when identified. */
static bool identify(const struct pp_medication *m, struct pp_med_info *info,
                     const struct pp_drug_codes *codes)
{
    const struct pp_concept *c = &m->code;
    struct pp_diag d;

    info->classes = 0;
    for (size_t i = 0; i < c->n_codings; i++) {
        const struct pp_coding *k = &c->codings[i];
        if (codes && k->code && is_rxnorm(k))
            info->classes |= pp_drug_codes_lookup(codes, k->code, strlen(k->code));
    }
    /* 1. an RxNorm coding whose display is a normalized name */
    for (size_t i = 0; i < c->n_codings; i++) {
        const struct pp_coding *k = &c->codings[i];
        if (is_rxnorm(k) && k->display &&
            pp_drug_parse_cstr(&info->drug, k->display, &d) == PP_OK && info->drug.dose_form[0])
            return true;
    }
    /* 2. an RxNorm product code we know */
    for (size_t i = 0; i < c->n_codings; i++) {
        const struct pp_coding *k = &c->codings[i];
        const char *name;
        if (!is_rxnorm(k) || !k->code)
            continue;
        name = pp_drug_product_name(k->code, strlen(k->code));
        if (name && pp_drug_parse_cstr(&info->drug, name, &d) == PP_OK)
            return true;
    }
    /* 3. free text in RxNorm's grammar */
    if (c->text && pp_drug_parse_cstr(&info->drug, c->text, &d) == PP_OK && info->drug.dose_form[0])
        return true;
    /* 4. an ingredient code: the drug is known, its strength is not */
    for (size_t i = 0; i < c->n_codings; i++) {
        const struct pp_coding *k = &c->codings[i];
        const struct pp_drug_ingredient_info *ing;
        if (!is_rxnorm(k) || !k->code)
            continue;
        ing = pp_drug_ingredient_by_rxcui(k->code, strlen(k->code));
        if (ing) {
            from_ingredient(info, ing);
            return true;
        }
    }
    /* 5. a display that parses without a dose form (a component name) */
    for (size_t i = 0; i < c->n_codings; i++) {
        const struct pp_coding *k = &c->codings[i];
        if (k->display && pp_drug_parse_cstr(&info->drug, k->display, &d) == PP_OK)
            return true;
    }
    /* 6. a name outside RxNorm's grammar ("Acetaminophen/Hydrocodone") that names an opioid:
     * the opioid is known, its strength is not */
    for (size_t i = 0; i <= c->n_codings; i++) {
        const char *text = i < c->n_codings ? c->codings[i].display : c->text;
        const struct pp_drug_ingredient_info *ing = text ? opioid_named_in(text) : NULL;
        if (ing) {
            from_ingredient(info, ing);
            return true;
        }
    }
    memset(&info->drug, 0, sizeof(info->drug));
    return false;
}

/* True when the medication has a name (display or text) a reader could identify it by. */
static bool has_name(const struct pp_concept *c)
{
    if (c->text && *c->text)
        return true;
    for (size_t i = 0; i < c->n_codings; i++)
        if (c->codings[i].display && *c->codings[i].display)
            return true;
    return false;
}

static bool str_same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool concept_same(const struct pp_concept *a, const struct pp_concept *b)
{
    if (a->n_codings != b->n_codings || !str_same(a->text, b->text))
        return false;
    for (size_t i = 0; i < a->n_codings; i++)
        if (!str_same(a->codings[i].system, b->codings[i].system) ||
            !str_same(a->codings[i].code, b->codings[i].code) ||
            !str_same(a->codings[i].display, b->codings[i].display))
            return false;
    return true;
}

static uint64_t hash_add(uint64_t h, const char *s)
{
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull; /* FNV-1a */
    }
    return (h ^ 0xff) * 1099511628211ull;
}

static uint64_t concept_hash(const struct pp_concept *c)
{
    uint64_t h = hash_add(1469598103934665603ull, c->text);
    for (size_t i = 0; i < c->n_codings; i++) {
        h = hash_add(h, c->codings[i].code);
        h = hash_add(h, c->codings[i].display);
    }
    return h;
}

static bool is_active(const struct pp_medication *m)
{
    if (m->is_draft_order)
        return true;
    if (!m->status)
        return false;
    return strcmp(m->status, "active") == 0;
}

static bool unit_is(const char *u, const char *a)
{
    return u && strcasecmp(u, a) == 0;
}

/* A dose unit that counts units of the product (tablets, capsules, patches...). */
static bool count_unit(const char *u)
{
    static const char *const counts[] = {
        "1",        "{tbl}",    "{tablet}",  "tablet",  "tablets",       "tab",         "{capsule}",
        "capsule",  "capsules", "cap",       "{patch}", "patch",         "patches",     "{film}",
        "film",     "each",     "{each}",    "{unit}",  "unit",          "{spray}",     "spray",
        "{actuat}", "actuat",   "{lozenge}", "lozenge", "{suppository}", "suppository", "{puff}",
        "puff",     "{dose}",   "dose",
    };
    if (!u || !*u)
        return true; /* Synthea: a plain number, the product's unit implied */
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
        if (strcasecmp(u, counts[i]) == 0)
            return true;
    return false;
}

static double mass_to_mg(double v, const char *unit)
{
    if (unit_is(unit, "mg"))
        return v;
    if (unit_is(unit, "ug") || unit_is(unit, "mcg"))
        return v / 1000.0;
    if (unit_is(unit, "g"))
        return v * 1000.0;
    return NAN;
}

/* The dose unit of an order (first dosage with a dose). */
static const char *dose_unit(const struct pp_medication *m)
{
    for (size_t i = 0; i < m->n_dosages; i++) {
        const struct pp_dosage *d = &m->dosages[i];
        if (d->dose_high.present)
            return d->dose_high.unit;
        if (d->dose.present)
            return d->dose.unit;
    }
    return NULL;
}

/* Daily amount over all dosage instructions (concurrent instructions add up). */
static double order_daily_amount(const struct pp_medication *m, char *why, size_t whysz)
{
    double total = 0;
    bool any = false;

    if (m->n_dosages == 0) {
        snprintf(why, whysz, "the order has no dosageInstruction");
        return NAN;
    }
    for (size_t i = 0; i < m->n_dosages; i++) {
        const struct pp_dosage *d = &m->dosages[i];
        double a;
        if (!d->dose.present && !d->dose_high.present) {
            snprintf(why, whysz, "dosageInstruction[%zu] has no doseQuantity or doseRange", i);
            return NAN;
        }
        a = pp_dosage_daily_amount(d);
        if (!isfinite(a)) {
            snprintf(why, whysz,
                     "dosageInstruction[%zu] has no usable frequency (timing.repeat, timeOfDay or "
                     "timing code)",
                     i);
            return NAN;
        }
        total += a;
        any = true;
    }
    return any ? total : NAN;
}

static int opioids_in(const struct pp_drug *drug)
{
    int n = 0;
    for (size_t i = 0; i < drug->n_ingredients; i++)
        n += drug->ingredients[i].info && drug->ingredients[i].info->opioid != PP_OPIOID_NONE;
    return n;
}

/* An order that is not active: its numbers stay in dose_*, never in the total. */
static void not_active(struct pp_mme_order *o, const struct pp_medication *m)
{
    snprintf(o->reason, sizeof(o->reason), "the order is not active (status %s)",
             m->status ? m->status : "absent");
    o->status = PP_MME_NOT_ACTIVE;
    o->daily_dose = NAN;
    o->factor = NAN;
    o->mme_per_day = NAN;
}

/* Convert one order; fills status, daily dose, factor, MME and reason. */
static void compute_order(const struct pp_med_info *info, const struct pp_policy *p,
                          struct pp_mme_order *o)
{
    const struct pp_medication *m = info->med;
    const struct pp_drug *drug = &info->drug;
    const char *unit;
    double amount, mme = 0;
    int n_opioids = 0;
    bool have_factor = true;
    char parts[200] = "";
    size_t n_parts = 0;
    char why[160] = "";

    o->daily_dose = NAN;
    o->factor = NAN;
    o->mme_per_day = NAN;
    o->dose_mme_per_day = NAN;
    o->dose_daily_dose = NAN;
    o->daily_dose_unit = "mg/d";
    if (!info->identified) {
        snprintf(o->reason, sizeof(o->reason),
                 "the medication could not be identified from its codes or name");
        o->status = PP_MME_UNKNOWN_DRUG;
        return;
    }
    if (drug->classes & PP_DRUG_BUPRENORPHINE) {
        /* CLINICAL-FACTS §1.2: buprenorphine is not counted in total MME/day */
        snprintf(o->reason, sizeof(o->reason),
                 "buprenorphine is not counted in MME (CDC 2022, partial agonist)");
        o->status = PP_MME_EXCLUDED;
        return;
    }
    amount = order_daily_amount(m, why, sizeof(why));
    if (!isfinite(amount)) {
        snprintf(o->reason, sizeof(o->reason), "%s", why);
        o->status = PP_MME_NO_DOSAGE;
        return;
    }
    unit = dose_unit(m);
    for (size_t i = 0; i < drug->n_ingredients; i++) {
        const struct pp_drug_ingredient *ing = &drug->ingredients[i];
        enum pp_drug_opioid op = ing->info ? ing->info->opioid : PP_OPIOID_NONE;
        double daily, factor;
        const char *sunit = ing->strength_unit;

        if (op == PP_OPIOID_NONE)
            continue;
        n_opioids++;
        if (drug->transdermal) {
            /* patch: MME/day = mcg/h worn x factor (CLINICAL-FACTS §1.2 caution 1) */
            double mcg_h;
            if (unit && (unit_is(unit, "ug/h") || unit_is(unit, "mcg/h") ||
                         unit_is(unit, "ug/hr") || unit_is(unit, "mcg/hr"))) {
                mcg_h = m->dosages[0].dose_high.present ? m->dosages[0].dose_high.value
                                                        : m->dosages[0].dose.value;
            } else if (count_unit(unit) && isfinite(ing->strength_value) &&
                       (strcasecmp(sunit, "MG/HR") == 0 || strcasecmp(sunit, "MCG/HR") == 0)) {
                double patches = m->dosages[0].dose_high.present ? m->dosages[0].dose_high.value
                                                                 : m->dosages[0].dose.value;
                mcg_h = ing->strength_value * (strcasecmp(sunit, "MG/HR") == 0 ? 1000.0 : 1.0) *
                        patches;
            } else {
                snprintf(o->reason, sizeof(o->reason),
                         "patch dose in '%s' cannot be converted to mcg/h", unit ? unit : "");
                o->status = PP_MME_NO_DOSAGE;
                return;
            }
            daily = round(mcg_h * 1e6) / 1e6;
            o->daily_dose_unit = "mcg/h";
        } else if (count_unit(unit)) {
            if (!isfinite(ing->strength_value) || ing->strength_value <= 0) {
                snprintf(o->reason, sizeof(o->reason),
                         "the product's strength is unknown (only the ingredient was identified), "
                         "and the dose is in units of the product");
                o->status = PP_MME_UNKNOWN_DRUG;
                return;
            }
            if (strcasecmp(sunit, "MG") == 0)
                daily = amount * ing->strength_value;
            else if (strcasecmp(sunit, "MCG") == 0)
                daily = amount * ing->strength_value / 1000.0;
            else {
                snprintf(o->reason, sizeof(o->reason),
                         "a dose counted in units of the product needs a strength in MG, not %s",
                         sunit);
                o->status = PP_MME_NO_DOSAGE;
                return;
            }
        } else if (unit_is(unit, "mL") || unit_is(unit, "ml")) {
            if (!drug->liquid || !isfinite(ing->strength_value)) {
                snprintf(o->reason, sizeof(o->reason),
                         "a dose in mL needs a strength per mL; the product has %s",
                         sunit[0] ? sunit : "none");
                o->status = PP_MME_NO_DOSAGE;
                return;
            }
            daily =
                amount * ing->strength_value * (strncasecmp(sunit, "MCG", 3) == 0 ? 0.001 : 1.0);
        } else if (isfinite(mass_to_mg(amount, unit))) {
            /* a dose in mg of a combination product is the opioid's amount when the product
             * has one opioid (opioid + acetaminophen, ...); with two it is ambiguous */
            if (opioids_in(drug) > 1) {
                snprintf(o->reason, sizeof(o->reason),
                         "a dose in %s is ambiguous for a product with two opioids", unit);
                o->status = PP_MME_NO_DOSAGE;
                return;
            }
            daily = mass_to_mg(amount, unit);
        } else {
            snprintf(o->reason, sizeof(o->reason), "dose unit '%s' cannot be converted to mg",
                     unit);
            o->status = PP_MME_NO_DOSAGE;
            return;
        }
        factor = pp_mme_factor(op, drug->transdermal, daily, p->mme_table);
        o->daily_dose = isfinite(o->daily_dose) ? o->daily_dose + daily : daily;
        if (!isfinite(factor)) {
            have_factor = false;
            snprintf(o->reason, sizeof(o->reason),
                     "%s%s has no conversion factor in the CDC %s clinical table",
                     pp_drug_opioid_name(op),
                     op == PP_OPIOID_FENTANYL && !drug->transdermal ? " (non-transdermal)" : "",
                     p->mme_table == PP_MME_TABLE_CDC2016 ? "2016" : "2022");
            continue;
        }
        o->factor = factor;
        mme += daily * factor;
        if (n_opioids > 1)
            n_parts += (size_t)snprintf(parts + n_parts, sizeof(parts) - n_parts, " + ");
        if (n_parts < sizeof(parts))
            n_parts += (size_t)snprintf(parts + n_parts, sizeof(parts) - n_parts, "%g %s %s x %g",
                                        round(daily * 1e6) / 1e6, o->daily_dose_unit,
                                        pp_drug_opioid_name(op), factor);
        if (n_parts >= sizeof(parts))
            n_parts = sizeof(parts) - 1;
    }
    if (n_opioids == 0) {
        snprintf(o->reason, sizeof(o->reason), "no opioid ingredient was identified");
        o->status = PP_MME_UNKNOWN_DRUG;
        return;
    }
    if (!have_factor) {
        o->status = PP_MME_NO_FACTOR;
        return;
    }
    o->daily_dose = round(o->daily_dose * 1e6) / 1e6;
    o->dose_daily_dose = o->daily_dose;
    o->dose_mme_per_day = round2(mme);
    if (!info->active) {
        not_active(o, m);
        return;
    }
    o->mme_per_day = o->dose_mme_per_day;
    o->status = PP_MME_COUNTED;
    if (n_opioids > 1) {
        /* one factor per opioid: the order's own factor would mislead */
        o->factor = NAN;
        snprintf(o->reason, sizeof(o->reason), "%s", parts);
    } else {
        snprintf(o->reason, sizeof(o->reason), "%g %s x %g", o->daily_dose, o->daily_dose_unit,
                 o->factor);
    }
}

static void fill_supply(struct pp_med_info *info)
{
    const struct pp_medication *m = info->med;
    info->start = m->start != PP_DAY_NONE ? m->start : m->authored;
    info->days_supply = m->days_supply;
    if (info->days_supply < 0 && m->quantity.present && m->quantity.value > 0 &&
        count_unit(m->quantity.unit) && m->n_dosages > 0) {
        double per_day = order_daily_amount(m, (char[8]){0}, 8);
        const char *du = dose_unit(m);
        if (isfinite(per_day) && per_day > 0 && count_unit(du) && !info->drug.transdermal)
            info->days_supply = floor(m->quantity.value / per_day);
    }
    info->end_of_supply = (info->start != PP_DAY_NONE && info->days_supply >= 0)
                              ? info->start + (pp_day)info->days_supply
                              : PP_DAY_NONE;
}

enum pp_err pp_mme_compute(const struct pp_record *r, pp_day now, const struct pp_policy *p,
                           const struct pp_drug_codes *codes, struct pp_mme_result *res)
{
    size_t n_orders = 0, seen_cap, *seen;
    double total = 0;

    (void)now;
    pp_mme_result_release(res);
    res->complete = true;
    if (r->n_meds == 0)
        return PP_OK;
    res->meds = pp_xcalloc(r->n_meds, sizeof(*res->meds));
    res->orders = pp_xcalloc(r->n_meds, sizeof(*res->orders));
    res->n_meds = r->n_meds;
    /* a record names the same product again and again (every refill): identify each
     * distinct medication concept once */
    seen_cap = 16;
    while (seen_cap < r->n_meds * 2)
        seen_cap *= 2;
    seen = pp_xcalloc(seen_cap, sizeof(*seen));
    for (size_t i = 0; i < r->n_meds; i++) {
        struct pp_med_info *info = &res->meds[i];
        size_t slot = (size_t)concept_hash(&r->meds[i].code) & (seen_cap - 1);
        info->med = &r->meds[i];
        while (seen[slot] && !concept_same(&r->meds[seen[slot] - 1].code, &info->med->code))
            slot = (slot + 1) & (seen_cap - 1);
        if (seen[slot]) {
            const struct pp_med_info *same = &res->meds[seen[slot] - 1];
            info->identified = same->identified;
            info->drug = same->drug;
            info->classes = same->classes;
        } else {
            seen[slot] = i + 1;
            info->identified = identify(info->med, info, codes);
            info->classes |= info->identified ? info->drug.classes : 0;
        }
        info->opioid = (info->classes & PP_DRUG_OPIOID) != 0;
        info->long_acting = (info->identified && info->drug.long_acting) ||
                            (info->classes & PP_DRUG_LONG_ACTING_OPIOID);
        if (info->long_acting && info->opioid)
            info->classes |= PP_DRUG_LONG_ACTING_OPIOID;
        info->active = is_active(info->med);
        fill_supply(info);
    }
    free(seen);
    for (size_t i = 0; i < r->n_meds; i++) {
        struct pp_med_info *info = &res->meds[i];
        struct pp_mme_order *o;
        if (info->med->source == PP_MED_DISPENSE)
            continue; /* a dispense is history, not an order */
        /* an identified non-opioid is not an opioid order; an unidentified medication with a
         * name that mentions no opioid is not one either. Only a medication with nothing to
         * read (codes we do not know, no name) might be an opioid we cannot see: it is
         * listed as unknown-drug so the total is marked incomplete rather than trusted. */
        if (!info->opioid && (info->identified || has_name(&info->med->code)))
            continue;
        if (!info->identified && !info->active)
            continue;
        o = &res->orders[n_orders++];
        o->med = info->med;
        o->info_index = i;
        compute_order(info, p, o);
        if (!info->active)
            not_active(o, info->med); /* whatever else is wrong, the order is not in use */
        if (o->status == PP_MME_COUNTED) {
            total += o->mme_per_day;
            res->any_counted = true;
        } else if (o->status != PP_MME_NOT_ACTIVE && o->status != PP_MME_EXCLUDED) {
            res->complete = false;
        }
    }
    res->n_orders = n_orders;
    res->total = res->any_counted ? round2(total) : NAN;
    return PP_OK;
}
