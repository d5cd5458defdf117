/*
 * drugs.c — the RxNorm drug-name parser, ingredient and product look-ups, drug classes,
 * and the run-time code->class registry. Pure: no I/O, no clock, no mutable globals; the
 * parser never allocates (it fills the caller's struct and borrows the input).
 */
#include "clinical/drugs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/banned.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- character helpers: ASCII only, never the locale ---- */

static int to_lower(int ch)
{
    return (ch >= 'A' && ch <= 'Z') ? ch - 'A' + 'a' : ch;
}

static int to_upper(int ch)
{
    return (ch >= 'a' && ch <= 'z') ? ch - 'a' + 'A' : ch;
}

static bool is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_alpha(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_space(int ch)
{
    return ch == ' ' || ch == '\t';
}

/* Characters that end a word: they carry the grammar (brand, pack, separators). */
static bool is_delim(int ch)
{
    return is_space(ch) || ch == '[' || ch == ']' || ch == '(' || ch == ')' || ch == '{' ||
           ch == '}';
}

/* Case-insensitive equality of s[0..n) with the NUL-terminated `word`. */
static bool ci_eq(const char *s, size_t n, const char *word)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (word[i] == '\0' || to_lower((unsigned char)s[i]) != to_lower((unsigned char)word[i]))
            return false;
    }
    return word[n] == '\0';
}

/* Case-insensitive search of the lower-case `needle` in s[0..n). */
static bool ci_contains(const char *s, const char *needle)
{
    size_t n = strlen(s), m = strlen(needle), i;

    for (i = 0; i + m <= n; i++) {
        size_t j = 0;

        while (j < m && to_lower((unsigned char)s[i + j]) == needle[j])
            j++;
        if (j == m)
            return true;
    }
    return false;
}

/* Byte comparison of s[0..n) with the NUL-terminated `name` (both lower case). */
static int cmp_n(const char *s, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char a = (unsigned char)s[i], b = (unsigned char)name[i];

        if (b == '\0' || a != b)
            return (int)a - (int)b;
    }
    return name[n] == '\0' ? 0 : -1;
}

/* ---- ingredient names ---- */

/*
 * Words that name a salt, ester or preparation of a base ingredient; dropped from the end
 * of an ingredient name ("oxycodone hydrochloride" -> "oxycodone"). Never the only word.
 */
static const char *const salt_words[] = {
    "acetate",      "acetonide",     "anhydrous",    "aspartate",     "besylate",     "bitartrate",
    "bromide",      "calcium",       "citrate",      "diacetate",     "dimesylate",   "dipotassium",
    "dipropionate", "disodium",      "epolamine",    "fumarate",      "hbr",          "hcl",
    "hemihydrate",  "hexacetonide",  "hydrobromide", "hydrochloride", "lactate",      "liposomal",
    "magnesium",    "maleate",       "mesylate",     "methylbromide", "monohydrate",  "myristate",
    "napsylate",    "pamoate",       "pentahydrate", "phosphate",     "polistirex",   "potassium",
    "propionate",   "resin",         "saccharate",   "sodium",        "succinate",    "sulfate",
    "tartrate",     "terephthalate", "tincture",     "trihydrate",    "tromethamine", "valerate",
};

static bool is_salt_word(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(salt_words); i++) {
        if (cmp_n(s, n, salt_words[i]) == 0)
            return true;
    }
    return false;
}

/* Synonyms that are not RxNorm ingredient names; `canonical` is in the ingredient table. */
static const struct {
    const char *alias;
    const char *canonical;
} aliases[] = {
    {"acetylsalicylic acid", "aspirin"},
    {"apap", "acetaminophen"},
    {"paracetamol", "acetaminophen"},
    {"pethidine", "meperidine"},
};

