/*
 * demo.c — the demo clinic generator behind `painpath demo`: the practice, its pain
 * physicians and referrers, a week of in-person and virtual slots, referrals at every
 * stage, and patients with PRO histories, blocks, RFAs, ESIs, SCS and opioid regimens
 * (the first PP_DEMO_SCENARIOS of them trigger each opioid rule). Written by us; no
 * third-party data. Every number that names a drug dose is a demo choice, not a rule.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/demo.h"
#include "clinical/procedures.h"
#include "util/banned.h"

#define SYS_SNOMED "http://snomed.info/sct"
#define SYS_ICD10 "http://hl7.org/fhir/sid/icd-10-cm"
#define SYS_LOINC "http://loinc.org"
#define SYS_RXNORM "http://www.nlm.nih.gov/research/umls/rxnorm"
#define SYS_CPT "http://www.ama-assn.org/go/cpt"
#define SYS_UCUM "http://unitsofmeasure.org"
#define SYS_OBS_CAT "http://terminology.hl7.org/CodeSystem/observation-category"
#define SYS_INTERP "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
#define SYS_PROC "urn:painpath:procedure"
#define SYS_QUAL_KIND "urn:painpath:qualification-kind"
#define SYS_SPECIALTY "urn:painpath:specialty"
#define SYS_VISIT_MODE "urn:painpath:visit-mode"
#define SYS_REFERRAL_STAGE "urn:painpath:referral-stage"
#define SYS_REPLACEMENT "urn:painpath:replacement-reason"
#define SYS_ANESTHETIC "urn:painpath:anesthetic"
#define URL_FELLOWSHIP_MONTHS "urn:painpath:fellowship-months"

/* The generator's state: the Bundle being filled and the seeded random stream. */
struct demo {
    cJSON *entries;
    uint64_t rng;
    pp_day now;
};

/* ---- small helpers ------------------------------------------------------------------- */

/* xorshift64*: a fixed, portable stream for a seed (reproducible clinics). */
static uint32_t rnd(struct demo *g, uint32_t n)
{
    g->rng ^= g->rng >> 12;
    g->rng ^= g->rng << 25;
    g->rng ^= g->rng >> 27;
    return n ? (uint32_t)((g->rng * 2685821657736338717ull) >> 33) % n : 0;
}

static cJSON *need(cJSON *j)
{
    if (!j)
        abort(); /* out of memory: the CLI cannot continue */
    return j;
}

static void idf(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void idf(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vsnprintf(out, n, fmt, ap) < 0)
        out[0] = '\0';
    va_end(ap);
}

static void day_str(pp_day d, char out[static 11])
{
    pp_day_format(d, out);
}

/* "YYYY-MM-DDThh:mm:00Z" for a day and minutes after midnight (UTC). */
static void datetime_str(pp_day d, int minutes, char out[static 32])
{
    char day[11];
    day_str(d, day);
    idf(out, 32, "%sT%02d:%02d:00Z", day, (minutes / 60) % 24, minutes % 60);
}

/* A new resource added to the Bundle; returns it for the caller to fill. */
static cJSON *res(struct demo *g, const char *type, const char *id)
{
    cJSON *entry = need(cJSON_CreateObject()), *r = need(cJSON_CreateObject());
    char url[160];
    idf(url, sizeof(url), "urn:painpath:%s/%s", type, id);
    cJSON_AddStringToObject(entry, "fullUrl", url);
    cJSON_AddStringToObject(r, "resourceType", type);
    cJSON_AddStringToObject(r, "id", id);
    cJSON_AddItemToObject(entry, "resource", r);
    cJSON_AddItemToArray(g->entries, entry);
    return r;
}

static void add_ref(cJSON *obj, const char *key, const char *type, const char *id)
{
    cJSON *ref = need(cJSON_CreateObject());
    char s[160];
    idf(s, sizeof(s), "%s/%s", type, id);
    cJSON_AddStringToObject(ref, "reference", s);
    cJSON_AddItemToObject(obj, key, ref);
}

static void add_ref_arr(cJSON *obj, const char *key, const char *type, const char *id)
{
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, key), *ref = need(cJSON_CreateObject());
    char s[160];
    if (!arr) {
        arr = need(cJSON_CreateArray());
        cJSON_AddItemToObject(obj, key, arr);
    }
    idf(s, sizeof(s), "%s/%s", type, id);
    cJSON_AddStringToObject(ref, "reference", s);
    cJSON_AddItemToArray(arr, ref);
}

static cJSON *coding(const char *system, const char *code, const char *display)
{
    cJSON *c = need(cJSON_CreateObject());
    cJSON_AddStringToObject(c, "system", system);
    cJSON_AddStringToObject(c, "code", code);
    if (display)
        cJSON_AddStringToObject(c, "display", display);
    return c;
}

/* A CodeableConcept with one coding (system NULL: text only). */
static cJSON *concept(const char *system, const char *code, const char *display)
{
    cJSON *cc = need(cJSON_CreateObject()), *arr;
    if (system) {
        arr = need(cJSON_CreateArray());
        cJSON_AddItemToArray(arr, coding(system, code, display));
        cJSON_AddItemToObject(cc, "coding", arr);
    }
    if (display)
        cJSON_AddStringToObject(cc, "text", display);
    return cc;
}

/* Append a second coding to a concept. */
static void concept_add(cJSON *cc, const char *system, const char *code, const char *display)
{
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(cc, "coding");
    if (!arr) {
        arr = need(cJSON_CreateArray());
        cJSON_AddItemToObject(cc, "coding", arr);
    }
    cJSON_AddItemToArray(arr, coding(system, code, display));
}

static void add_array1(cJSON *obj, const char *key, cJSON *item)
{
    cJSON *arr = need(cJSON_CreateArray());
    cJSON_AddItemToArray(arr, item);
    cJSON_AddItemToObject(obj, key, arr);
}

static void add_day(cJSON *obj, const char *key, pp_day d)
{
    char s[11];
    day_str(d, s);
    cJSON_AddStringToObject(obj, key, s);
}

static cJSON *period(pp_day start, pp_day end)
{
    cJSON *p = need(cJSON_CreateObject());
    if (start != PP_DAY_NONE)
        add_day(p, "start", start);
    if (end != PP_DAY_NONE)
        add_day(p, "end", end);
    return p;
}

static cJSON *quantity(double v, const char *unit, const char *code)
{
    cJSON *q = need(cJSON_CreateObject());
    cJSON_AddNumberToObject(q, "value", v);
    cJSON_AddStringToObject(q, "unit", unit);
    cJSON_AddStringToObject(q, "system", SYS_UCUM);
    cJSON_AddStringToObject(q, "code", code);
    return q;
}

static void add_name(cJSON *r, const char *prefix, const char *given, const char *family)
{
    cJSON *n = need(cJSON_CreateObject()), *g = need(cJSON_CreateArray());
    char text[128];
    cJSON_AddStringToObject(n, "family", family);
    cJSON_AddItemToArray(g, need(cJSON_CreateString(given)));
    cJSON_AddItemToObject(n, "given", g);
    if (prefix) {
        add_array1(n, "prefix", need(cJSON_CreateString(prefix)));
        idf(text, sizeof(text), "%s %s %s", prefix, given, family);
    } else {
        idf(text, sizeof(text), "%s %s", given, family);
    }
    cJSON_AddStringToObject(n, "text", text);
    add_array1(r, "name", n);
}

/* ---- the practice ---------------------------------------------------------------------- */

#define ORG_ID "demo-practice"

static void organization(struct demo *g)
{
    cJSON *r = res(g, "Organization", ORG_ID), *addr = need(cJSON_CreateObject());
    cJSON_AddBoolToObject(r, "active", true);
    cJSON_AddStringToObject(r, "name", "Foothills Interventional Pain Center (demo)");
    add_array1(r, "type",
               concept("http://terminology.hl7.org/CodeSystem/organization-type", "prov",
                       "Healthcare Provider"));
    add_array1(addr, "line", need(cJSON_CreateString("100 Demo Way")));
    cJSON_AddStringToObject(addr, "city", "Springfield");
    cJSON_AddStringToObject(addr, "state", "CO");
    add_array1(r, "address", addr);
}

/* One qualification in the JSON conventions of src/fhir/practitioner.c. */
static void qualification(cJSON *quals, const char *kind, const char *specialty, const char *issuer,
                          const char *id, pp_day start, pp_day end, int fellowship_months)
{
    cJSON *q = need(cJSON_CreateObject()), *code = concept(SYS_QUAL_KIND, kind, NULL);
    cJSON *iss = need(cJSON_CreateObject());
    if (specialty)
        concept_add(code, SYS_SPECIALTY, specialty, NULL);
    cJSON_AddItemToObject(q, "code", code);
    if (id) {
        cJSON *ident = need(cJSON_CreateObject());
        cJSON_AddStringToObject(ident, "value", id);
        add_array1(q, "identifier", ident);
    }
    cJSON_AddStringToObject(iss, "display", issuer);
    cJSON_AddItemToObject(q, "issuer", iss);
    cJSON_AddItemToObject(q, "period", period(start, end));
    if (fellowship_months > 0) {
        cJSON *ext = need(cJSON_CreateObject());
        cJSON_AddStringToObject(ext, "url", URL_FELLOWSHIP_MONTHS);
        cJSON_AddNumberToObject(ext, "valueInteger", fellowship_months);
        add_array1(q, "extension", ext);
    }
    cJSON_AddItemToArray(quals, q);
}

struct physician {
    const char *id, *given, *family, *board, *board_specialty;
    const char *const *privileges;
};

static const char *const priv_spine[] = {"esi-tf-lumbar", "esi-il-lumbar", "esi-caudal",
                                         "mbb-lumbar",    "rfa-mb-lumbar", "sij-injection",
                                         "scs-trial",     "scs-implant",   NULL};
static const char *const priv_neck[] = {"esi-il-cervical", "mbb-cervical",  "rfa-mb-cervical",
                                        "mbb-lumbar",      "rfa-mb-lumbar", "esi-tf-lumbar",
                                        "rfa-genicular",   "trigger-point", NULL};
static const char *const priv_general[] = {
    "esi-tf-lumbar", "mbb-lumbar", "rfa-mb-lumbar", "sij-injection", "joint-injection-large",
    "scs-trial",     NULL};

/* Pain physicians: primary board + ACGME pain fellowship + ABMS Pain Medicine certificate. */
static const struct physician physicians[] = {
    {"demo-dr-rivera", "Ana", "Rivera", "ABA", "anesthesiology", priv_spine},
    {"demo-dr-chen", "Wei", "Chen", "ABPMR", "physical-medicine-rehabilitation", priv_neck},
    {"demo-dr-novak", "Petra", "Novak", "ABPN", "neurology", priv_general},
};
#define N_PHYS (sizeof(physicians) / sizeof(physicians[0]))

struct referrer {
    const char *id, *given, *family, *specialty, *display;
};
static const struct referrer referrers[] = {
    {"demo-ref-okeefe", "Liam", "O'Keefe", "family-medicine", "Primary care (family medicine)"},
    {"demo-ref-adeyemi", "Kemi", "Adeyemi", "spine-surgery", "Spine surgery"},
    {"demo-ref-lindqvist", "Erik", "Lindqvist", "neurology", "Neurology"},
    {"demo-ref-morales", "Sofia", "Morales", "rheumatology", "Rheumatology"},
};
#define N_REF (sizeof(referrers) / sizeof(referrers[0]))

static void practitioners(struct demo *g)
{
    pp_day now = g->now;
    char id[96], cert[48];
    for (size_t i = 0; i < N_PHYS; i++) {
        const struct physician *p = &physicians[i];
        cJSON *r = res(g, "Practitioner", p->id), *quals = need(cJSON_CreateArray());
        cJSON *role, *codes = need(cJSON_CreateArray()), *ident = need(cJSON_CreateObject());
        /* a career that fits: residency done ~10 years ago, fellowship the year after */
        pp_day board = now - 3650 + (pp_day)(i * 200), fel = board - 120;
        cJSON_AddBoolToObject(r, "active", true);
        add_name(r, "Dr.", p->given, p->family);
        cJSON_AddStringToObject(ident, "system", "urn:painpath:demo-license");
        idf(cert, sizeof(cert), "DEMO-LIC-%zu", 1001 + i);
        cJSON_AddStringToObject(ident, "value", cert);
        add_array1(r, "identifier", ident);
        qualification(quals, "license", NULL, "CO", cert, board - 800, now + 500, 0);
        idf(cert, sizeof(cert), "%s-DEMO-%zu", p->board, 4000 + i);
        qualification(quals, "board", p->board_specialty, p->board, cert, board, now + 1800, 0);
        qualification(quals, "fellowship", "pain-medicine", "ACGME", NULL, fel, fel + 364, 12);
        idf(cert, sizeof(cert), "%s-PM-DEMO-%zu", p->board, 700 + i);
        qualification(quals, "subspecialty", "pain-medicine", p->board, cert, fel + 500, now + 2400,
                      0);
        cJSON_AddItemToObject(r, "qualification", quals);

        idf(id, sizeof(id), "%s-role", p->id);
        role = res(g, "PractitionerRole", id);
        cJSON_AddBoolToObject(role, "active", true);
        cJSON_AddItemToObject(role, "period", period(fel + 400, PP_DAY_NONE));
        add_ref(role, "practitioner", "Practitioner", p->id);
        add_ref(role, "organization", "Organization", ORG_ID);
        for (size_t k = 0; p->privileges[k]; k++) {
            const struct pp_proc_entry *e = pp_procedure_by_id(p->privileges[k]);
            cJSON_AddItemToArray(codes, concept(SYS_PROC, p->privileges[k], e ? e->name : NULL));
        }
        cJSON_AddItemToObject(role, "code", codes);
        add_array1(role, "specialty", concept(SYS_SPECIALTY, "pain-medicine", "Pain medicine"));
    }
    for (size_t i = 0; i < N_REF; i++) {
        const struct referrer *p = &referrers[i];
        cJSON *r = res(g, "Practitioner", p->id), *role;
        cJSON_AddBoolToObject(r, "active", true);
        add_name(r, "Dr.", p->given, p->family);
        idf(id, sizeof(id), "%s-role", p->id);
        role = res(g, "PractitionerRole", id);
        cJSON_AddBoolToObject(role, "active", true);
        add_ref(role, "practitioner", "Practitioner", p->id);
        add_array1(role, "specialty", concept(SYS_SPECIALTY, p->specialty, p->display));
    }
}