static const struct pp_drug_ingredient_info *find_exact(const char *lower, size_t n)
{
    const struct pp_drug_ingredient_info *table;
    size_t count, lo = 0, hi, i;

    table = pp_drug_ingredients(&count);
    hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_n(lower, n, table[mid].name);

        if (c == 0)
            return &table[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    for (i = 0; i < ARRAY_SIZE(aliases); i++) {
        if (cmp_n(lower, n, aliases[i].alias) == 0)
            return find_exact(aliases[i].canonical, strlen(aliases[i].canonical));
    }
    return NULL;
}

#define FOLD_MAX 128

/*
 * Lower-case, single-spaced copy of s[0..n) into buf[FOLD_MAX]. Returns its length, or
 * FOLD_MAX when it does not fit.
 */
static size_t fold_words(const char *s, size_t n, char *buf)
{
    size_t i, out = 0;
    bool pending_space = false;

    for (i = 0; i < n; i++) {
        int ch = (unsigned char)s[i];

        if (is_space(ch)) {
            pending_space = out > 0;
            continue;
        }
        if (pending_space) {
            if (out + 1 >= FOLD_MAX)
                return FOLD_MAX;
            buf[out++] = ' ';
            pending_space = false;
        }
        if (out + 1 >= FOLD_MAX)
            return FOLD_MAX;
        buf[out++] = (char)to_lower(ch);
    }
    buf[out] = '\0';
    return out;
}

/*
 * Resolve a written ingredient name: the table entry (or NULL) and, in base[], the
 * normalized base name. Returns false when the name does not fit PP_DRUG_NAME_MAX.
 */
static bool resolve_ingredient(const char *s, size_t n, const struct pp_drug_ingredient_info **info,
                               char base[PP_DRUG_NAME_MAX])
{
    char buf[FOLD_MAX];
    size_t len = fold_words(s, n, buf);
    const struct pp_drug_ingredient_info *found;

    if (len >= FOLD_MAX)
        return false;
    /* The whole name first: "gabapentin enacarbil" is an ingredient of its own. */
    found = find_exact(buf, len);
    while (!found) {
        const char *last = strrchr(buf, ' ');
        size_t word_len;

        if (!last)
            break;
        word_len = len - (size_t)(last + 1 - buf);
        if (!is_salt_word(last + 1, word_len))
            break;
        len = (size_t)(last - buf);
        buf[len] = '\0';
        found = find_exact(buf, len);
    }
    *info = found;
    if (found) {
        len = strlen(found->name);
        memcpy(base, found->name, len + 1);
        return true;
    }
    if (len >= PP_DRUG_NAME_MAX)
        return false;
    memcpy(base, buf, len + 1);
    return true;
}

const struct pp_drug_ingredient_info *pp_drug_ingredient_lookup(const char *name, size_t len)
{
    const struct pp_drug_ingredient_info *info = NULL;
    char base[PP_DRUG_NAME_MAX];

    if (!name || !resolve_ingredient(name, len, &info, base))
        return NULL;
    return info;
}

/* Parse 1-9 decimal digits (an RXCUI) into *out; false for anything else or 0. */
static bool parse_rxcui(const char *s, size_t len, uint32_t *out)
{
    uint32_t v = 0;
    size_t i;

    if (!s || len == 0 || len > 9)
        return false;
    for (i = 0; i < len; i++) {
        if (!is_digit((unsigned char)s[i]))
            return false;
        v = v * 10u + (uint32_t)(s[i] - '0');
    }
    *out = v;
    return v != 0;
}

const struct pp_drug_ingredient_info *pp_drug_ingredient_by_rxcui(const char *rxcui, size_t len)
{
    const struct pp_drug_ingredient_info *table;
    size_t count, i;
    uint32_t want;

    if (!parse_rxcui(rxcui, len, &want))
        return NULL;
    table = pp_drug_ingredients(&count);
    for (i = 0; i < count; i++) {
        if (table[i].rxcui && cmp_n(rxcui, len, table[i].rxcui) == 0)
            return &table[i];
    }
    return NULL;
}

const char *pp_drug_product_name(const char *rxcui, size_t len)
{
    const struct pp_drug_product *table;
    size_t count, lo = 0, hi;
    uint32_t want;

    if (!parse_rxcui(rxcui, len, &want))
        return NULL;
    table = pp_drug_products(&count);
    hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (table[mid].rxcui == want)
            return table[mid].name;
        if (table[mid].rxcui < want)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *pp_drug_opioid_name(enum pp_drug_opioid opioid)
{
    static const char *const names[PP_OPIOID_COUNT] = {
        [PP_OPIOID_NONE] = "",
        [PP_OPIOID_ALFENTANIL] = "alfentanil",
        [PP_OPIOID_BENZHYDROCODONE] = "benzhydrocodone",
        [PP_OPIOID_BUPRENORPHINE] = "buprenorphine",
        [PP_OPIOID_BUTORPHANOL] = "butorphanol",
        [PP_OPIOID_CODEINE] = "codeine",
        [PP_OPIOID_DEXTROMORAMIDE] = "dextromoramide",
        [PP_OPIOID_DIHYDROCODEINE] = "dihydrocodeine",
        [PP_OPIOID_DIPIPANONE] = "dipipanone",
        [PP_OPIOID_FENTANYL] = "fentanyl",
        [PP_OPIOID_HEROIN] = "heroin",
        [PP_OPIOID_HYDROCODONE] = "hydrocodone",
        [PP_OPIOID_HYDROMORPHONE] = "hydromorphone",
        [PP_OPIOID_LEVOMETHADYL] = "levomethadyl",
        [PP_OPIOID_LEVORPHANOL] = "levorphanol",
        [PP_OPIOID_MEPERIDINE] = "meperidine",
        [PP_OPIOID_MEPTAZINOL] = "meptazinol",
        [PP_OPIOID_METHADONE] = "methadone",
        [PP_OPIOID_MORPHINE] = "morphine",
        [PP_OPIOID_NALBUPHINE] = "nalbuphine",
        [PP_OPIOID_OPIUM] = "opium",
        [PP_OPIOID_OXYCODONE] = "oxycodone",
        [PP_OPIOID_OXYMORPHONE] = "oxymorphone",
        [PP_OPIOID_PENTAZOCINE] = "pentazocine",
        [PP_OPIOID_PHOLCODINE] = "pholcodine",
        [PP_OPIOID_PROPOXYPHENE] = "propoxyphene",
        [PP_OPIOID_REMIFENTANIL] = "remifentanil",
        [PP_OPIOID_SUFENTANIL] = "sufentanil",
        [PP_OPIOID_TAPENTADOL] = "tapentadol",
        [PP_OPIOID_TRAMADOL] = "tramadol",
    };

    if ((int)opioid < 0 || opioid >= PP_OPIOID_COUNT)
        return "";
    return names[opioid];
}

const char *pp_drug_class_name(uint32_t class_bit)
{
    switch (class_bit) {
    case PP_DRUG_OPIOID: return "opioid";
    case PP_DRUG_OPIOID_AGONIST: return "opioid agonist";
    case PP_DRUG_BUPRENORPHINE: return "buprenorphine";
    case PP_DRUG_METHADONE: return "methadone";
    case PP_DRUG_BENZODIAZEPINE: return "benzodiazepine";
    case PP_DRUG_GABAPENTINOID: return "gabapentinoid";
    case PP_DRUG_MUSCLE_RELAXANT: return "muscle relaxant";
    case PP_DRUG_BARBITURATE: return "barbiturate";
    case PP_DRUG_Z_HYPNOTIC: return "Z-drug hypnotic";
    case PP_DRUG_CNS_DEPRESSANT: return "CNS depressant";
    case PP_DRUG_OPIOID_REVERSAL: return "opioid reversal agent";
    case PP_DRUG_NALTREXONE: return "naltrexone";
    case PP_DRUG_NSAID: return "NSAID";
    case PP_DRUG_SYSTEMIC_CORTICOSTEROID: return "systemic corticosteroid";
    case PP_DRUG_SNRI: return "SNRI";
    case PP_DRUG_TCA: return "tricyclic antidepressant";
    case PP_DRUG_ACETAMINOPHEN: return "acetaminophen";
    case PP_DRUG_LONG_ACTING_OPIOID: return "ER/LA opioid";
    default: return "";
    }
}

/* ---- the parser ---- */

struct cursor {
    const char *s;
    size_t len;
    size_t pos;
    struct pp_diag *diag;
};

/* What one product (a whole name, or one component of a pack) contributed. */
struct product_part {
    char form[PP_DRUG_FORM_MAX];
    struct pp_drug_slice brand;
    bool extended_release;
};

static enum pp_err fail_at(struct cursor *c, size_t at, enum pp_err code, const char *expected)
{
    char where[32];
    char found[40];

    snprintf(where, sizeof(where), "char %zu", at + 1);
    if (at >= c->len) {
        snprintf(found, sizeof(found), "the end of the name");
    } else {
        size_t i, n = c->len - at < 16 ? c->len - at : 16, out = 0;

        found[out++] = '"';
        for (i = 0; i < n; i++) {
            int ch = (unsigned char)c->s[at + i];

            /* Echo printable ASCII only: the input may be anything. */
            found[out++] = (char)(ch >= 0x20 && ch < 0x7f ? ch : '?');
        }
        if (at + n < c->len) {
            memcpy(found + out, "...", 3);
            out += 3;
        }
        found[out++] = '"';
        found[out] = '\0';
    }
    return pp_diag_set(c->diag, code, where, "expected %s at character %zu, found %s", expected,
                       at + 1, found);
}

static void skip_ws(struct cursor *c)
{
    while (c->pos < c->len && is_space((unsigned char)c->s[c->pos]))
        c->pos++;
}

static int peek(const struct cursor *c)
{
    return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

static size_t word_end(const struct cursor *c, size_t pos)
{
    while (pos < c->len && !is_delim((unsigned char)c->s[pos]))
        pos++;
    return pos;
}

static size_t next_word(const struct cursor *c, size_t pos)
{
    while (pos < c->len && is_space((unsigned char)c->s[pos]))
        pos++;
    return pos;
}

/* Exact powers of ten: mantissa / 10^k is then correctly rounded, like strtod. */
static const double pow10_table[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

enum number_scan { NUMBER_NONE, NUMBER_OK, NUMBER_TOO_LONG };

/* digits ['.' digits] at pos; *end is just past it. Locale-free, at most 15 digits. */
static enum number_scan scan_number(const struct cursor *c, size_t pos, double *value, size_t *end)
{
    uint64_t mantissa = 0;
    unsigned digits = 0, frac = 0;
    size_t p = pos;

    if (p >= c->len || !is_digit((unsigned char)c->s[p]))
        return NUMBER_NONE;
    while (p < c->len && is_digit((unsigned char)c->s[p])) {
        mantissa = mantissa * 10u + (uint64_t)(c->s[p] - '0');
        digits++;
        p++;
        if (digits > 15)
            return NUMBER_TOO_LONG;
    }
    if (p + 1 < c->len && c->s[p] == '.' && is_digit((unsigned char)c->s[p + 1])) {
        p++;
        while (p < c->len && is_digit((unsigned char)c->s[p])) {
            mantissa = mantissa * 10u + (uint64_t)(c->s[p] - '0');
            digits++;
            frac++;
            p++;
            if (digits > 15)
                return NUMBER_TOO_LONG;
        }
    }
    *value = (double)mantissa / pow10_table[frac];
    *end = p;
    return NUMBER_OK;
}

static const char *const unit_numerators[] = {"MG", "MCG", "G", "UNT", "MEQ", "MMOL", "ML", "%"};
static const char *const unit_denominators[] = {"ML", "HR", "ACTUAT", "MG", "G", "DAY", "CM2", "L"};
static const char *const quantity_units[] = {"HR", "ML", "ACTUAT", "DAY"};

static bool in_list(const char *s, size_t n, const char *const *list, size_t count)
{
    size_t i;

    for (i = 0; i < count; i++) {
        if (ci_eq(s, n, list[i]))
            return true;
    }
    return false;
}

/*
 * Validate the unit token s[0..n) ("MG", "MG/ML", "mg/5ml") and write it upper case to
 * unit[PP_DRUG_UNIT_MAX]. *per is the count before the denominator (5 in "MG/5ML"), 1
 * otherwise. False when it is not a strength unit.
 */
static bool parse_unit(const char *s, size_t n, char unit[PP_DRUG_UNIT_MAX], unsigned *per)
{
    const char *slash = memchr(s, '/', n);
    size_t num_len = slash ? (size_t)(slash - s) : n, i, out = 0;

    *per = 1;
    if (!in_list(s, num_len, unit_numerators, ARRAY_SIZE(unit_numerators)))
        return false;
    if (slash) {
        const char *den = slash + 1;
        size_t den_len = n - num_len - 1;
        unsigned count = 0;

        while (den_len > 0 && is_digit((unsigned char)*den)) {
            count = count * 10u + (unsigned)(*den - '0');
            if (count > 1000)
                return false;
            den++;
            den_len--;
        }
        if (den != slash + 1) {
            if (count == 0)
                return false;
            *per = count;
        }
        if (!in_list(den, den_len, unit_denominators, ARRAY_SIZE(unit_denominators)))
            return false;
        for (i = 0; i < num_len; i++)
            unit[out++] = (char)to_upper((unsigned char)s[i]);
        unit[out++] = '/';
        for (i = 0; i < den_len; i++)
            unit[out++] = (char)to_upper((unsigned char)den[i]);
    } else {
        for (i = 0; i < num_len; i++)
            unit[out++] = (char)to_upper((unsigned char)s[i]);
    }
    unit[out] = '\0';
    return true;
}

/*
 * A number followed by a unit, either attached ("5mg", "12HR") or as the next word
 * ("5 MG"). On success *end is past the unit. The unit is checked by `accept`.
 */
static bool scan_measure(const struct cursor *c, size_t pos, bool quantity, double *value,
                         char unit[PP_DRUG_UNIT_MAX], size_t *end, enum pp_err *err)
{
    size_t num_end, unit_start, unit_end;
    unsigned per = 1;
    enum number_scan ns = scan_number(c, pos, value, &num_end);

    *err = PP_OK;
    if (ns == NUMBER_TOO_LONG) {
        *err = PP_ERR_LIMIT;
        return false;
    }
    if (ns == NUMBER_NONE)
        return false;
    if (num_end < c->len && (is_alpha((unsigned char)c->s[num_end]) || c->s[num_end] == '%')) {
        unit_start = num_end;
    } else if (num_end == c->len || is_space((unsigned char)c->s[num_end])) {
        unit_start = next_word(c, num_end);
    } else {
        return false; /* "3-Bead", "1.2.3": a word, not a measure */
    }
    unit_end = word_end(c, unit_start);
    if (unit_end == unit_start)
        return false;
    if (quantity) {
        size_t i, n = unit_end - unit_start;

        if (!in_list(c->s + unit_start, n, quantity_units, ARRAY_SIZE(quantity_units)))
            return false;
        for (i = 0; i < n; i++)
            unit[i] = (char)to_upper((unsigned char)c->s[unit_start + i]);
        unit[n] = '\0';
    } else {
        if (unit_end - unit_start >= PP_DRUG_UNIT_MAX ||
            !parse_unit(c->s + unit_start, unit_end - unit_start, unit, &per))
            return false;
        if (per > 1) {
            /* "12 MG/5ML" is stored as 2.4 MG/ML so every liquid is per mL. */
            char *slash = strchr(unit, '/');
            size_t k = 1;

            while (is_digit((unsigned char)slash[k]))
                k++;
            memmove(slash + 1, slash + k, strlen(slash + k) + 1);
            *value /= (double)per;
        }
    }
    *end = unit_end;
    return true;
}

/* Leading qualitative distinctions of RxNorm names ("Abuse-Deterrent 12 HR ..."). */
static const char *const qualifiers[] = {
    "Abuse-Deterrent", "Matrix Delivery",   "3-Bead", "Once-Daily",
    "Sprinkle",        "Smoking Cessation", "PMDD",   "Sensor",
};

static size_t match_qualifier(const struct cursor *c)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(qualifiers); i++) {
        size_t n = strlen(qualifiers[i]);

        if (c->pos + n < c->len && ci_eq(c->s + c->pos, n, qualifiers[i]) &&
            is_space((unsigned char)c->s[c->pos + n]))
            return n;
    }
    return 0;
}

/* RxNorm dose forms in RxNorm's casing; a written form matching one case-insensitively
 * takes this spelling. Other forms are kept as written. */
static const char *const dose_forms[] = {
    "Auto-Injector",
    "Buccal Film",
    "Buccal Tablet",
    "Cartridge",
    "Chewable Tablet",
    "Delayed Release Oral Capsule",
    "Delayed Release Oral Tablet",
    "Disintegrating Oral Tablet",
    "Drug Implant",
    "Dry Powder Inhaler",
    "Effervescent Oral Tablet",
    "Enema",
    "Extended Release Oral Capsule",
    "Extended Release Oral Tablet",
    "Extended Release Suspension",
    "Granules for Oral Suspension",
    "Inhalation Solution",
    "Injectable Solution",
    "Injectable Suspension",
    "Injection",
    "Medicated Patch",
    "Metered Dose Inhaler",
    "Metered Dose Nasal Spray",
    "Mucosal Spray",
    "Nasal Spray",
    "Oral Capsule",
    "Oral Film",
    "Oral Gel",
    "Oral Lozenge",
    "Oral Solution",
    "Oral Spray",
    "Oral Strip",
    "Oral Suspension",
    "Oral Tablet",
    "Powder for Oral Solution",
    "Prefilled Syringe",
    "Rectal Gel",
    "Rectal Suppository",
    "Sublingual Film",
    "Sublingual Tablet",
    "Tablet for Oral Suspension",
    "Topical Cream",
    "Topical Gel",
    "Topical Ointment",
    "Topical Solution",
    "Transdermal System",
};

/* Forms that act locally: a corticosteroid in them is not systemic. */
static const char *const local_form_words[] = {
    "topical", "ophthalmic", "otic",     "nasal",  "inhal",   "vaginal",   "rectal",
    "dental",  "cream",      "ointment", "lotion", "shampoo", "mouthwash", "irrigation",
};

/* Copy the dose-form words s[start..end) single-spaced into form[], canonical if known. */
static enum pp_err store_form(struct cursor *c, size_t start, size_t end,
                              char form[PP_DRUG_FORM_MAX])
{
    char buf[FOLD_MAX];
    size_t n = fold_words(c->s + start, end - start, buf), i, out = 0;
    bool space = false;

    if (n >= FOLD_MAX || n >= PP_DRUG_FORM_MAX)
        return fail_at(c, start, PP_ERR_LIMIT, "a dose form of at most 47 characters");
    for (i = 0; i < ARRAY_SIZE(dose_forms); i++) {
        if (ci_eq(buf, n, dose_forms[i])) {
            memcpy(form, dose_forms[i], n + 1);
            return PP_OK;
        }
    }
    /* Unknown form: keep the caller's spelling, spaces collapsed. */
    for (i = start; i < end; i++) {
        int ch = (unsigned char)c->s[i];

        if (is_space(ch)) {
            space = out > 0;
            continue;
        }
        if (space)
            form[out++] = ' ';
        space = false;
        form[out++] = (char)ch;
    }
    form[out] = '\0';
    return PP_OK;
}

static enum pp_err add_ingredient(struct cursor *c, struct pp_drug *out, size_t name_start,
                                  size_t name_end, double value, const char *unit, bool dedupe)
{
    struct pp_drug_ingredient *ing;
    const struct pp_drug_ingredient_info *info = NULL;
    char base[PP_DRUG_NAME_MAX];
    size_t i;

    if (!resolve_ingredient(c->s + name_start, name_end - name_start, &info, base))
        return fail_at(c, name_start, PP_ERR_LIMIT, "an ingredient name of at most 63 characters");
    if (dedupe) {
        /* A pack repeats a component's ingredients once per component. */
        for (i = 0; i < out->n_ingredients; i++) {
            ing = &out->ingredients[i];
            if (ing->strength_value == value && strcmp(ing->strength_unit, unit) == 0 &&
                strcmp(ing->name, base) == 0)
                return PP_OK;
        }
    }
    if (out->n_ingredients >= PP_DRUG_MAX_INGREDIENTS)
        return fail_at(c, name_start, PP_ERR_LIMIT, "at most 8 ingredients");
    ing = &out->ingredients[out->n_ingredients++];
    ing->info = info;
    memcpy(ing->name, base, strlen(base) + 1);
    ing->text.ptr = c->s + name_start;
    ing->text.len = name_end - name_start;
    ing->strength_value = value;
    memcpy(ing->strength_unit, unit, strlen(unit) + 1);
    return PP_OK;
}

static void set_quantity(struct pp_drug *out, double value, const char *unit)
{
    if (out->quantity_unit[0])
        return;
    out->quantity_value = value;
    memcpy(out->quantity_unit, unit, strlen(unit) + 1);
}

/*
 * One product: [qualifier] [quantity] ingredient strength (/ ingredient strength)* [form]
 * [[brand]]. Inside a pack it ends at ')', which it leaves for the caller.
 */
static enum pp_err parse_product(struct cursor *c, struct pp_drug *out, bool in_pack,
                                 struct product_part *part)
{
    enum pp_err err;
    double value;
    char unit[PP_DRUG_UNIT_MAX];
    size_t end, n, form_start, form_end;

    skip_ws(c);
    n = match_qualifier(c);
    if (n) {
        if (!out->qualifier.len) {
            out->qualifier.ptr = c->s + c->pos;
            out->qualifier.len = n;
        }
        c->pos += n;
        skip_ws(c);
    }
    /* Quantity factor: "72 HR", "1 ML", "80 ACTUAT" before the first ingredient. */
    if (scan_measure(c, c->pos, true, &value, unit, &end, &err)) {
        set_quantity(out, value, unit);
        if (ci_eq(unit, strlen(unit), "HR"))
            part->extended_release = true;
        c->pos = end;
        skip_ws(c);
    } else if (err) {
        return fail_at(c, c->pos, err, "a number of at most 15 digits");
    }

    for (;;) {
        size_t name_start = c->pos, name_end = c->pos, bad_unit_at = (size_t)-1;

        for (;;) {
            int ch = peek(c);

            if (ch < 0 || ch == '/' || is_delim(ch)) {
                if (name_end == name_start)
                    return fail_at(c, c->pos, PP_ERR_INPUT, "an ingredient name");
                if (bad_unit_at != (size_t)-1)
                    return fail_at(c, bad_unit_at, PP_ERR_INPUT,
                                   "a strength unit (MG, MCG, UNT, MEQ, ML, MG/ML, MG/HR, ...)");
                return fail_at(c, c->pos, PP_ERR_INPUT,
                               "an ingredient strength (a number and a unit, e.g. \"5 MG\")");
            }
            if (scan_measure(c, c->pos, false, &value, unit, &end, &err)) {
                if (name_end == name_start)
                    return fail_at(c, c->pos, PP_ERR_INPUT, "an ingredient name");
                break;
            }
            if (err)
                return fail_at(c, c->pos, err, "a number of at most 15 digits");
            if (bad_unit_at == (size_t)-1 && name_end > name_start) {
                double ignored;
                size_t num_end;

                /* A number inside the name whose unit we do not know: remember where, in
                 * case no strength follows ("oxycodone 5 MGX Oral Tablet"). */
                if (scan_number(c, c->pos, &ignored, &num_end) == NUMBER_OK)
                    bad_unit_at = (num_end < c->len && is_space((unsigned char)c->s[num_end]))
                                      ? next_word(c, num_end)
                                      : num_end;
            }
            name_end = word_end(c, c->pos);
            c->pos = name_end;
            skip_ws(c);
        }
        err = add_ingredient(c, out, name_start, name_end, value, unit, in_pack);
        if (err)
            return err;
        c->pos = end;
        skip_ws(c);
        if (peek(c) != '/')
            break;
        c->pos++;
        skip_ws(c);
    }

    /* Free text sometimes puts the duration after the strength: "10 MG 12HR Extended ...". */
    if (scan_measure(c, c->pos, true, &value, unit, &end, &err) &&
        ci_eq(unit, strlen(unit), "HR")) {
        set_quantity(out, value, unit);
        part->extended_release = true;
        c->pos = end;
        skip_ws(c);
    }

    form_start = form_end = c->pos;
    while (c->pos < c->len) {
        int ch = peek(c);
        size_t i, w;

        if (ch == '[' || (in_pack && ch == ')'))
            break;
        w = word_end(c, c->pos);
        if (w == c->pos)
            return fail_at(c, c->pos, PP_ERR_INPUT, "a dose form, a [brand] or the end");
        for (i = c->pos; i < w; i++) {
            int wc = (unsigned char)c->s[i];

            if (!is_alpha(wc) && wc != '-')
                return fail_at(c, i, PP_ERR_INPUT,
                               "a dose form (words such as \"Oral Tablet\"), a [brand] or the end");
        }
        form_end = w;
        c->pos = w;
        skip_ws(c);
    }
    part->form[0] = '\0';
    if (form_end > form_start) {
        err = store_form(c, form_start, form_end, part->form);
        if (err)
            return err;
        if (ci_contains(part->form, "extended release"))
            part->extended_release = true;
    }

    if (peek(c) == '[') {
        size_t open = c->pos, close = c->pos + 1, b_start, b_end;

        while (close < c->len && c->s[close] != ']' && c->s[close] != '[')
            close++;
        if (close >= c->len || c->s[close] != ']')
            return fail_at(c, close, PP_ERR_INPUT, "\"]\" closing the brand");
        b_start = next_word(c, open + 1);
        b_end = close;
        while (b_end > b_start && is_space((unsigned char)c->s[b_end - 1]))
            b_end--;
        if (b_end == b_start)
            return fail_at(c, open + 1, PP_ERR_INPUT, "a brand name inside [ ]");
        part->brand.ptr = c->s + b_start;
        part->brand.len = b_end - b_start;
        c->pos = close + 1;
        skip_ws(c);
    }
    return PP_OK;
}

/* "(0.1 ML)" before a pack component: the volume of each unit; ignored. */
static bool skip_component_volume(struct cursor *c)
{
    struct cursor probe = *c;
    double value;
    char unit[PP_DRUG_UNIT_MAX];
    size_t end;
    enum pp_err err;

    probe.pos++;
    skip_ws(&probe);
    if (!scan_measure(&probe, probe.pos, true, &value, unit, &end, &err))
        return false;
    probe.pos = end;
    skip_ws(&probe);
    if (peek(&probe) != ')')
        return false;
    c->pos = probe.pos + 1;
    skip_ws(c);
    return true;
}

static void merge_part(struct pp_drug *out, const struct product_part *part)
{
    if (part->extended_release)
        out->extended_release = true;
    if (part->form[0] && ci_contains(part->form, "transdermal"))
        out->transdermal = true;
    if (!out->brand.len && part->brand.len)
        out->brand = part->brand;
}

/* "{N (product) / N (product) } Pack [brand]" */
static enum pp_err parse_pack(struct cursor *c, struct pp_drug *out)
{
    enum pp_err err;
    struct product_part part;
    struct pp_drug_slice inner_brand = {NULL, 0};
    size_t word;

    out->pack = true;
    c->pos++; /* '{' */
    for (;;) {
        double count;
        size_t end;

        skip_ws(c);
        if (scan_number(c, c->pos, &count, &end) != NUMBER_OK)
            return fail_at(c, c->pos, PP_ERR_INPUT, "the number of units of a pack component");
        c->pos = end;
        skip_ws(c);
        if (peek(c) != '(')
            return fail_at(c, c->pos, PP_ERR_INPUT, "\"(\" opening a pack component");
        skip_component_volume(c);
        if (peek(c) != '(')
            return fail_at(c, c->pos, PP_ERR_INPUT, "\"(\" opening a pack component");
        c->pos++;
        memset(&part, 0, sizeof(part));
        err = parse_product(c, out, true, &part);
        if (err)
            return err;
        if (peek(c) != ')')
            return fail_at(c, c->pos, PP_ERR_INPUT, "\")\" closing a pack component");
        c->pos++;
        if (!inner_brand.len)
            inner_brand = part.brand;
        part.brand.len = 0;
        merge_part(out, &part);
        skip_ws(c);
        if (peek(c) == '/') {
            c->pos++;
            continue;
        }
        if (peek(c) == '}') {
            c->pos++;
            break;
        }
        return fail_at(c, c->pos, PP_ERR_INPUT, "\"/\" or \"}\" in a pack");
    }
    skip_ws(c);
    word = word_end(c, c->pos);
    if (!ci_eq(c->s + c->pos, word - c->pos, "Pack"))
        return fail_at(c, c->pos, PP_ERR_INPUT, "\"Pack\" after \"}\"");
    memcpy(out->dose_form, "Pack", sizeof("Pack"));
    c->pos = word;
    skip_ws(c);
    if (peek(c) == '[') {
        /* The pack's own brand ("[Valtoco 10 MG Dose Kit]") names the product ordered. */
        size_t close = c->pos + 1;

        while (close < c->len && c->s[close] != ']')
            close++;
        if (close >= c->len)
            return fail_at(c, close, PP_ERR_INPUT, "\"]\" closing the brand");
        out->brand.ptr = c->s + next_word(c, c->pos + 1);
        out->brand.len = (size_t)(c->s + close - out->brand.ptr);
        while (out->brand.len > 0 && is_space((unsigned char)out->brand.ptr[out->brand.len - 1]))
            out->brand.len--;
        if (!out->brand.len)
            return fail_at(c, c->pos + 1, PP_ERR_INPUT, "a brand name inside [ ]");
        c->pos = close + 1;
        skip_ws(c);
    }
    if (!out->brand.len)
        out->brand = inner_brand;
    return PP_OK;
}

/* Flags and classes that follow from the ingredients and the form. */
static void derive(struct pp_drug *out)
{
    size_t i;
    bool fentanyl_or_bup = false, methadone = false, local_form = false;

    for (i = 0; i < out->n_ingredients; i++) {
        const struct pp_drug_ingredient *ing = &out->ingredients[i];
        size_t ulen = strlen(ing->strength_unit);

        if (ulen >= 3 && strcmp(ing->strength_unit + ulen - 3, "/ML") == 0)
            out->liquid = true;
        if (!ing->info)
            continue;
        out->classes |= ing->info->classes;
        if (ing->info->opioid == PP_OPIOID_FENTANYL || ing->info->opioid == PP_OPIOID_BUPRENORPHINE)
            fentanyl_or_bup = true;
        if (ing->info->opioid == PP_OPIOID_METHADONE)
            methadone = true;
    }
    if (ci_contains(out->dose_form, "transdermal"))
        out->transdermal = true;
    /* CDC 2022 (CLINICAL-FACTS §1.1/§1.2): ER/LA opioids are the extended-release forms,
     * transdermal fentanyl and buprenorphine systems, and methadone in any form. */
    out->long_acting = out->extended_release || (out->transdermal && fentanyl_or_bup) || methadone;
    if (out->long_acting && (out->classes & PP_DRUG_OPIOID))
        out->classes |= PP_DRUG_LONG_ACTING_OPIOID;
    for (i = 0;
         (out->classes & PP_DRUG_SYSTEMIC_CORTICOSTEROID) && i < ARRAY_SIZE(local_form_words);
         i++) {
        if (ci_contains(out->dose_form, local_form_words[i]))
            local_form = true;
    }
    if (local_form)
        out->classes &= ~PP_DRUG_SYSTEMIC_CORTICOSTEROID;
}

enum pp_err pp_drug_parse(struct pp_drug *out, const char *name, size_t len, struct pp_diag *diag)
{
    struct cursor c = {name, len, 0, diag};
    struct product_part part;
    enum pp_err err;
    size_t i;

    memset(out, 0, sizeof(*out));
    if (!name)
        return pp_diag_set(diag, PP_ERR_INPUT, "char 1", "expected a drug name, found nothing");
    if (len > PP_DRUG_INPUT_MAX)
        return pp_diag_set(diag, PP_ERR_LIMIT, "char 1",
                           "expected a drug name of at most %d characters, found %zu",
                           PP_DRUG_INPUT_MAX, len);
    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];

        /* Controls (NUL, newline) never belong in a name; tabs count as spaces. */
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
            err = fail_at(&c, i, PP_ERR_INPUT, "a printable character");
            goto out;
        }
    }
    skip_ws(&c);
    if (peek(&c) < 0) {
        err = fail_at(&c, c.pos, PP_ERR_INPUT, "a drug name");
        goto out;
    }
    if (peek(&c) == '{') {
        err = parse_pack(&c, out);
    } else {
        memset(&part, 0, sizeof(part));
        err = parse_product(&c, out, false, &part);
        if (!err) {
            memcpy(out->dose_form, part.form, sizeof(part.form));
            merge_part(out, &part);
        }
    }
    if (err)
        goto out;
    if (c.pos < c.len) {
        err = fail_at(&c, c.pos, PP_ERR_INPUT, "the end of the name");
        goto out;
    }
    derive(out);
    return PP_OK;