/* The practice nurse: on every patient's care team (intake, vitals, procedure diaries). */
#define NURSE_ID "demo-rn-park"
#define SYS_PRACTITIONER_ROLE "http://terminology.hl7.org/CodeSystem/practitioner-role"

static void nurse(struct demo *g)
{
    cJSON *r = res(g, "Practitioner", NURSE_ID), *role;
    cJSON_AddBoolToObject(r, "active", true);
    add_name(r, NULL, "Jun", "Park");
    role = res(g, "PractitionerRole", NURSE_ID "-role");
    cJSON_AddBoolToObject(role, "active", true);
    add_ref(role, "practitioner", "Practitioner", NURSE_ID);
    add_ref(role, "organization", "Organization", ORG_ID);
    add_array1(role, "code", concept(SYS_PRACTITIONER_ROLE, "nurse", "Nurse"));
}

/* A week of slots per physician from tomorrow: in-person mornings, virtual afternoons.
 * Booked slots get an Appointment (filled when patients are made); returns nothing. */
static void schedules(struct demo *g)
{
    char id[96], s[32], e[32];
    for (size_t i = 0; i < N_PHYS; i++) {
        const struct physician *p = &physicians[i];
        cJSON *sch;
        idf(id, sizeof(id), "%s-schedule", p->id);
        sch = res(g, "Schedule", id);
        cJSON_AddBoolToObject(sch, "active", true);
        add_ref_arr(sch, "actor", "Practitioner", p->id);
        cJSON_AddItemToObject(sch, "planningHorizon", period(g->now + 1, g->now + 7));
        for (int d = 1; d <= 7; d++) {
            for (int k = 0; k < 6; k++) {
                bool virt = k >= 4;
                int minute = virt ? 13 * 60 + (k - 4) * 30 : 8 * 60 + k * 45;
                cJSON *slot;
                idf(id, sizeof(id), "%s-slot-%d-%d", p->id, d, k);
                slot = res(g, "Slot", id);
                idf(id, sizeof(id), "%s-schedule", p->id);
                add_ref(slot, "schedule", "Schedule", id);
                add_array1(slot, "serviceType",
                           concept(SYS_VISIT_MODE, virt ? "virtual" : "in-person",
                                   virt ? "Virtual visit" : "In-person visit"));
                cJSON_AddStringToObject(slot, "status", "free");
                datetime_str(g->now + d, minute, s);
                datetime_str(g->now + d, minute + (virt ? 30 : 45), e);
                cJSON_AddStringToObject(slot, "start", s);
                cJSON_AddStringToObject(slot, "end", e);
            }
        }
    }
}

/* Book the slot (physician, day 1..7, index 0..5) for a patient's referral. */
static void book(struct demo *g, size_t phys, int d, int k, const char *pid, const char *sr_id)
{
    char slot_id[96], id[96];
    cJSON *slot = NULL, *appt, *parts = need(cJSON_CreateArray());
    bool virt = k >= 4;
    idf(slot_id, sizeof(slot_id), "%s-slot-%d-%d", physicians[phys].id, d, k);
    /* find the slot already in the Bundle and mark it busy */
    for (cJSON *e = g->entries->child; e; e = e->next) {
        cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "resource");
        cJSON *rid = cJSON_GetObjectItemCaseSensitive(r, "id");
        if (cJSON_IsString(rid) && strcmp(rid->valuestring, slot_id) == 0) {
            slot = r;
            break;
        }
    }
    if (!slot || strcmp(cJSON_GetObjectItemCaseSensitive(slot, "status")->valuestring, "free"))
        return; /* already booked */
    cJSON_ReplaceItemInObjectCaseSensitive(slot, "status", need(cJSON_CreateString("busy")));
    idf(id, sizeof(id), "%s-appt", pid);
    appt = res(g, "Appointment", id);
    cJSON_AddStringToObject(appt, "status", "booked");
    add_array1(appt, "serviceType",
               concept(SYS_VISIT_MODE, virt ? "virtual" : "in-person",
                       virt ? "Virtual visit" : "In-person visit"));
    cJSON_AddItemToObject(
        appt, "appointmentType",
        concept("http://terminology.hl7.org/CodeSystem/v2-0276", "ROUTINE", "Routine appointment"));
    cJSON_AddStringToObject(appt, "start",
                            cJSON_GetObjectItemCaseSensitive(slot, "start")->valuestring);
    cJSON_AddStringToObject(appt, "end",
                            cJSON_GetObjectItemCaseSensitive(slot, "end")->valuestring);
    add_ref_arr(appt, "slot", "Slot", slot_id);
    add_ref_arr(appt, "basedOn", "ServiceRequest", sr_id);
    for (int who = 0; who < 2; who++) {
        cJSON *pa = need(cJSON_CreateObject());
        add_ref(pa, "actor", who ? "Practitioner" : "Patient", who ? physicians[phys].id : pid);
        cJSON_AddStringToObject(pa, "status", "accepted");
        cJSON_AddItemToArray(parts, pa);
    }
    cJSON_AddItemToObject(appt, "participant", parts);
}

/* ---- patient content ------------------------------------------------------------------- */

static const char *const given_f[] = {"Maria", "Grace", "Helen", "Nora",  "Ruth",
                                      "Irene", "Clara", "Dana",  "Joyce", "Lena"};
static const char *const given_m[] = {"James", "Omar", "Victor", "Paul", "Samuel",
                                      "Hugo",  "Tom",  "Felix",  "Ray",  "Dennis"};
static const char *const family[] = {"Alder",   "Brook",   "Castell", "Dunmore", "Ellery",
                                     "Fenwick", "Garland", "Hollis",  "Iverson", "Jarvis",
                                     "Kessler", "Lowell",  "Marsh",   "Norcott", "Ostrander"};

/* Conditions from CLINICAL-FACTS §6.2 (SNOMED CT with its ICD-10-CM equivalent). */
struct dx {
    const char *snomed, *icd, *display;
};
static const struct dx diagnoses[] = {
    {"279039007", "M54.50", "Low back pain"},
    {"128196005", "M54.16", "Lumbar radiculopathy"},
    {"23056005", "M54.30", "Sciatica"},
    {"239873007", "M17.11", "Osteoarthritis of knee"},
    {"128200000", "G90.50", "Complex regional pain syndrome"},
    {"81680005", "M54.2", "Neck pain"},
    {"203082005", NULL, "Fibromyalgia"},
    {"82423001", "G89.29", "Chronic pain"},
    {"18347007", "M48.061", "Lumbar spinal stenosis"},
    {NULL, "M96.1", "Postlaminectomy syndrome"},
    {NULL, "M47.816", "Lumbar spondylosis"},
    {NULL, "M46.1", "Sacroiliitis"},
};
#define N_DX (sizeof(diagnoses) / sizeof(diagnoses[0]))
enum {
    DX_LBP,
    DX_RADIC,
    DX_SCIATICA,
    DX_KNEE,
    DX_CRPS,
    DX_NECK,
    DX_FIBRO,
    DX_CHRONIC,
    DX_STENOSIS,
    DX_FBSS,
    DX_SPONDYLOSIS,
    DX_SACROILIITIS
};

struct pt {
    char id[32];
    pp_day birth;
    int n_obs, n_med, n_proc, n_cond;
};

static void condition(struct demo *g, struct pt *p, const char *snomed, const char *icd,
                      const char *display, pp_day onset)
{
    char id[64];
    cJSON *r, *code;
    idf(id, sizeof(id), "%s-cond-%d", p->id, ++p->n_cond);
    r = res(g, "Condition", id);
    cJSON_AddItemToObject(
        r, "clinicalStatus",
        concept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", NULL));
    cJSON_AddItemToObject(
        r, "verificationStatus",
        concept("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", NULL));
    add_array1(r, "category",
               concept("http://terminology.hl7.org/CodeSystem/condition-category",
                       "problem-list-item", NULL));
    code = snomed ? concept(SYS_SNOMED, snomed, display) : concept(SYS_ICD10, icd, display);
    if (snomed && icd)
        concept_add(code, SYS_ICD10, icd, display);
    cJSON_AddItemToObject(r, "code", code);
    add_ref(r, "subject", "Patient", p->id);
    add_day(r, "onsetDateTime", onset);
}

static void condition_dx(struct demo *g, struct pt *p, size_t dx, pp_day onset)
{
    const struct dx *x = &diagnoses[dx];
    condition(g, p, x->snomed, x->icd, x->display, onset);
}

/* An Observation with a numeric value; minutes < 0: a date without a time. */
static cJSON *obs(struct demo *g, struct pt *p, const char *category, const char *loinc,
                  const char *display, pp_day day, int minutes)
{
    char id[64], when[32];
    cJSON *r;
    idf(id, sizeof(id), "%s-obs-%d", p->id, ++p->n_obs);
    r = res(g, "Observation", id);
    cJSON_AddStringToObject(r, "status", "final");
    add_array1(r, "category", concept(SYS_OBS_CAT, category, NULL));
    cJSON_AddItemToObject(r, "code", concept(SYS_LOINC, loinc, display));
    add_ref(r, "subject", "Patient", p->id);
    if (minutes < 0) {
        add_day(r, "effectiveDateTime", day);
    } else {
        datetime_str(day, minutes, when);
        cJSON_AddStringToObject(r, "effectiveDateTime", when);
    }
    return r;
}

static cJSON *obs_score(struct demo *g, struct pt *p, const char *loinc, const char *display,
                        double v, const char *unit, const char *ucum, pp_day day, int minutes)
{
    cJSON *r = obs(g, p, "survey", loinc, display, day, minutes);
    cJSON_AddItemToObject(r, "valueQuantity", quantity(v, unit, ucum));
    return r;
}

static void component(cJSON *r, const char *loinc, const char *display, double v)
{
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(r, "component"), *c = need(cJSON_CreateObject());
    if (!arr) {
        arr = need(cJSON_CreateArray());
        cJSON_AddItemToObject(r, "component", arr);
    }
    cJSON_AddItemToObject(c, "code", concept(SYS_LOINC, loinc, display));
    cJSON_AddItemToObject(c, "valueQuantity", quantity(v, "{score}", "{score}"));
    cJSON_AddItemToArray(arr, c);
}

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* One PRO visit: NRS, PEG (items as components), PHQ-9, GAD-7 and (back pain) ODI. The
 * `level` 0-10 is the patient's pain that day; the rest follows it with some noise. */
static void pro_visit(struct demo *g, struct pt *p, pp_day day, int level, bool back)
{
    int pain = clampi(level + (int)rnd(g, 3) - 1, 0, 10);
    int enjoy = clampi(level + (int)rnd(g, 3) - 1, 0, 10);
    int act = clampi(level + (int)rnd(g, 3) - 1, 0, 10);
    double peg = (double)(pain + enjoy + act) / 3.0;
    cJSON *r;
    obs_score(g, p, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
              pain, "{score}", "{score}", day, -1);
    r = obs_score(g, p, "91147-9", "PEG 3-item pain scale total",
                  (double)(int)(peg * 10.0 + 0.5) / 10.0, "{score}", "{score}", day, -1);
    component(r, "75893-8", "Pain average in the past week", pain);
    component(r, "91145-3", "Pain interference with enjoyment of life", enjoy);
    component(r, "91146-1", "Pain interference with general activity", act);
    obs_score(g, p, "44261-6", "PHQ-9 total score", clampi(level + (int)rnd(g, 8) - 2, 0, 27),
              "{score}", "{score}", day, -1);
    obs_score(g, p, "70274-6", "GAD-7 total score", clampi(level / 2 + (int)rnd(g, 6), 0, 21),
              "{score}", "{score}", day, -1);
    if (back)
        obs_score(g, p, "97909-6", "Oswestry Disability Index score",
                  clampi(level * 6 + (int)rnd(g, 10), 0, 100), "%", "%", day, -1);
}

/* A Procedure of the catalogue; returns its id in out. */
static void procedure(struct demo *g, struct pt *p, const char *proc_id, const char *performer,
                      pp_day day, const char *level, char out[static 64])
{
    const struct pp_proc_entry *e = pp_procedure_by_id(proc_id);
    cJSON *r, *code, *perf = need(cJSON_CreateObject());
    char when[32];
    idf(out, 64, "%s-proc-%d", p->id, ++p->n_proc);
    r = res(g, "Procedure", out);
    cJSON_AddStringToObject(r, "status", "completed");
    code = concept(SYS_PROC, proc_id, e ? e->name : proc_id);
    if (e && e->cpt[0])
        concept_add(code, SYS_CPT, e->cpt[0], NULL);
    cJSON_AddItemToObject(r, "code", code);
    add_ref(r, "subject", "Patient", p->id);
    datetime_str(day, 9 * 60, when);
    cJSON_AddStringToObject(r, "performedDateTime", when);
    add_ref(perf, "actor", "Practitioner", performer);
    add_array1(r, "performer", perf);
    if (level)
        add_array1(r, "bodySite", concept(NULL, NULL, level));
}

/* What a diagnostic block injected (docs/PROFILES.md): the anesthetic in usedCode, its
 * concentration and the volume in extensions, the image guidance. Lidocaine 2% and
 * bupivacaine 0.5% are the comparative pair of CLINICAL-FACTS §3 "Controlled blocks"; the
 * 1 mL volume is that of `painpath block --example`. */
static void block_agent(cJSON *proc, bool bupivacaine)
{
    cJSON *ext;
    add_array1(proc, "usedCode",
               concept(SYS_ANESTHETIC, bupivacaine ? "bupivacaine" : "lidocaine",
                       bupivacaine ? "Bupivacaine" : "Lidocaine"));
    ext = need(cJSON_CreateObject());
    cJSON_AddStringToObject(ext, "url", "urn:painpath:anesthetic-concentration");
    cJSON_AddItemToObject(ext, "valueQuantity", quantity(bupivacaine ? 0.5 : 2, "%", "%"));
    add_array1(proc, "extension", ext);
    ext = need(cJSON_CreateObject());
    cJSON_AddStringToObject(ext, "url", "urn:painpath:injectate-volume");
    cJSON_AddItemToObject(ext, "valueQuantity", quantity(1, "mL", "mL"));
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(proc, "extension"), ext);
    ext = need(cJSON_CreateObject());
    cJSON_AddStringToObject(ext, "url", "urn:painpath:guidance");
    cJSON_AddStringToObject(ext, "valueCode", "fluoroscopy");
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(proc, "extension"), ext);
}