out:
    memset(out, 0, sizeof(*out));
    return err;
}

enum pp_err pp_drug_parse_cstr(struct pp_drug *out, const char *name, struct pp_diag *diag)
{
    return pp_drug_parse(out, name, name ? strlen(name) : 0, diag);
}

bool pp_drug_is_naloxone_rescue(const struct pp_drug *drug)
{
    size_t i;

    if (!drug || drug->n_ingredients == 0)
        return false;
    for (i = 0; i < drug->n_ingredients; i++) {
        const struct pp_drug_ingredient_info *info = drug->ingredients[i].info;

        if (!info || !(info->classes & PP_DRUG_OPIOID_REVERSAL))
            return false;
    }
    return true;
}

/* ---- the run-time code registry ---- */

void pp_drug_codes_init(struct pp_drug_codes *codes)
{
    memset(codes, 0, sizeof(*codes));
}

void pp_drug_codes_release(struct pp_drug_codes *codes)
{
    free(codes->keys);
    free(codes->classes);
    memset(codes, 0, sizeof(*codes));
}

static size_t slot_of(uint32_t key, size_t cap)
{
    /* Fibonacci hashing: RXCUIs come in dense runs, so spread them over the table. */
    return (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

static void codes_insert(uint32_t *keys, uint32_t *classes, size_t cap, uint32_t key, uint32_t bits)
{
    size_t i = slot_of(key, cap);

    while (keys[i] != 0 && keys[i] != key)
        i = (i + 1) & (cap - 1);
    keys[i] = key;
    classes[i] |= bits;
}

static void codes_grow(struct pp_drug_codes *codes)
{
    size_t new_cap = codes->cap ? codes->cap * 2 : 256, i;
    uint32_t *keys = pp_xcalloc(new_cap, sizeof(*keys));
    uint32_t *classes = pp_xcalloc(new_cap, sizeof(*classes));

    for (i = 0; i < codes->cap; i++) {
        if (codes->keys[i])
            codes_insert(keys, classes, new_cap, codes->keys[i], codes->classes[i]);
    }
    free(codes->keys);
    free(codes->classes);
    codes->keys = keys;
    codes->classes = classes;
    codes->cap = new_cap;
}

enum pp_err pp_drug_codes_add(struct pp_drug_codes *codes, const char *rxcui, size_t len,
                              uint32_t classes, struct pp_diag *diag)
{
    uint32_t key;
    size_t i;

    if (!parse_rxcui(rxcui, len, &key)) {
        char shown[20];
        size_t k, n = rxcui ? (len < sizeof(shown) - 1 ? len : sizeof(shown) - 1) : 0;

        /* Echo printable ASCII only: the code came from a file we did not write. */
        for (k = 0; k < n; k++)
            shown[k] = (rxcui[k] >= 0x20 && rxcui[k] < 0x7f) ? rxcui[k] : '?';
        shown[n] = '\0';
        return pp_diag_set(diag, PP_ERR_INPUT, "code",
                           "expected an RxNorm RXCUI (1 to 9 digits, not 0), found \"%s\"", shown);
    }
    if (codes->cap) {
        for (i = slot_of(key, codes->cap); codes->keys[i]; i = (i + 1) & (codes->cap - 1)) {
            if (codes->keys[i] == key) {
                codes->classes[i] |= classes;
                return PP_OK;
            }
        }
    }
    if (codes->count >= PP_DRUG_CODES_MAX)
        return pp_diag_set(diag, PP_ERR_LIMIT, "code", "more than %zu codes in one registry",
                           (size_t)PP_DRUG_CODES_MAX);
    /* Keep the load at most one half so probes stay short. */
    if ((codes->count + 1) * 2 > codes->cap)
        codes_grow(codes);
    codes_insert(codes->keys, codes->classes, codes->cap, key, classes);
    codes->count++;
    return PP_OK;
}

uint32_t pp_drug_codes_lookup(const struct pp_drug_codes *codes, const char *rxcui, size_t len)
{
    uint32_t key;
    size_t i;

    if (!codes->cap || !parse_rxcui(rxcui, len, &key))
        return 0;
    for (i = slot_of(key, codes->cap); codes->keys[i]; i = (i + 1) & (codes->cap - 1)) {
        if (codes->keys[i] == key)
            return codes->classes[i];
    }
    return 0;
}