/* The block Procedure just made (the last entry of the Bundle). */
static cJSON *last_resource(struct demo *g)
{
    cJSON *e = cJSON_GetArrayItem(g->entries, cJSON_GetArraySize(g->entries) - 1);
    return cJSON_GetObjectItemCaseSensitive(e, "resource");
}

/* A block's pain diary, partOf it: the baseline NRS 15 minutes before the injection (09:00),
 * then NRS at 30, 60, 120, 240, 360 and 480 minutes; relief holds for `lasting` minutes,
 * then the pain is back at baseline. */
static void diary(struct demo *g, struct pt *p, const char *proc, pp_day day, int baseline,
                  int relief_pct, int lasting)
{
    static const int at[] = {-15, 30, 60, 120, 240, 360, 480};
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        int nrs = i == 0 || at[i] > lasting
                      ? baseline
                      : clampi((baseline * (100 - relief_pct) + 50) / 100, 0, 10);
        cJSON *r = obs_score(g, p, "72514-3",
                             "Pain severity - 0-10 verbal numeric rating [Score] - Reported", nrs,
                             "{score}", "{score}", day, 9 * 60 + at[i]);
        add_ref_arr(r, "partOf", "Procedure", proc);
    }
}

/* ---- medications ----------------------------------------------------------------------- */

struct rx {
    const char *rxcui, *display;
    double dose;  /* tablets (or sprays) per administration */
    int period_h; /* every N hours */
    bool prn;
    int supply; /* days' supply */
    double qty; /* units dispensed */
    int refills;
};

static const struct rx HYDROCODONE_5_PRN = {
    "857002", "acetaminophen 325 MG / hydrocodone bitartrate 5 MG Oral Tablet", 1, 6, true, 10, 40,
    0};
static const struct rx HYDROCODONE_10 = {
    "856999", "acetaminophen 325 MG / hydrocodone bitartrate 10 MG Oral Tablet",
    1,        4,
    false,    30,
    180,      0};
static const struct rx HYDROCODONE_10_X2 = {
    "856999", "acetaminophen 325 MG / hydrocodone bitartrate 10 MG Oral Tablet",
    2,        4,
    false,    30,
    360,      0};
static const struct rx HYDROCODONE_5 = {
    "857002", "acetaminophen 325 MG / hydrocodone bitartrate 5 MG Oral Tablet", 1, 8, false, 30, 90,
    0};
static const struct rx MORPHINE_ER_15 = {
    "891878", "12 HR morphine sulfate 15 MG Extended Release Oral Tablet", 1, 12, false, 30, 60, 0};
static const struct rx TRAMADOL_50 = {
    "835603", "tramadol hydrochloride 50 MG Oral Tablet", 1, 8, false, 30, 90, 0};
static const struct rx ALPRAZOLAM_1 = {
    "197321", "alprazolam 1 MG Oral Tablet", 1, 12, false, 30, 60, 0};
static const struct rx GABAPENTIN_300 = {
    "310431", "gabapentin 300 MG Oral Capsule", 1, 8, false, 30, 90, 0};
static const struct rx NALOXONE = {
    "1725059", "Naloxone Hydrochloride 40 MG/ML Nasal Spray", 1, 24, true, 30, 2, 0};
static const struct rx IBUPROFEN_600 = {
    "197806", "ibuprofen 600 MG Oral Tablet", 1, 8, true, 30, 90, 0};
static const struct rx BUPRENORPHINE_NALOXONE = {
    "351267", "buprenorphine 8 MG / naloxone 2 MG Sublingual Tablet", 1, 24, false, 30, 30, 0};

/* A MedicationRequest started on `start`; returns its id in out (may be NULL). */
static cJSON *medication(struct demo *g, struct pt *p, const struct rx *x, const char *status,
                         pp_day start, const char *prescriber, char *out)
{
    char id[64];
    cJSON *r, *dose = need(cJSON_CreateObject()), *timing = need(cJSON_CreateObject());
    cJSON *repeat = need(cJSON_CreateObject()), *dr = need(cJSON_CreateObject());
    cJSON *disp = need(cJSON_CreateObject()), *q = need(cJSON_CreateObject());
    idf(id, sizeof(id), "%s-med-%d", p->id, ++p->n_med);
    if (out)
        idf(out, 64, "%s", id);
    r = res(g, "MedicationRequest", id);
    cJSON_AddStringToObject(r, "status", status);
    cJSON_AddStringToObject(r, "intent", "order");
    add_array1(r, "category",
               concept("http://terminology.hl7.org/CodeSystem/medicationrequest-category",
                       "community", NULL));
    cJSON_AddItemToObject(r, "medicationCodeableConcept",
                          concept(SYS_RXNORM, x->rxcui, x->display));
    add_ref(r, "subject", "Patient", p->id);
    add_day(r, "authoredOn", start);
    add_ref(r, "requester", "Practitioner", prescriber);
    cJSON_AddNumberToObject(repeat, "frequency", 1);
    cJSON_AddNumberToObject(repeat, "period", x->period_h);
    cJSON_AddStringToObject(repeat, "periodUnit", "h");
    cJSON_AddItemToObject(timing, "repeat", repeat);
    cJSON_AddItemToObject(dose, "timing", timing);
    cJSON_AddBoolToObject(dose, "asNeededBoolean", x->prn);
    cJSON_AddItemToObject(dr, "doseQuantity", quantity(x->dose, "{tbl}", "{tbl}"));
    add_array1(dose, "doseAndRate", dr);
    add_array1(r, "dosageInstruction", dose);
    cJSON_AddItemToObject(disp, "validityPeriod", period(start, PP_DAY_NONE));
    cJSON_AddItemToObject(disp, "expectedSupplyDuration", quantity(x->supply, "days", "d"));
    cJSON_AddNumberToObject(q, "value", x->qty);
    cJSON_AddStringToObject(q, "unit", "tablet");
    cJSON_AddItemToObject(disp, "quantity", q);
    cJSON_AddNumberToObject(disp, "numberOfRepeatsAllowed", x->refills);
    cJSON_AddItemToObject(r, "dispenseRequest", disp);
    return r;
}

/* Monthly fills of `x` ending with the current one: `months` fills, the last started on
 * now - 10 (active), the earlier ones completed, back to back. */
static void chronic_fills(struct demo *g, struct pt *p, const struct rx *x, int months,
                          const char *prescriber)
{
    for (int m = months - 1; m >= 0; m--)
        medication(g, p, x, m ? "completed" : "active", g->now - 10 - m * x->supply, prescriber,
                   NULL);
}

/* A PDMP review (SNOMED procedure 461621000124108, a code of the CDC PDMP-review set). */
static void pdmp_review(struct demo *g, struct pt *p, pp_day day, const char *who)
{
    char id[64];
    cJSON *r, *perf = need(cJSON_CreateObject());
    idf(id, sizeof(id), "%s-proc-%d", p->id, ++p->n_proc);
    r = res(g, "Procedure", id);
    cJSON_AddStringToObject(r, "status", "completed");
    cJSON_AddItemToObject(
        r, "code",
        concept(SYS_SNOMED, "461621000124108", "Review of prescription drug monitoring program"));
    add_ref(r, "subject", "Patient", p->id);
    add_day(r, "performedDateTime", day);
    add_ref(perf, "actor", "Practitioner", who);
    add_array1(r, "performer", perf);
}

/* A urine drug screen (LOINC) with a coded positive/negative result. */
static void uds(struct demo *g, struct pt *p, const char *loinc, const char *display, bool positive,
                pp_day day)
{
    cJSON *r = obs(g, p, "laboratory", loinc, display, day, -1);
    cJSON_AddItemToObject(r, "valueCodeableConcept",
                          positive ? concept(SYS_SNOMED, "10828004", "Positive")
                                   : concept(SYS_SNOMED, "260385009", "Negative"));
    add_array1(r, "interpretation",
               concept(SYS_INTERP, positive ? "POS" : "NEG", positive ? "Positive" : "Negative"));
}

/* Safe opioid monitoring: PDMP reviewed, expected urine screen, naloxone on hand. */
static void monitored(struct demo *g, struct pt *p, const char *who)
{
    pdmp_review(g, p, g->now - 12, who);
    uds(g, p, "19295-5", "Opiates [Presence] in Urine by Screen method", true, g->now - 12);
    medication(g, p, &NALOXONE, "active", g->now - 12, who, NULL);
}

/* ---- referrals ------------------------------------------------------------------------- */

/* Referral stages and how they map onto ServiceRequest.status (docs/demo.md). */
static const struct {
    const char *code, *display, *status;
} stages[] = {
    {"received", "Received, awaiting triage", "active"},
    {"records-requested", "Awaiting records from the referrer", "on-hold"},
    {"scheduled", "Triaged and scheduled", "active"},
    {"seen", "Seen in clinic", "completed"},
    {"declined", "Declined (not a candidate / redirected)", "revoked"},
};
#define N_STAGES (sizeof(stages) / sizeof(stages[0]))
enum { STAGE_RECEIVED, STAGE_RECORDS, STAGE_SCHEDULED, STAGE_SEEN, STAGE_DECLINED };

/* One answered item of a QuestionnaireResponse (value: a new cJSON answer value, owned). */
static void answer(cJSON *items, const char *link_id, const char *value_key, cJSON *value)
{
    cJSON *item = need(cJSON_CreateObject()), *ans = need(cJSON_CreateObject());
    cJSON_AddStringToObject(item, "linkId", link_id);
    cJSON_AddItemToObject(ans, value_key, value);
    add_array1(item, "answer", ans);
    cJSON_AddItemToArray(items, item);
}

static cJSON *code_value(const char *code)
{
    cJSON *c = need(cJSON_CreateObject());
    cJSON_AddStringToObject(c, "code", code);
    return c;
}

static cJSON *day_value(pp_day d)
{
    char s[11];
    day_str(d, s);
    return need(cJSON_CreateString(s));
}

/* The referral's intake answers (docs/PROFILES.md "triage answers"): a QuestionnaireResponse
 * basedOn the ServiceRequest whose linkIds are the fields of `painpath triage`. A pain of six
 * weeks that rest, over-the-counter drugs and physical therapy have not settled, no red flag:
 * what a referral to the practice usually says. */
static void intake(struct demo *g, struct pt *p, size_t ref, pp_day authored, const char *sr)
{
    static const char *const sources[] = {"primary_care", "spine_surgeon", "neurologist",
                                          "rheumatologist"};
    static const char *const flags[] = {"urinary_retention",
                                        "fecal_incontinence",
                                        "saddle_anesthesia",
                                        "bilateral_sciatica",
                                        "bilateral_leg_deficit",
                                        "cancer_history",
                                        "unexplained_weight_loss",
                                        "fever",
                                        "iv_drug_use",
                                        "immunosuppression",
                                        "major_trauma",
                                        "minor_trauma_osteoporosis_or_steroids",
                                        "major_motor_weakness",
                                        "progressive_deficit"};
    pp_day onset = authored - 42;
    char id[96];
    cJSON *r, *items = need(cJSON_CreateArray()), *group, *sub;
    idf(id, sizeof(id), "%s-intake", p->id);
    r = res(g, "QuestionnaireResponse", id);
    cJSON_AddStringToObject(r, "status", "completed");
    add_ref_arr(r, "basedOn", "ServiceRequest", sr);
    add_ref(r, "subject", "Patient", p->id);
    add_day(r, "authored", authored);
    answer(items, "referral_source", "valueCoding", code_value(sources[ref % 4]));
    answer(items, "onset", "valueDate", day_value(onset));
    answer(items, "course", "valueCoding", code_value("not_improving"));
    group = need(cJSON_CreateObject());
    sub = need(cJSON_CreateArray());
    cJSON_AddStringToObject(group, "linkId", "conservative_care");
    answer(sub, "rest", "valueDate", day_value(onset + 1));
    answer(sub, "otc_drugs", "valueDate", day_value(onset + 1));
    answer(sub, "physical_therapy", "valueDate", day_value(onset + 10));
    cJSON_AddItemToObject(group, "item", sub);
    cJSON_AddItemToArray(items, group);
    answer(items, "nrs", "valueInteger", need(cJSON_CreateNumber(6)));
    answer(items, "prevents_exercise_or_therapy", "valueBoolean", need(cJSON_CreateFalse()));
    group = need(cJSON_CreateObject());
    sub = need(cJSON_CreateArray());
    cJSON_AddStringToObject(group, "linkId", "red_flags");
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        answer(sub, flags[i], "valueBoolean", need(cJSON_CreateFalse()));
    cJSON_AddItemToObject(group, "item", sub);
    cJSON_AddItemToArray(items, group);
    answer(items, "prior_imaging", "valueBoolean", need(cJSON_CreateTrue()));
    answer(items, "prior_specialist", "valueBoolean", need(cJSON_CreateFalse()));
    answer(items, "surgery_stance", "valueCoding", code_value("unsure"));
    cJSON_AddItemToObject(r, "item", items);
}

static void referral(struct demo *g, struct pt *p, size_t stage, size_t ref, size_t dx,
                     pp_day authored, char out[static 64])
{
    cJSON *r, *reason;
    const struct dx *x = &diagnoses[dx];
    idf(out, 64, "%s-referral", p->id);
    r = res(g, "ServiceRequest", out);
    cJSON_AddStringToObject(r, "status", stages[stage].status);
    cJSON_AddStringToObject(r, "intent", "order");
    add_array1(r, "category", concept(SYS_SNOMED, "3457005", "Patient referral"));
    cJSON_AddItemToObject(r, "code",
                          concept(NULL, NULL,
                                  "Interventional pain management "
                                  "consultation"));
    add_ref(r, "subject", "Patient", p->id);
    add_day(r, "authoredOn", authored);
    add_ref(r, "requester", "Practitioner", referrers[ref].id);
    add_ref_arr(r, "performer", "Organization", ORG_ID);
    reason = x->snomed ? concept(SYS_SNOMED, x->snomed, x->display)
                       : concept(SYS_ICD10, x->icd, x->display);
    add_array1(r, "reasonCode", reason);
    {
        /* the practice's finer stage, alongside the FHIR status */
        cJSON *ext = need(cJSON_CreateObject());
        cJSON_AddStringToObject(ext, "url", SYS_REFERRAL_STAGE);
        cJSON_AddItemToObject(
            ext, "valueCoding",
            coding(SYS_REFERRAL_STAGE, stages[stage].code, stages[stage].display));
        add_array1(r, "extension", ext);
    }
    intake(g, p, ref, authored, out);
}

/* ---- patients -------------------------------------------------------------------------- */

/* The patient's care team: their pain physician and the practice nurse. A physician or nurse
 * signed in to `painpath serve` sees the patients whose care team names them. Draws nothing
 * from the generator, so every other demo resource stays as it was. */
static void care_team(struct demo *g, const struct pt *p, size_t phys)
{
    char id[64];
    cJSON *r, *parts = need(cJSON_CreateArray()), *part;
    idf(id, sizeof(id), "%s-careteam", p->id);
    r = res(g, "CareTeam", id);
    cJSON_AddStringToObject(r, "status", "active");
    cJSON_AddStringToObject(r, "name", "Pain care team");
    add_ref(r, "subject", "Patient", p->id);
    part = need(cJSON_CreateObject());
    add_array1(part, "role", concept(SYS_PRACTITIONER_ROLE, "doctor", "Doctor"));
    add_ref(part, "member", "Practitioner", physicians[phys].id);
    cJSON_AddItemToArray(parts, part);
    part = need(cJSON_CreateObject());
    add_array1(part, "role", concept(SYS_PRACTITIONER_ROLE, "nurse", "Nurse"));
    add_ref(part, "member", "Practitioner", NURSE_ID);
    cJSON_AddItemToArray(parts, part);
    cJSON_AddItemToObject(r, "participant", parts);
    add_ref_arr(r, "managingOrganization", "Organization", ORG_ID);
}

static void patient(struct demo *g, int index, struct pt *p)
{
    bool female = rnd(g, 2) == 0;
    int age = 28 + (int)rnd(g, 52);
    cJSON *r, *ident = need(cJSON_CreateObject());
    char mrn[32];
    memset(p, 0, sizeof(*p));
    idf(p->id, sizeof(p->id), "demo-pt-%03d", index + 1);
    r = res(g, "Patient", p->id);
    cJSON_AddStringToObject(ident, "system", "urn:painpath:demo-mrn");
    idf(mrn, sizeof(mrn), "DEMO%05d", index + 1);
    cJSON_AddStringToObject(ident, "value", mrn);
    add_array1(r, "identifier", ident);
    cJSON_AddBoolToObject(r, "active", true);
    add_name(r, NULL,
             female ? given_f[rnd(g, sizeof(given_f) / sizeof(given_f[0]))]
                    : given_m[rnd(g, sizeof(given_m) / sizeof(given_m[0]))],
             family[rnd(g, sizeof(family) / sizeof(family[0]))]);
    cJSON_AddStringToObject(r, "gender", female ? "female" : "male");
    p->birth = g->now - age * 365 - (pp_day)rnd(g, 365);
    add_day(r, "birthDate", p->birth);
    add_ref_arr(r, "generalPractitioner", "Practitioner", referrers[0].id);
    add_ref(r, "managingOrganization", "Organization", ORG_ID);
}

/* The opioid-rule scenarios (patients 1..PP_DEMO_SCENARIOS), docs/demo.md lists them. */
static void opioid_scenario(struct demo *g, struct pt *p, int k)
{
    const char *dr = physicians[0].id, *pcp = referrers[0].id;
    char a[64];
    cJSON *r;
    switch (k) {
    case 0: /* high dose (>= 90 MME/day) + a benzodiazepine, no naloxone, no PDMP, no UDS */
        chronic_fills(g, p, &HYDROCODONE_10_X2, 4, pcp);
        chronic_fills(g, p, &ALPRAZOLAM_1, 3, pcp);
        break;
    case 1: /* 50-89 MME/day, monitored otherwise (REC04 alone with REC07) */
        chronic_fills(g, p, &HYDROCODONE_10, 4, dr);
        monitored(g, p, dr);
        break;
    case 2: /* opioid + gabapentinoid (REC11-CNS), monitored */
        chronic_fills(g, p, &HYDROCODONE_5, 4, dr);
        chronic_fills(g, p, &GABAPENTIN_300, 4, dr);
        monitored(g, p, dr);
        break;
    case 3: /* a long-acting start in an opioid-naive patient (REC03, PRACTICE-NO-LA,
             * PRACTICE-RISK-EDUCATION) */
        medication(g, p, &MORPHINE_ER_15, "active", g->now - 5, pcp, NULL);
        break;
    case 4: /* lost-prescription replacement (PRACTICE-NO-REPLACEMENT) */
        chronic_fills(g, p, &HYDROCODONE_5, 3, dr);
        monitored(g, p, dr);
        r = medication(g, p, &HYDROCODONE_5, "active", g->now - 4, dr, NULL);
        add_array1(r, "reasonCode",
                   concept(SYS_REPLACEMENT, "lost", "Replacement of a lost prescription"));
        idf(a, sizeof(a), "%s-med-%d", p->id, p->n_med - 1);
        add_ref(r, "priorPrescription", "MedicationRequest", a);
        break;
    case 5: /* early refill: a new supply 8 days before the last one runs out */
        medication(g, p, &TRAMADOL_50, "completed", g->now - 48, dr, NULL);
        medication(g, p, &TRAMADOL_50, "active", g->now - 18, dr, NULL);
        medication(g, p, &TRAMADOL_50, "active", g->now - 2, dr, NULL);
        /* PDMP and naloxone; no urine screen yet (the opiates screen would not show tramadol) */
        pdmp_review(g, p, g->now - 18, dr);
        medication(g, p, &NALOXONE, "active", g->now - 18, dr, NULL);
        break;
    case 6: /* opioid use disorder and no MOUD (REC12), on hydrocodone */
        condition(g, p, NULL, "F11.20", "Opioid dependence, uncomplicated", g->now - 200);
        chronic_fills(g, p, &HYDROCODONE_5, 3, pcp);
        break;
    case 7: /* unexpected urine drug screen: cocaine positive (REC10-UNEXPECTED) */
        chronic_fills(g, p, &HYDROCODONE_5, 4, dr);
        pdmp_review(g, p, g->now - 20, dr);
        uds(g, p, "19295-5", "Opiates [Presence] in Urine by Screen method", true, g->now - 20);
        uds(g, p, "3397-7", "Cocaine [Presence] in Urine by Screen method", true, g->now - 20);
        medication(g, p, &NALOXONE, "active", g->now - 20, dr, NULL);
        break;
    case 8: /* a 10-day acute course of a short-acting opioid for a new injury (REC01, REC06,
             * PRACTICE-SHORT-COURSE on the order hooks; RISK-EDUCATION on review) */
        medication(g, p, &HYDROCODONE_5_PRN, "active", g->now - 1, pcp, NULL);
        medication(g, p, &IBUPROFEN_600, "active", g->now - 1, pcp, NULL);
        break;
    case 9: /* OUD treated with buprenorphine/naloxone: no REC12 (a control) */
        condition(g, p, NULL, "F11.20", "Opioid dependence, uncomplicated", g->now - 400);
        chronic_fills(g, p, &BUPRENORPHINE_NALOXONE, 3, dr);
        pdmp_review(g, p, g->now - 10, dr);
        medication(g, p, &NALOXONE, "active", g->now - 10, dr, NULL);
        break;
    case 10: /* obstructive sleep apnea on a chronic opioid, no naloxone (REC08) */
        condition(g, p, "78275009", "G47.33", "Obstructive sleep apnea", g->now - 700);
        chronic_fills(g, p, &HYDROCODONE_5, 4, pcp);
        pdmp_review(g, p, g->now - 30, pcp);
        break;
    default: /* a chronic regimen done right: monitored, low dose */
        chronic_fills(g, p, &HYDROCODONE_5, 4, dr);
        monitored(g, p, dr);
        break;
    }
}

/* The interventional story of a patient (kind 0..4), with PROs before and after. */
static void pain_care(struct demo *g, struct pt *p, int kind, size_t phys)
{
    const char *dr = physicians[phys].id;
    char proc[64];
    int base = 6 + (int)rnd(g, 3);
    switch (kind) {
    case 0: /* facet pain: two concordant medial branch blocks, then RFA with follow-up */
        condition_dx(g, p, DX_SPONDYLOSIS, g->now - 400);
        pro_visit(g, p, g->now - 150, base, true);
        /* comparative: lidocaine relief lasts 1 h, bupivacaine 6 h (concordant) */
        procedure(g, p, "mbb-lumbar", dr, g->now - 120, "L4-L5 bilateral", proc);
        block_agent(last_resource(g), false);
        diary(g, p, proc, g->now - 120, base, 80 + (int)rnd(g, 15), 60);
        procedure(g, p, "mbb-lumbar", dr, g->now - 105, "L4-L5 bilateral", proc);
        block_agent(last_resource(g), true);
        diary(g, p, proc, g->now - 105, base, 80 + (int)rnd(g, 15), 360);
        procedure(g, p, "rfa-mb-lumbar", dr, g->now - 90, "L4-L5 bilateral", proc);
        pro_visit(g, p, g->now - 60, base - 3, true);
        pro_visit(g, p, g->now - 10, base - 4, true);
        break;
    case 1: /* radicular pain: transforaminal ESI with follow-up */
        condition_dx(g, p, DX_RADIC, g->now - 200);
        condition_dx(g, p, rnd(g, 2) ? DX_SCIATICA : DX_STENOSIS, g->now - 200);
        pro_visit(g, p, g->now - 70, base + 1, true);
        procedure(g, p, "esi-tf-lumbar", dr, g->now - 45, "L5-S1 left", proc);
        pro_visit(g, p, g->now - 30, base - 2, true);
        pro_visit(g, p, g->now - 3, base - 1, true);
        break;
    case 2: /* failed back surgery: SCS trial then implant */
        condition_dx(g, p, DX_FBSS, g->now - 900);
        pro_visit(g, p, g->now - 120, base + 2, true);
        procedure(g, p, "scs-trial", physicians[0].id, g->now - 80, NULL, proc);
        pro_visit(g, p, g->now - 72, base - 3, true);
        procedure(g, p, "scs-implant", physicians[0].id, g->now - 40, NULL, proc);
        pro_visit(g, p, g->now - 7, base - 4, true);
        break;
    case 3: /* a discordant diagnostic block: no RFA */
        condition_dx(g, p, DX_LBP, g->now - 300);
        pro_visit(g, p, g->now - 60, base, true);
        procedure(g, p, "mbb-lumbar", dr, g->now - 30, "L3-L4 right", proc);
        block_agent(last_resource(g), false);
        diary(g, p, proc, g->now - 30, base, 10 + (int)rnd(g, 20), 60);
        pro_visit(g, p, g->now - 5, base, true);
        break;
    default: { /* a new patient with a non-spine condition: baseline PROs only */
        static const size_t other[] = {DX_KNEE,  DX_CRPS,    DX_NECK,
                                       DX_FIBRO, DX_CHRONIC, DX_SACROILIITIS};
        size_t dx = other[rnd(g, sizeof(other) / sizeof(other[0]))];
        condition_dx(g, p, dx, g->now - 100 - (pp_day)rnd(g, 300));
        pro_visit(g, p, g->now - 14, base, false);
        break;
    }
    }
}

cJSON *pp_demo_bundle(int patients, uint64_t seed, pp_day now)
{
    struct demo g;
    cJSON *bundle = need(cJSON_CreateObject());
    int booked = 0;
    memset(&g, 0, sizeof(g));
    g.now = now;
    /* splitmix64 of the seed: a nonzero xorshift state for every seed, 0 included */
    g.rng = seed + 0x9E3779B97F4A7C15ull;
    g.rng = (g.rng ^ (g.rng >> 30)) * 0xBF58476D1CE4E5B9ull;
    g.rng = (g.rng ^ (g.rng >> 27)) * 0x94D049BB133111EBull;
    g.rng ^= g.rng >> 31;
    if (!g.rng)
        g.rng = 1;
    cJSON_AddStringToObject(bundle, "resourceType", "Bundle");
    cJSON_AddStringToObject(bundle, "type", "collection");
    g.entries = need(cJSON_CreateArray());
    cJSON_AddItemToObject(bundle, "entry", g.entries);

    organization(&g);
    practitioners(&g);
    nurse(&g);
    schedules(&g);
    for (int i = 0; i < patients; i++) {
        struct pt p;
        char sr[64];
        size_t stage, ref = rnd(&g, N_REF), phys = (size_t)i % N_PHYS;
        size_t reason_dx = rnd(&g, N_DX);
        patient(&g, i, &p);
        care_team(&g, &p, phys);
        /* every stage is represented: cycle through them, then at random */
        stage = i < (int)N_STAGES ? (size_t)i : rnd(&g, N_STAGES);
        if (i < PP_DEMO_SCENARIOS)
            stage = STAGE_SEEN;
        referral(&g, &p, stage, ref, reason_dx, now - 20 - (pp_day)rnd(&g, 200), sr);
        if (stage == STAGE_SCHEDULED || (stage == STAGE_SEEN && rnd(&g, 3) == 0)) {
            int d = 1 + booked % 7, k = (booked / 7) % 6;
            book(&g, phys, d, k, p.id, sr);
            booked++;
        }
        if (stage == STAGE_SEEN || stage == STAGE_SCHEDULED)
            pain_care(&g, &p, (int)rnd(&g, 5), phys);
        else
            condition_dx(&g, &p, reason_dx, now - 60 - (pp_day)rnd(&g, 300));
        if (i < PP_DEMO_SCENARIOS)
            opioid_scenario(&g, &p, i);
        else if (stage == STAGE_SEEN && rnd(&g, 3) == 0)
            opioid_scenario(&g, &p, PP_DEMO_SCENARIOS); /* a monitored regimen */
    }
    return bundle;
}
