/*
 * test_fhir.c — unit tests of src/fhir: each resource kind onto struct pp_record,
 * each kind of malformed input with its exact where/what, NDJSON, CDS Hooks requests,
 * medicationReference resolution, merging sets, value sets, and pp_json_parse_fast.
 * Fixtures are small and written by us (JSON with ' for "); real data: test_fhir_data.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinical/drugs.h"
#include "clinical/terms.h"
#include "fhir/cds.h"
#include "fhir/load.h"
#include "fhir/patient_set.h"
#include "fhir/valueset.h"
#include "util/json.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The fixture with ' turned into " (fixtures never need an apostrophe). Caller frees. */
static char *J(const char *s)
{
    char *out = strdup(s);
    for (char *p = out; *p; p++)
        if (*p == '\'')
            *p = '"';
    return out;
}

/* Load fixture text as JSON into set; returns the error code, diag in *d. */
static enum pp_err load(struct pp_patient_set *set, const char *fixture, struct pp_diag *d)
{
    char *text = J(fixture);
    enum pp_err rc;
    pp_diag_clear(d);
    rc = pp_fhir_load_json_text(set, text, strlen(text), NULL, d);
    free(text);
    return rc;
}

static void load_ok(struct pp_patient_set *set, const char *fixture)
{
    struct pp_diag d;
    if (load(set, fixture, &d) != PP_OK)
        fail_msg("fixture did not load: %s: %s", d.where, d.what);
}

static void expect_error(const char *fixture, enum pp_err code, const char *where, const char *what)
{
    struct pp_patient_set set;
    struct pp_diag d;
    pp_fhir_patient_set_init(&set);
    assert_int_equal(load(&set, fixture, &d), code);
    assert_string_equal(d.where, where);
    assert_string_equal(d.what, what);
    assert_int_equal(set.n_records, 0);
    pp_fhir_patient_set_release(&set);
}

static pp_day ymd(int y, int m, int d)
{
    return pp_day_from_ymd(y, m, d);
}

/* Load a fixture into a fresh *set; the record of patient `id`. */
static struct pp_record *load_record(struct pp_patient_set *set, const char *fixture,
                                     const char *id)
{
    struct pp_record *r;
    pp_fhir_patient_set_init(set);
    load_ok(set, fixture);
    r = pp_fhir_patient_set_find(set, id);
    assert_non_null(r);
    return r;
}

/* Load one MedicationRequest of patient p with `members` into a fresh *set; its medication. */
static const struct pp_medication *load_med(struct pp_patient_set *set, const char *members)
{
    char fixture[512];
    pp_fhir_patient_set_init(set);
    snprintf(fixture, sizeof(fixture),
             "{'resourceType':'MedicationRequest','subject':{'reference':'Patient/p'},%s}",
             members);
    load_ok(set, fixture);
    return &set->records[0]->meds[0];
}

#define BUNDLE(entries) "{'resourceType':'Bundle','type':'collection','entry':[" entries "]}"
#define PATIENT_P1 "{'resource':{'resourceType':'Patient','id':'p1'}}"

/* ---- resources ---- */

static void test_fhir__patient(void **state)
{
    struct pp_patient_set set;
    struct pp_record *r;
    (void)state;
    pp_fhir_patient_set_init(&set);
    load_ok(&set, "{'resourceType':'Patient','id':'p1','gender':'female','birthDate':'1970-03-04',"
                  "'deceasedDateTime':'2020-01-02T10:00:00Z','extension':[{'url':'x'}]}");
    r = pp_fhir_patient_set_find(&set, "p1");
    assert_non_null(r);
    assert_true(r->has_patient);
    assert_string_equal(r->patient.id, "p1");
    assert_string_equal(r->patient.gender, "female");
    assert_int_equal(r->patient.birth_date, ymd(1970, 3, 4));
    assert_true(r->patient.deceased);
    load_ok(&set, "{'resourceType':'Patient','id':'p2','deceasedBoolean':false}");
    r = pp_fhir_patient_set_find(&set, "p2");
    assert_false(r->patient.deceased);
    assert_null(r->patient.gender);
    assert_int_equal(r->patient.birth_date, PP_DAY_NONE);
    assert_null(pp_fhir_patient_set_find(&set, "p3"));
    assert_int_equal(pp_fhir_patient_set_count(&set, "Patient")->loaded, 2);
    pp_fhir_patient_set_release(&set);
}

static void test_fhir__condition(void **state)
{
    struct pp_patient_set set;
    const struct pp_condition *c;
    (void)state;
    pp_fhir_patient_set_init(&set);
    load_ok(&set, "{'resourceType':'Condition','id':'c1','subject':{'reference':'Patient/p1'},"
                  "'clinicalStatus':{'coding':[{'system':'x','code':'active'}]},"
                  "'verificationStatus':{'coding':[{'code':'confirmed'}]},"
                  "'category':[{'text':'no code'},{'coding':[{'code':'problem-list-item'}]}],"
                  "'code':{'coding':[{'system':'http://snomed.info/sct','code':'82423001',"
                  "'display':'Chronic pain'}],'text':'chronic pain'},"
                  "'onsetPeriod':{'start':'2019-05','end':'2019-06-01'},"
                  "'abatementDateTime':'2021-02-03T04:05:06+01:00','recordedDate':'2019'}");
    c = &pp_fhir_patient_set_find(&set, "p1")->conditions[0];
    assert_string_equal(c->id, "c1");
    assert_string_equal(c->clinical_status, "active");
    assert_string_equal(c->verification_status, "confirmed");
    assert_string_equal(c->category, "problem-list-item");
    assert_true(pp_concept_has(&c->code, PP_SYS_SNOMED, "82423001"));
    assert_string_equal(c->code.text, "chronic pain");
    assert_string_equal(c->code.codings[0].display, "Chronic pain");
    assert_int_equal(c->onset, ymd(2019, 5, 1));
    assert_int_equal(c->abatement, ymd(2021, 2, 3));
    assert_int_equal(c->recorded, ymd(2019, 1, 1));
    pp_fhir_patient_set_release(&set);
}

static const char *const full_med_request =
    "{'resourceType':'MedicationRequest','id':'mr1','status':'active','intent':'order',"
    "'subject':{'reference':'Patient/p1'},"
    "'category':[{'coding':[{'code':'community'}]}],"
    "'medicationCodeableConcept':{'coding':[{'system':'http://www.nlm.nih.gov/research/umls/"
    "rxnorm','code':'1049621','display':'Oxycodone 5 MG Oral Tablet'}]},"
    "'authoredOn':'2023-04-28T09:00:00-05:00',"
    "'requester':{'reference':'Practitioner/dr1','display':'Dr One'},"
    "'priorPrescription':{'reference':'MedicationRequest/mr0'},"
    "'dosageInstruction':[{'text':'1-2 tabs q4-6h prn','asNeededCodeableConcept':{'text':'pain'},"
    "  'timing':{'code':{'coding':[{'code':'Q4H'}]},'repeat':{'frequency':1,'frequencyMax':2,"
    "    'period':4,'periodMax':6,'periodUnit':'h','timeOfDay':['08:00:00','20:00:00'],"
    "    'when':['MORN']}},"
    "  'doseAndRate':[{'type':{'text':'ordered'},'doseRange':{'low':{'value':1,'unit':'tablet'},"
    "    'high':{'value':2,'unit':'tablet','code':'{tbl}'}}},"
    "    {'doseQuantity':{'value':9}},{'rateQuantity':{'value':25,'unit':'mcg/h'}}],"
    "  'maxDosePerPeriod':{'numerator':{'value':6,'unit':'tablet'},"
    "    'denominator':{'value':1,'code':'d'}}},"
    "  {'asNeededBoolean':false,'doseAndRate':[{'doseQuantity':{'value':1}}]}],"
    "'dispenseRequest':{'validityPeriod':{'start':'2023-04-28','end':'2023-05-28'},"
    "  'numberOfRepeatsAllowed':0,'quantity':{'value':42,'unit':'tablet'},"
    "  'expectedSupplyDuration':{'value':2,'unit':'weeks','code':'wk'}}}";

static void test_fhir__medication_request(void **state)
{
    struct pp_patient_set set;
    const struct pp_medication *m;
    const struct pp_dosage *ds;
    (void)state;
    pp_fhir_patient_set_init(&set);
    load_ok(&set, full_med_request);
    m = &pp_fhir_patient_set_find(&set, "p1")->meds[0];
    assert_int_equal(m->source, PP_MED_REQUEST);
    assert_string_equal(m->id, "mr1");
    assert_string_equal(m->status, "active");
    assert_string_equal(m->intent, "order");
    assert_string_equal(m->category, "community");
    assert_string_equal(pp_concept_code(&m->code, PP_SYS_RXNORM), "1049621");
    assert_null(m->medication_ref);
    assert_false(m->medication_unresolved);
    assert_false(m->is_draft_order);
    assert_int_equal(m->authored, ymd(2023, 4, 28));
    assert_int_equal(m->start, ymd(2023, 4, 28));
    assert_int_equal(m->end, ymd(2023, 5, 28));
    assert_true(fabs(m->days_supply - 14) < 1e-9);
    assert_true(m->quantity.present);
    assert_true(m->quantity.value == 42);
    assert_string_equal(m->quantity.unit, "tablet");
    assert_int_equal(m->repeats, 0);
    assert_string_equal(m->prior_prescription, "MedicationRequest/mr0");
    assert_string_equal(m->requester, "Practitioner/dr1");
    assert_int_equal(m->replacement_reason, PP_REPLACE_NONE);
    assert_int_equal(m->n_dosages, 2);
    ds = &m->dosages[0];
    assert_string_equal(ds->text, "1-2 tabs q4-6h prn");
    assert_true(ds->as_needed);
    /* the first dose wins: the range, not the later doseQuantity */
    assert_true(ds->dose.present && ds->dose.value == 1);
    assert_string_equal(ds->dose.unit, "tablet");
    assert_true(ds->dose_high.present && ds->dose_high.value == 2);
    assert_string_equal(ds->dose_high.unit, "{tbl}"); /* code preferred over unit */
    assert_true(ds->rate.present && ds->rate.value == 25);
    assert_string_equal(ds->rate.unit, "mcg/h");
    assert_true(ds->frequency == 1 && ds->frequency_max == 2);
    assert_true(ds->period == 4 && ds->period_max == 6);
    assert_string_equal(ds->period_unit, "h");
    assert_int_equal(ds->n_time_of_day, 2);
    assert_int_equal(ds->n_when, 1);
    assert_string_equal(ds->timing_code, "Q4H");
    assert_true(ds->max_per_period_num.value == 6 && ds->max_per_period_den.value == 1);
    assert_string_equal(ds->max_per_period_den.unit, "d");
    ds = &m->dosages[1];
    assert_false(ds->as_needed);
    assert_true(ds->dose.present && ds->dose.value == 1);
    assert_null(ds->dose.unit); /* Synthea: a plain number, unit implied by the product */
    assert_false(ds->dose_high.present);
    assert_false(ds->rate.present);
    assert_true(ds->frequency == 0 && ds->period == 0);
    assert_null(ds->period_unit);
    pp_fhir_patient_set_release(&set);
}

/* expectedSupplyDuration -> days, per unit (code first, else the unit word). */
static void test_fhir__supply_duration_units(void **state)
{
    static const struct {
        const char *duration;
        double days;
    } cases[] = {
        {"{'value':30,'code':'d'}", 30},
        {"{'value':30,'unit':'days'}", 30},
        {"{'value':45,'unit':'Day','code':'d'}", 45},
        {"{'value':2,'code':'wk'}", 14},
        {"{'value':1,'code':'mo'}", 30},
        {"{'value':36,'code':'h'}", 1.5},
        {"{'value':3,'unit':'Weeks'}", 21},
        {"{'value':3}", -1},                    /* no unit: unknown */
        {"{'value':3,'unit':'fortnight'}", -1}, /* a unit we cannot convert */
        {"{'unit':'d'}", -1},                   /* no value */
    };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct pp_patient_set set;
        char members[256];
        const struct pp_medication *m;
        snprintf(members, sizeof(members), "'dispenseRequest':{'expectedSupplyDuration':%s}",
                 cases[i].duration);
        m = load_med(&set, members);
        if (fabs(m->days_supply - cases[i].days) > 1e-9)
            fail_msg("%s: got %g days, want %g", cases[i].duration, m->days_supply, cases[i].days);
        pp_fhir_patient_set_release(&set);
    }
}

/* Lost, stolen, destroyed: coded by the practice, or said in reasonCode.text or a note. */
static void test_fhir__replacement_reason(void **state)
{
    static const struct {
        const char *members;
        enum pp_replacement_reason want;
    } cases[] = {
        {"'reasonCode':[{'coding':[{'system':'urn:painpath:replacement-reason','code':'lost'}]}]",
         PP_REPLACE_LOST},
        {"'reasonCode':[{'coding':[{'system':'urn:painpath:replacement-reason',"
         "'code':'destroyed'}]}]",
         PP_REPLACE_DESTROYED},
        {"'reasonCode':[{'text':'Chronic pain'},{'text':'Bottle STOLEN from car'}]",
         PP_REPLACE_STOLEN},
        {"'note':[{'text':'Patient says the script was Lost.'}]", PP_REPLACE_LOST},
        {"'note':[{'authorString':'x'},{'text':'pharmacy fire: destroyed'}]", PP_REPLACE_DESTROYED},
        /* the code wins over a note */
        {"'note':[{'text':'lost'}],'reasonCode':[{'coding':[{'system':"
         "'urn:painpath:replacement-reason','code':'stolen'}]}]",
         PP_REPLACE_STOLEN},
        /* whole words only, other systems do not count */
        {"'note':[{'text':'glosted, stolenly'}]", PP_REPLACE_NONE},
        {"'reasonCode':[{'coding':[{'system':'http://snomed.info/sct','code':'lost'}]}]",
         PP_REPLACE_NONE},
        {"'reasonCode':[{'coding':[{'code':'82423001'}]}]", PP_REPLACE_NONE},
    };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct pp_patient_set set;
        const struct pp_medication *m = load_med(&set, cases[i].members);
        if (m->replacement_reason != cases[i].want)
            fail_msg("case %zu (%s): got %d, want %d", i, cases[i].members,
                     (int)m->replacement_reason, (int)cases[i].want);
        pp_fhir_patient_set_release(&set);
    }
}

static void test_fhir__medication_statement_and_dispense(void **state)
{
    struct pp_patient_set set;
    const struct pp_record *r;
    (void)state;
    r = load_record(
        &set,
        BUNDLE("{'resource':{'resourceType':'MedicationStatement','id':'ms1','status':'active',"
               "'subject':{'reference':'Patient/"
               "p1'},'category':{'coding':[{'code':'patientspecified'}]},"
               "'medicationCodeableConcept':{'text':'gabapentin 300 MG Oral Capsule'},"
               "'effectivePeriod':{'start':'2022-01-01','end':'2022-03-01'},'dateAsserted':'2022-"
               "02-02',"
               "'dosage':[{'timing':{'repeat':{'frequency':3,'period':1,'periodUnit':'d'}},"
               "'doseAndRate':[{'doseQuantity':{'value':1,'unit':'capsule'}}]}]}},"
               "{'resource':{'resourceType':'MedicationDispense','id':'md1','status':'completed',"
               "'subject':{'reference':'Patient/p1'},"
               "'medicationCodeableConcept':{'coding':[{'system':'http://www.nlm.nih.gov/research/"
               "umls/"
               "rxnorm','code':'197696'}]},'whenHandedOver':'2022-02-10T12:00:00Z',"
               "'daysSupply':{'value':30,'unit':'Day','code':'d'},'quantity':{'value':60},"
               "'dosageInstruction':[{'text':'bid'}]}},"
               "{'resource':{'resourceType':'MedicationStatement','id':'ms2',"
               "'subject':{'reference':'Patient/p1'},'effectiveDateTime':'2021-07'}}"),
        "p1");
    assert_int_equal(r->n_meds, 3);
    assert_int_equal(r->meds[0].source, PP_MED_STATEMENT);
    assert_string_equal(r->meds[0].category, "patientspecified");
    assert_string_equal(r->meds[0].code.text, "gabapentin 300 MG Oral Capsule");
    assert_int_equal(r->meds[0].start, ymd(2022, 1, 1));
    assert_int_equal(r->meds[0].end, ymd(2022, 3, 1));
    assert_int_equal(r->meds[0].authored, ymd(2022, 2, 2));
    assert_int_equal(r->meds[0].n_dosages, 1);
    assert_true(r->meds[0].dosages[0].frequency == 3);
    assert_int_equal(r->meds[1].source, PP_MED_DISPENSE);
    assert_string_equal(r->meds[1].status, "completed");
    assert_int_equal(r->meds[1].authored, ymd(2022, 2, 10));
    assert_true(r->meds[1].days_supply == 30);
    assert_true(r->meds[1].quantity.present && r->meds[1].quantity.value == 60);
    assert_string_equal(r->meds[1].dosages[0].text, "bid");
    assert_int_equal(r->meds[2].start, ymd(2021, 7, 1));
    assert_int_equal(r->meds[2].end, PP_DAY_NONE);
    assert_true(r->meds[2].days_supply < 0);
    pp_fhir_patient_set_release(&set);
}

static void test_fhir__observation(void **state)
{
    struct pp_patient_set set;
    const struct pp_record *r;
    (void)state;
    r = load_record(
        &set,
        BUNDLE(
            "{'resource':{'resourceType':'Observation','id':'o1','status':'final',"
            "'subject':{'reference':'Patient/p1'},"
            "'category':[{'coding':[{'system':'x','code':'survey'}]}],"
            "'code':{'coding':[{'system':'http://loinc.org','code':'72514-3'}]},"
            "'effectiveDateTime':'2023-01-05T08:00:00Z','valueQuantity':{'value':7,'unit':'{score}'"
            "},"
            "'interpretation':[{'coding':[{'code':'H'}]},{'coding':[{'code':'A'}]}],"
            "'partOf':[{'reference':'Procedure/pr1'},{'reference':'Procedure/pr2'}]}},"
            "{'resource':{'resourceType':'Observation','id':'o2','subject':{'reference':'Patient/"
            "p1'},"
            "'effectivePeriod':{'start':'2023-02-01'},"
            "'valueCodeableConcept':{'coding':[{'code':'260373001','display':'Detected'}]}}},"
            "{'resource':{'resourceType':'Observation','id':'o3','subject':{'reference':'Patient/"
            "p1'},"
            "'valueString':'negative','component':[{'valueQuantity':'ignored, unknown to us'}]}},"
            "{'resource':{'resourceType':'Observation','id':'o4','subject':{'reference':'Patient/"
            "p1'},"
            "'valueBoolean':false,'effectiveInstant':'2023-03-03T03:03:03.123Z'}},"
            "{'resource':{'resourceType':'Observation','id':'o5','subject':{'reference':'Patient/"
            "p1'},"
            "'valueInteger':4}}"),
        "p1");
    assert_int_equal(r->n_observations, 5);
    assert_string_equal(r->observations[0].status, "final");
    assert_string_equal(r->observations[0].category, "survey");
    assert_true(pp_concept_has(&r->observations[0].code, PP_SYS_LOINC, "72514-3"));
    assert_int_equal(r->observations[0].effective, ymd(2023, 1, 5));
    assert_true(r->observations[0].value_quantity.present);
    assert_true(r->observations[0].value_quantity.value == 7);
    assert_string_equal(r->observations[0].value_quantity.unit, "{score}");
    assert_int_equal(r->observations[0].interpretation.n_codings, 1);
    assert_string_equal(pp_concept_code(&r->observations[0].interpretation, NULL), "H");
    assert_string_equal(r->observations[0].part_of, "Procedure/pr1");
    assert_int_equal(r->observations[1].effective, ymd(2023, 2, 1));
    assert_string_equal(pp_concept_label(&r->observations[1].value_concept), "Detected");
    assert_false(r->observations[1].value_quantity.present);
    assert_string_equal(r->observations[2].value_string, "negative");
    assert_true(r->observations[3].has_value_bool);
    assert_false(r->observations[3].value_bool);
    assert_int_equal(r->observations[3].effective, ymd(2023, 3, 3));
    assert_true(r->observations[4].value_quantity.present);
    assert_true(r->observations[4].value_quantity.value == 4);
    assert_null(r->observations[4].value_quantity.unit);
    pp_fhir_patient_set_release(&set);
}

static void test_fhir__procedure_encounter_service_request_careplan(void **state)
{
    struct pp_patient_set set;
    const struct pp_record *r;
    (void)state;
    r = load_record(
        &set,
        BUNDLE(
            "{'resource':{'resourceType':'Procedure','id':'pr1','status':'completed',"
            "'subject':{'reference':'Patient/p1'},'code':{'coding':[{'code':'64493'}]},"
            "'performedPeriod':{'start':'2023-01-10T09:00:00Z','end':'2023-01-11'}}},"
            "{'resource':{'resourceType':'Procedure','id':'pr2','subject':{'reference':'Patient/"
            "p1'},"
            "'performedDateTime':'2023-02-01'}},"
            "{'resource':{'resourceType':'Encounter','id':'e1','status':'finished',"
            "'subject':{'reference':'Patient/p1'},'class':{'system':'x','code':'IMP'},"
            "'type':[{'coding':[{'code':'183452005'}]},{'text':'second'}],"
            "'serviceType':{'text':'pain'},'period':{'start':'2023-01-01','end':'2023-01-03'},"
            "'hospitalization':{'dischargeDisposition':{'coding':[{'code':'hosp'}]}}}},"
            "{'resource':{'resourceType':'ServiceRequest','id':'sr1','status':'active',"
            "'intent':'order','subject':{'reference':'Patient/p1'},"
            "'code':{'coding':[{'code':'72148'}]},'authoredOn':'2023-01-04',"
            "'requester':{'display':'Dr Display'}}},"
            "{'resource':{'resourceType':'CarePlan','id':'cp1','status':'active','intent':'plan',"
            "'subject':{'reference':'Patient/p1'},'text':{'status':'generated','div':'<div/>'},"
            "'category':[{'coding':[{'code':'pain-plan'}]}],'created':'2023-01-02',"
            "'period':{'start':'2023-01-02','end':'2023-07-02'},'title':'Multimodal plan'}}"),
        "p1");
    assert_int_equal(r->n_procedures, 2);
    assert_string_equal(r->procedures[0].status, "completed");
    assert_string_equal(pp_concept_code(&r->procedures[0].code, NULL), "64493");
    assert_int_equal(r->procedures[0].performed, ymd(2023, 1, 10));
    assert_int_equal(r->procedures[0].performed_end, ymd(2023, 1, 11));
    assert_int_equal(r->procedures[1].performed, ymd(2023, 2, 1));
    assert_int_equal(r->procedures[1].performed_end, PP_DAY_NONE);
    assert_int_equal(r->n_encounters, 1);
    assert_string_equal(r->encounters[0].class_code, "IMP");
    assert_string_equal(pp_concept_code(&r->encounters[0].type, NULL), "183452005");
    assert_string_equal(r->encounters[0].service_type.text, "pain");
    assert_int_equal(r->encounters[0].start, ymd(2023, 1, 1));
    assert_int_equal(r->encounters[0].end, ymd(2023, 1, 3));
    assert_string_equal(r->encounters[0].discharge_disposition, "hosp");
    assert_int_equal(r->n_service_requests, 1);
    assert_string_equal(r->service_requests[0].intent, "order");
    assert_int_equal(r->service_requests[0].authored, ymd(2023, 1, 4));
    assert_string_equal(r->service_requests[0].requester, "Dr Display");
    assert_false(r->service_requests[0].is_draft_order);
    assert_int_equal(r->n_careplans, 1);
    assert_string_equal(r->careplans[0].title, "Multimodal plan");
    assert_string_equal(pp_concept_code(&r->careplans[0].category, NULL), "pain-plan");
    assert_int_equal(r->careplans[0].created, ymd(2023, 1, 2));
    assert_int_equal(r->careplans[0].end, ymd(2023, 7, 2));
    pp_fhir_patient_set_release(&set);
}

/* ---- patients, counts, duplicates ---- */

static void test_fhir__assignment_and_counts(void **state)
{
    struct pp_patient_set set;
    const struct pp_fhir_type_count *tc;
    struct pp_record *r;
    (void)state;
    pp_fhir_patient_set_init(&set);
    /* a transaction bundle: Patient's fullUrl is urn:uuid:U, its id something else */
    load_ok(
        &set,
        "{'resourceType':'Bundle','type':'transaction','entry':["
        "{'fullUrl':'urn:uuid:aaa','resource':{'resourceType':'Condition','id':'c1',"
        "'subject':{'reference':'urn:uuid:aaa'}},'request':{'method':'POST','url':'Condition'}},"
        "{'fullUrl':'urn:uuid:aaa','resource':{'resourceType':'Patient','id':'pat-a'}},"
        "{'resource':{'resourceType':'Condition','id':'c2',"
        "'subject':{'reference':'urn:uuid:bbb'}}},"
        "{'resource':{'resourceType':'Condition','id':'c3',"
        "'subject':{'reference':'https://ehr.example/fhir/Patient/pat-c/_history/3'}}},"
        "{'resource':{'resourceType':'Condition','id':'c4','subject':{'reference':'Group/g'}}},"
        "{'resource':{'resourceType':'Condition','id':'c5'}},"
        "{'resource':{'resourceType':'Claim','id':'x','patient':{'reference':'Patient/pat-a'}}},"
        "{'resource':{'resourceType':'Organization','id':'o'}},"
        "{'request':{'method':'DELETE','url':'Patient/zzz'}},"
        "{'resource':{'resourceType':'Patient','id':'deleted'},'request':{'method':'DELETE'}},"
        "{'resource':{'resourceType':'Condition','id':'c1',"
        "'subject':{'reference':'Patient/pat-a'}}}"
        "]}");
    assert_int_equal(set.n_records, 3);
    r = pp_fhir_patient_set_find(&set, "pat-a");
    assert_non_null(r);
    assert_true(r->has_patient);
    assert_int_equal(r->n_conditions, 1); /* c1 twice: kept once */
    r = pp_fhir_patient_set_find(&set, "bbb");
    assert_non_null(r); /* urn:uuid with no Patient entry: the uuid is the id (Synthea) */
    assert_false(r->has_patient);
    assert_string_equal(r->patient.id, "bbb");
    assert_non_null(pp_fhir_patient_set_find(&set, "pat-c"));
    assert_null(pp_fhir_patient_set_find(&set, "deleted"));
    tc = pp_fhir_patient_set_count(&set, "Condition");
    assert_int_equal(tc->loaded, 3);
    assert_int_equal(tc->no_patient, 2);
    assert_int_equal(tc->duplicate, 1);
    assert_int_equal(tc->unsupported, 0);
    assert_int_equal(pp_fhir_patient_set_count(&set, "Claim")->unsupported, 1);
    assert_int_equal(pp_fhir_patient_set_count(&set, "Organization")->unsupported, 1);
    assert_int_equal(pp_fhir_patient_set_loaded(&set), 4);
    pp_fhir_patient_set_release(&set);
}

/* A request that forbids (doNotPerform) is no order; it is counted as not read. */
static void test_fhir__do_not_perform_is_not_an_order(void **state)
{
    struct pp_patient_set set;
    (void)state;
    pp_fhir_patient_set_init(&set);
    load_ok(&set, BUNDLE(PATIENT_P1 ",{'resource':{'resourceType':'MedicationRequest','id':'a',"
                                    "'doNotPerform':true,'subject':{'reference':'Patient/p1'}}},"
                                    "{'resource':{'resourceType':'MedicationRequest','id':'b',"
                                    "'doNotPerform':false,'subject':{'reference':'Patient/p1'}}}"));
    assert_int_equal(set.records[0]->n_meds, 1);
    assert_string_equal(set.records[0]->meds[0].id, "b");
    assert_int_equal(pp_fhir_patient_set_count(&set, "MedicationRequest")->unsupported, 1);
    pp_fhir_patient_set_release(&set);
}

/* ---- malformed input ---- */

static void test_fhir__error_json_syntax(void **state)
{
    struct pp_patient_set set;
    struct pp_diag d;
    const char *text = "{\n  \"resourceType\": \"Patient\",\n  \"id\": \"p1\",\n}";
    (void)state;
    pp_fhir_patient_set_init(&set);
    assert_int_equal(pp_fhir_load_json_text(&set, text, strlen(text), "p.json", &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "p.json:4:1");
    assert_string_equal(d.what, "expected a string key in double quotes, found '}'");
    assert_int_equal(set.n_records, 0);
    pp_fhir_patient_set_release(&set);
}

static void test_fhir__error_resource_type(void **state)
{
    (void)state;
    expect_error(BUNDLE(PATIENT_P1 "," PATIENT_P1 "," PATIENT_P1
                                   ",{'resource':{'id':'x','status':'final'}}"),
                 PP_ERR_INPUT, "entry[3].resource.resourceType",
                 "missing: a resource must name its type");
    expect_error(BUNDLE(PATIENT_P1 ",{'resource':{'resourceType':7}}"), PP_ERR_INPUT,
                 "entry[1].resource.resourceType", "expected a string");
    expect_error("{'resourceType':['Patient']}", PP_ERR_INPUT, "resourceType", "expected a string");
    expect_error("[1,2]", PP_ERR_INPUT, "", "expected an object (a FHIR resource)");
    expect_error(BUNDLE("{'resource':'Patient/1'}"), PP_ERR_INPUT, "entry[0].resource",
                 "expected an object (a FHIR resource)");
    expect_error("{'resourceType':'Bundle','type':'history','entry':[]}", PP_ERR_UNSUPPORTED,
                 "type",
                 "Bundle type \"history\" is not read (collection, transaction, batch, "
                 "searchset, document, message and transaction-response are)");
    expect_error("{'resourceType':'Bundle','entry':{}}", PP_ERR_INPUT, "entry",
                 "expected an array");
}

/* A known field of the wrong JSON type: where = its JSON path, what = the expected type. */
static void test_fhir__error_wrong_type(void **state)
{
    static const struct {
        const char *resource;
        const char *where;
        const char *what;
    } cases[] = {
        {"{'resourceType':'MedicationRequest','status':5}", "status", "expected a string"},
        {"{'resourceType':'Condition','code':{'coding':[{'code':'a'},{'code':12}]}}",
         "code.coding[1].code", "expected a string"},
        {"{'resourceType':'Condition','code':{'coding':{'code':'a'}}}", "code.coding",
         "expected an array"},
        {"{'resourceType':'Condition','category':{'text':'x'}}", "category", "expected an array"},
        {"{'resourceType':'MedicationRequest','dosageInstruction':[{},{'doseAndRate':"
         "[{'doseQuantity':{'value':'5'}}]}]}",
         "dosageInstruction[1].doseAndRate[0].doseQuantity.value", "expected a number"},
        {"{'resourceType':'MedicationRequest','dosageInstruction':[{'timing':{'repeat':"
         "{'frequency':1.5}}}]}",
         "dosageInstruction[0].timing.repeat.frequency", "expected an integer"},
        {"{'resourceType':'MedicationRequest','dosageInstruction':[{'asNeededBoolean':'yes'}]}",
         "dosageInstruction[0].asNeededBoolean", "expected a boolean (true or false)"},
        {"{'resourceType':'MedicationRequest','dispenseRequest':{'numberOfRepeatsAllowed':'2'}}",
         "dispenseRequest.numberOfRepeatsAllowed", "expected an integer"},
        {"{'resourceType':'MedicationRequest','subject':'Patient/1'}", "subject",
         "expected an object"},
        {"{'resourceType':'MedicationRequest','subject':{'reference':1}}", "subject.reference",
         "expected a string"},
        {"{'resourceType':'Observation','subject':{'reference':'Patient/1'},'valueQuantity':[]}",
         "valueQuantity", "expected an object"},
        {"{'resourceType':'Observation','partOf':[{'reference':'Procedure/1'},'Procedure/2']}",
         "partOf[1]", "expected an object"},
        {"{'resourceType':'Encounter','class':[{'code':'AMB'}]}", "class", "expected an object"},
        {"{'resourceType':'Patient','id':'p','gender':{'code':'male'}}", "gender",
         "expected a string"},
        {"{'resourceType':'Patient','id':42}", "id", "expected a string"},
        {"{'resourceType':'MedicationRequest','contained':{}}", "contained", "expected an array"},
        {"{'resourceType':'MedicationRequest','note':[{'text':1}]}", "note[0].text",
         "expected a string"},
    };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char bundle[1024];
        char where[256];
        snprintf(bundle, sizeof(bundle), BUNDLE(PATIENT_P1 "," PATIENT_P1 ",{'resource':%s}"),
                 cases[i].resource);
        snprintf(where, sizeof(where), "entry[2].resource.%s", cases[i].where);
        expect_error(bundle, PP_ERR_INPUT, where, cases[i].what);
    }
}

static void test_fhir__error_date(void **state)
{
    (void)state;
    expect_error(BUNDLE("{'resource':{'resourceType':'MedicationRequest',"
                        "'subject':{'reference':'Patient/p'},'authoredOn':'2023-13-01'}}"),
                 PP_ERR_INPUT, "entry[0].resource.authoredOn",
                 "\"2023-13-01\" is not a calendar date");
    expect_error("{'resourceType':'Condition','onsetPeriod':{'start':'01/02/2020'}}", PP_ERR_INPUT,
                 "onsetPeriod.start", "expected a date YYYY[-MM[-DD]], got \"01/02/2020\"");
    expect_error("{'resourceType':'Patient','id':'p','birthDate':19700101}", PP_ERR_INPUT,
                 "birthDate", "expected a string");
}

/* A bad resource late in a file leaves the set as it was before the file. */
static void test_fhir__error_leaves_set_unchanged(void **state)
{
    struct pp_patient_set set;
    struct pp_diag d;
    (void)state;
    pp_fhir_patient_set_init(&set);
    load_ok(&set, "{'resourceType':'Condition','id':'c0','subject':{'reference':'Patient/p1'}}");
    assert_int_equal(
        load(&set,
             BUNDLE("{'resource':{'resourceType':'Condition','id':'c1','subject':{'reference':'"
                    "Patient/p1'}}},"
                    "{'resource':{'resourceType':'Condition','id':'c2','subject':{'reference':'"
                    "Patient/p2'}}},"
                    "{'resource':{'resourceType':'Medication','id':'m'}},"
                    "{'resource':{'resourceType':'Condition','subject':{'reference':'Patient/p1'},"
                    "'recordedDate':'yesterday'}}"),
             &d),
        PP_ERR_INPUT);
    assert_string_equal(d.where, "entry[3].resource.recordedDate");
    assert_int_equal(set.n_records, 1);
    assert_int_equal(set.records[0]->n_conditions, 1);
    assert_int_equal(pp_fhir_patient_set_loaded(&set), 1);
    assert_null(pp_fhir_patient_set_count(&set, "Medication"));
    pp_fhir_patient_set_release(&set);
    /* an empty set stays empty */
    pp_fhir_patient_set_init(&set);
    assert_int_equal(load(&set,
                          BUNDLE("{'resource':{'resourceType':'Condition','id':'c1','subject':{'"
                                 "reference':'Patient/p1'}}},"
                                 "{'resource':{'resourceType':'Condition','clinicalStatus':[]}}"),
                          &d),
                     PP_ERR_INPUT);
    assert_int_equal(set.n_records, 0);
    assert_int_equal(set.n_counts, 0);
    pp_fhir_patient_set_release(&set);
}

/* ---- NDJSON ---- */

static void test_fhir__ndjson(void **state)
{
    struct pp_patient_set set;
    struct pp_diag d;
    char *text = J("{'resourceType':'Patient','id':'p1'}\r\n"
                   "\n"
                   "   \n"
                   "{'resourceType':'Condition','id':'c','subject':{'reference':'Patient/p1'}}\n"
                   "{'resourceType':'Condition','id':'c2','subject':{'reference':'Patient/p2'}}");
    (void)state;
    pp_fhir_patient_set_init(&set);
    assert_int_equal(pp_fhir_load_ndjson_text(&set, text, strlen(text), "x.ndjson", &d), PP_OK);
    assert_int_equal(set.n_records, 2);
    assert_int_equal(pp_fhir_patient_set_find(&set, "p1")->n_conditions, 1);
    free(text);
    pp_fhir_patient_set_release(&set);
}

static void test_fhir__ndjson_bad_line(void **state)
{
    struct pp_patient_set set;
    struct pp_diag d;
    char *syntax = J("{'resourceType':'Patient','id':'p1'}\n"
                     "{'resourceType':'Patient','id':'p2'}\n"
                     "{'resourceType':'Patient' 'id':'p3'}\n");
    char *content = J("{'resourceType':'Patient','id':'p1'}\n"
                      "{'resourceType':'Condition','status':false}\n");
    (void)state;
    pp_fhir_patient_set_init(&set);
    assert_int_equal(pp_fhir_load_ndjson_text(&set, syntax, strlen(syntax), "x.ndjson", &d),
                     PP_ERR_INPUT);
    assert_string_equal(d.where, "x.ndjson:3:27");
    assert_string_equal(d.what, "expected ',' or a closing bracket, found '\"'");
    assert_int_equal(set.n_records, 0);
    assert_int_equal(pp_fhir_load_ndjson_text(&set, content, strlen(content), "y.ndjson", &d),
                     PP_OK); /* Condition.status is not a field painpath reads */
    pp_fhir_patient_set_release(&set);
    free(content);
    content = J("{'resourceType':'Patient','id':'p1'}\n"
                "{'resourceType':'Condition','clinicalStatus':'active'}\n");
    pp_fhir_patient_set_init(&set);
    assert_int_equal(pp_fhir_load_ndjson_text(&set, content, strlen(content), "y.ndjson", &d),
                     PP_ERR_INPUT);
    assert_string_equal(d.where, "y.ndjson:2:clinicalStatus");
    assert_string_equal(d.what, "expected an object");
    assert_int_equal(set.n_records, 0);
    pp_fhir_patient_set_release(&set);
    free(syntax);
    free(content);
}

/* ---- medicationReference ---- */

static void test_fhir__medication_reference(void **state)
{
    struct pp_patient_set set;
    struct pp_record *r;
    (void)state;
    pp_fhir_patient_set_init(&set);
    load_ok(
        &set,
        BUNDLE(
            /* contained, resolved at load */
            "{'resource':{'resourceType':'MedicationRequest','id':'a',"
            "'subject':{'reference':'Patient/p1'},"
            "'contained':[{'resourceType':'Organization','id':'med'},"
            "{'resourceType':'Medication','id':'med','code':{'coding':[{'system':"
            "'http://www.nlm.nih.gov/research/umls/rxnorm','code':'1049502'}]}}],"
            "'medicationReference':{'reference':'#med'}}},"
            /* contained miss */
            "{'resource':{'resourceType':'MedicationRequest','id':'b',"
            "'subject':{'reference':'Patient/p1'},"
            "'medicationReference':{'reference':'#nothere','display':'Oxycodone 5 MG Oral "
            "Tablet'}}},"
            /* Medication/ID, loaded by a later input */
            "{'resource':{'resourceType':'MedicationRequest','id':'c',"
            "'subject':{'reference':'Patient/p1'},"
            "'medicationReference':{'reference':'Medication/m1','display':'as displayed'}}},"
            /* never answered */
            "{'resource':{'resourceType':'MedicationStatement','id':'d',"
            "'subject':{'reference':'Patient/p1'},"
            "'medicationReference':{'reference':'Medication/ghost',"
            "'display':'72 HR Fentanyl 0.075 MG/HR Transdermal System'}}},"
            /* an absolute reference with history */
            "{'resource':{'resourceType':'MedicationDispense','id':'e',"
            "'subject':{'reference':'Patient/p1'},"
            "'medicationReference':{'reference':'http://x.org/fhir/Medication/m1/_history/2'}}},"
            /* urn:uuid of a Medication entry in a transaction bundle */
            "{'resource':{'resourceType':'MedicationRequest','id':'f',"
            "'subject':{'reference':'Patient/p1'},"
            "'medicationReference':{'reference':'urn:uuid:123'}}},"
            "{'fullUrl':'urn:uuid:123','resource':{'resourceType':'Medication',"
            "'code':{'text':'by uuid'}}}"));
    r = pp_fhir_patient_set_find(&set, "p1");
    assert_int_equal(r->n_meds, 6);
    assert_false(r->meds[0].medication_unresolved);
    assert_string_equal(pp_concept_code(&r->meds[0].code, PP_SYS_RXNORM), "1049502");
    assert_string_equal(r->meds[0].medication_ref, "#med");
    assert_true(r->meds[1].medication_unresolved);
    assert_string_equal(r->meds[1].code.text, "Oxycodone 5 MG Oral Tablet");
    assert_true(r->meds[2].medication_unresolved); /* pending until finish */
    load_ok(&set, "{'resourceType':'Medication','id':'m1','code':{'coding':[{'system':"
                  "'http://www.nlm.nih.gov/research/umls/rxnorm','code':'1010603'}]}}");
    assert_int_equal(pp_fhir_patient_set_finish(&set), 2); /* b and d */
    assert_false(r->meds[2].medication_unresolved);
    assert_string_equal(pp_concept_code(&r->meds[2].code, PP_SYS_RXNORM), "1010603");
    assert_string_equal(r->meds[2].code.text, "as displayed");
    assert_true(r->meds[3].medication_unresolved);
    assert_int_equal(r->meds[3].code.n_codings, 0);
    assert_string_equal(r->meds[3].code.text, "72 HR Fentanyl 0.075 MG/HR Transdermal System");
    assert_false(r->meds[4].medication_unresolved);
    assert_string_equal(pp_concept_code(&r->meds[4].code, NULL), "1010603");
    assert_false(r->meds[5].medication_unresolved);
    assert_string_equal(r->meds[5].code.text, "by uuid");
    assert_int_equal(pp_fhir_patient_set_count(&set, "Medication")->loaded, 2);
    assert_int_equal(pp_fhir_patient_set_finish(&set), 2); /* idempotent */
    pp_fhir_patient_set_release(&set);
}

/* ---- merging ---- */

static void test_fhir__merge(void **state)
{
    struct pp_patient_set a, b;
    struct pp_record *r;
    (void)state;
    pp_fhir_patient_set_init(&a);
    pp_fhir_patient_set_init(&b);
    load_ok(&a, BUNDLE(PATIENT_P1 ",{'resource':{'resourceType':'Condition','id':'c1',"
                                  "'subject':{'reference':'Patient/p1'},'code':{'text':'from a'}}},"
                                  "{'resource':{'resourceType':'Patient','id':'only-a'}}"));
    load_ok(
        &b,
        BUNDLE("{'resource':{'resourceType':'Patient','id':'p1','gender':'male'}},"
               /* the same Condition again: one copy is kept */
               "{'resource':{'resourceType':'Condition','id':'c1','subject':{'reference':'Patient/"
               "p1'},"
               "'code':{'text':'from a'}}},"
               /* another Condition reusing id c1: both are kept */
               "{'resource':{'resourceType':'Condition','id':'c1','subject':{'reference':'Patient/"
               "p9'},"
               "'code':{'text':'other patient'}}},"
               "{'resource':{'resourceType':'Condition','id':'c2','subject':{'reference':'Patient/"
               "p1'},"
               "'code':{'coding':[{'system':'s','code':'k','display':'from b'}]}}},"
               "{'resource':{'resourceType':'MedicationRequest','id':'m','subject':{'reference':"
               "'Patient/p1'},'medicationReference':{'reference':'Medication/x'},"
               "'dosageInstruction':[{'text':'daily','doseAndRate':[{'doseQuantity':{'value':2,"
               "'unit':'mg'}}]}]}},"
               "{'resource':{'resourceType':'Observation','id':'o','subject':{'reference':'Patient/"
               "p1'},"
               "'valueString':'v'}},"
               "{'resource':{'resourceType':'Patient','id':'only-b'}},"
               "{'resource':{'resourceType':'Medication','id':'x','code':{'text':'resolved'}}},"
               "{'resource':{'resourceType':'Claim'}}"));
    pp_fhir_patient_set_merge(&a, &b);
    assert_int_equal(b.n_records, 0); /* emptied */
    pp_fhir_patient_set_release(&b);  /* strings must have been copied or moved */
    assert_int_equal(a.n_records, 4);
    assert_string_equal(a.records[0]->patient.id, "p1");
    assert_string_equal(a.records[1]->patient.id, "only-a");
    assert_string_equal(a.records[2]->patient.id, "p9");
    assert_string_equal(a.records[3]->patient.id, "only-b");
    r = pp_fhir_patient_set_find(&a, "p1");
    assert_null(r->patient.gender); /* a's Patient came first */
    assert_int_equal(r->n_conditions, 2);
    assert_string_equal(r->conditions[0].code.text, "from a");
    assert_string_equal(r->conditions[1].code.codings[0].display, "from b");
    assert_int_equal(r->n_meds, 1);
    assert_string_equal(r->meds[0].dosages[0].text, "daily");
    assert_string_equal(r->meds[0].dosages[0].dose.unit, "mg");
    assert_int_equal(r->n_observations, 1);
    assert_string_equal(r->observations[0].value_string, "v");
    assert_int_equal(pp_fhir_patient_set_count(&a, "Condition")->loaded, 3);
    assert_int_equal(pp_fhir_patient_set_count(&a, "Condition")->duplicate, 1);
    assert_int_equal(pp_fhir_patient_set_count(&a, "Condition")->same_id, 0);
    assert_int_equal(pp_fhir_patient_set_count(&a, "Patient")->loaded, 3);
    assert_int_equal(pp_fhir_patient_set_count(&a, "Patient")->duplicate, 1);
    assert_int_equal(pp_fhir_patient_set_count(&a, "Claim")->unsupported, 1);
    assert_int_equal(pp_fhir_patient_set_finish(&a), 0);
    assert_string_equal(r->meds[0].code.text, "resolved");
    /* merging again: a copy of what moved in is dropped, another resource reusing the id
     * (here with no value) is kept */
    pp_fhir_patient_set_init(&b);
    load_ok(&b, BUNDLE("{'resource':{'resourceType':'Observation','id':'o',"
                       "'subject':{'reference':'Patient/only-b'}}},"
                       "{'resource':{'resourceType':'Observation','id':'o',"
                       "'subject':{'reference':'Patient/p1'},'valueString':'v'}},"
                       "{'resource':{'resourceType':'Observation','id':'o',"
                       "'subject':{'reference':'Patient/p1'}}}"));
    assert_int_equal(pp_fhir_patient_set_count(&b, "Observation")->same_id, 1);
    pp_fhir_patient_set_merge(&a, &b);
    assert_int_equal(pp_fhir_patient_set_find(&a, "only-b")->n_observations, 1);
    assert_int_equal(r->n_observations, 2);
    assert_string_equal(r->observations[0].value_string, "v");
    assert_null(r->observations[1].value_string);
    assert_int_equal(pp_fhir_patient_set_count(&a, "Observation")->loaded, 3);
    assert_int_equal(pp_fhir_patient_set_count(&a, "Observation")->duplicate, 1);
    assert_int_equal(pp_fhir_patient_set_count(&a, "Observation")->same_id, 2);
    pp_fhir_patient_set_release(&b);
    pp_fhir_patient_set_release(&a);
}

/* ---- CDS Hooks ---- */

static enum pp_err cds(struct pp_patient_set *set, const char *fixture, struct pp_cds_request *req,
                       struct pp_diag *d)
{
    char *text = J(fixture);
    enum pp_err rc = pp_fhir_cds_load_text(set, text, strlen(text), "req.json", req, d);
    free(text);
    return rc;
}

#define MR(id, subject)                                                                            \
    "{'resourceType':'MedicationRequest','id':'" id "','status':'draft','intent':'order'," subject \
    "'medicationCodeableConcept':{'text':'" id "'}}"

static void test_fhir__cds_request(void **state)
{
    struct pp_patient_set set;
    struct pp_cds_request req;
    struct pp_diag d;
    struct pp_record *r;
    (void)state;
    pp_fhir_patient_set_init(&set);
    pp_fhir_cds_request_init(&req);
    if (cds(&set,
            "{'hook':'order-select','hookInstance':'h1','fhirServer':'http://x',"
            "'context':{'userId':'Practitioner/u','patientId':'Patient/"
            "pt','encounterId':'Encounter/e',"
            "  'selections':['MedicationRequest/d2','d3','ServiceRequest/nope'],"
            "  'draftOrders':{'resourceType':'Bundle','type':'collection','entry':["
            "    {'resource':" MR(
                "d1",
                "'subject':{'reference':'Patient/other'},") "},"
                                                            "    {'resource':" MR(
                                                                "d2",
                                                                "") "},"
                                                                    "    {'resource':" MR(
                                                                        "d3",
                                                                        "") "},"
                                                                            "    "
                                                                            "{'resource':{'"
                                                                            "resourceType':'"
                                                                            "ServiceRequest','id':'"
                                                                            "s1','status':'draft'}}"
                                                                            "]}},"
                                                                            "'prefetch':{"
                                                                            "  "
                                                                            "'patient':{'"
                                                                            "resourceType':'"
                                                                            "Patient','id':'pt','"
                                                                            "gender':'male'},"
                                                                            "  "
                                                                            "'meds':{'resourceType'"
                                                                            ":'Bundle','type':'"
                                                                            "searchset','entry':["
                                                                            "    "
                                                                            "{'resource':{'"
                                                                            "resourceType':'"
                                                                            "MedicationRequest','"
                                                                            "id':'old','status':'"
                                                                            "active',"
                                                                            "     "
                                                                            "'subject':{'reference'"
                                                                            ":'Patient/pt'}}},"
                                                                            "    {'resource':" MR(
                                                                                "d2", "'subject':{'"
                                                                                      "reference':'"
                                                                                      "Patient/"
                                                                                      "pt'},") "},"
                                                                                               "   "
                                                                                               " {'"
                                                                                               "res"
                                                                                               "our"
                                                                                               "ce'"
                                                                                               ":{'"
                                                                                               "res"
                                                                                               "our"
                                                                                               "ceT"
                                                                                               "ype"
                                                                                               "':'"
                                                                                               "Med"
                                                                                               "ica"
                                                                                               "tio"
                                                                                               "nRe"
                                                                                               "que"
                                                                                               "st'"
                                                                                               ",'"
                                                                                               "id'"
                                                                                               ":'"
                                                                                               "d3'"
                                                                                               ",'"
                                                                                               "sta"
                                                                                               "tus"
                                                                                               "':'"
                                                                                               "act"
                                                                                               "ive"
                                                                                               "',"
                                                                                               "   "
                                                                                               "  "
                                                                                               "'me"
                                                                                               "dic"
                                                                                               "ati"
                                                                                               "onC"
                                                                                               "ode"
                                                                                               "abl"
                                                                                               "eCo"
                                                                                               "nce"
                                                                                               "pt'"
                                                                                               ":{'"
                                                                                               "tex"
                                                                                               "t':"
                                                                                               "'an"
                                                                                               "oth"
                                                                                               "er "
                                                                                               "ord"
                                                                                               "er "
                                                                                               "reu"
                                                                                               "sin"
                                                                                               "g "
                                                                                               "the"
                                                                                               " id"
                                                                                               "'}}"
                                                                                               "}]}"
                                                                                               ","
                                                                                               "  "
                                                                                               "'no"
                                                                                               "ne'"
                                                                                               ":nu"
                                                                                               "ll,"
                                                                                               "  "
                                                                                               "'wr"
                                                                                               "app"
                                                                                               "ed'"
                                                                                               ":{'"
                                                                                               "res"
                                                                                               "pon"
                                                                                               "se'"
                                                                                               ":{'"
                                                                                               "sta"
                                                                                               "tus"
                                                                                               "':'"
                                                                                               "200"
                                                                                               " OK"
                                                                                               "'},"
                                                                                               "'re"
                                                                                               "sou"
                                                                                               "rce"
                                                                                               "':{"
                                                                                               "'re"
                                                                                               "sou"
                                                                                               "rce"
                                                                                               "Typ"
                                                                                               "e':"
                                                                                               "'Co"
                                                                                               "ndi"
                                                                                               "tio"
                                                                                               "n',"
                                                                                               "   "
                                                                                               " '"
                                                                                               "id'"
                                                                                               ":'"
                                                                                               "c',"
                                                                                               "'su"
                                                                                               "bje"
                                                                                               "ct'"
                                                                                               ":{'"
                                                                                               "ref"
                                                                                               "ere"
                                                                                               "nce"
                                                                                               "':'"
                                                                                               "Pat"
                                                                                               "ien"
                                                                                               "t/"
                                                                                               "pt'"
                                                                                               "}}}"
                                                                                               ","
                                                                                               "  "
                                                                                               "'wr"
                                                                                               "app"
                                                                                               "edN"
                                                                                               "ull"
                                                                                               "':{"
                                                                                               "'re"
                                                                                               "spo"
                                                                                               "nse"
                                                                                               "':{"
                                                                                               "'st"
                                                                                               "atu"
                                                                                               "s':"
                                                                                               "'40"
                                                                                               "4'}"
                                                                                               ",'"
                                                                                               "res"
                                                                                               "our"
                                                                                               "ce'"
                                                                                               ":nu"
                                                                                               "ll}"
                                                                                               ","
                                                                                               "  "
                                                                                               "'ob"
                                                                                               "s':"
                                                                                               "{'"
                                                                                               "res"
                                                                                               "our"
                                                                                               "ceT"
                                                                                               "ype"
                                                                                               "':'"
                                                                                               "Obs"
                                                                                               "erv"
                                                                                               "ati"
                                                                                               "on'"
                                                                                               ",'"
                                                                                               "id'"
                                                                                               ":'"
                                                                                               "o'}"
                                                                                               "}}",
            &req, &d) != PP_OK)
        fail_msg("%s: %s", d.where, d.what);
    assert_string_equal(req.hook, "order-select");
    assert_string_equal(req.hook_instance, "h1");
    assert_string_equal(req.patient_id, "pt");
    assert_string_equal(req.user_id, "Practitioner/u");
    assert_string_equal(req.encounter_id, "Encounter/e");
    assert_int_equal(req.n_draft_orders, 4);
    assert_string_equal(req.draft_order_ids[0], "MedicationRequest/d1");
    assert_string_equal(req.draft_order_ids[3], "ServiceRequest/s1");
    assert_true(req.has_selections);
    assert_int_equal(req.n_selections, 3);
    assert_int_equal(req.n_selected, 2);
    assert_string_equal(req.selected_ids[0], "MedicationRequest/d2");
    assert_string_equal(req.selected_ids[1], "MedicationRequest/d3");
    assert_int_equal(req.n_unmatched_selections, 1);
    assert_true(pp_fhir_cds_is_selected(&req, "MedicationRequest", "d3"));
    assert_false(pp_fhir_cds_is_selected(&req, "MedicationRequest", "d1"));
    assert_false(pp_fhir_cds_is_selected(&req, "ServiceRequest", "d3"));
    assert_int_equal(req.n_prefetch, 4); /* patient, meds, wrapped, obs */
    /* everything belongs to context.patientId, whatever its subject says */
    assert_int_equal(set.n_records, 1);
    r = pp_fhir_patient_set_get(&set, "pt");
    assert_true(r->has_patient);
    assert_string_equal(r->patient.gender, "male");
    /* d1 d2 d3 old d3': the prefetch copy of d2 is the same order; the other d3 is not */
    assert_int_equal(r->n_meds, 5);
    assert_true(r->meds[0].is_draft_order && r->meds[1].is_draft_order &&
                r->meds[2].is_draft_order);
    assert_string_equal(r->meds[3].id, "old");
    assert_false(r->meds[3].is_draft_order);
    assert_string_equal(r->meds[4].id, "d3");
    assert_false(r->meds[4].is_draft_order);
    assert_string_equal(r->meds[4].code.text, "another order reusing the id");
    assert_true(r->service_requests[0].is_draft_order);
    assert_int_equal(r->n_conditions, 1);
    assert_int_equal(r->n_observations, 1);
    assert_int_equal(pp_fhir_patient_set_count(&set, "MedicationRequest")->duplicate, 1);
    assert_int_equal(pp_fhir_patient_set_count(&set, "MedicationRequest")->same_id, 1);
    pp_fhir_cds_request_release(&req);
    pp_fhir_patient_set_release(&set);
}

/* A single draft order (not a Bundle), a bare patient id, no selections, no prefetch. */
static void test_fhir__cds_request_single_draft(void **state)
{
    struct pp_patient_set set;
    struct pp_cds_request req;
    struct pp_diag d;
    (void)state;
    pp_fhir_patient_set_init(&set);
    pp_fhir_cds_request_init(&req);
    assert_int_equal(
        cds(&set,
            "{'hook':'order-sign','context':{'patientId':'p9','draftOrders':" MR("d", "") "}}",
            &req, &d),
        PP_OK);
    assert_string_equal(req.patient_id, "p9");
    assert_null(req.user_id);
    assert_false(req.has_selections);
    assert_int_equal(req.n_draft_orders, 1);
    assert_int_equal(req.n_selected, 1); /* no selections: every draft order */
    assert_true(pp_fhir_cds_is_selected(&req, "MedicationRequest", "d"));
    assert_true(pp_fhir_patient_set_get(&set, "p9")->meds[0].is_draft_order);
    assert_int_equal(req.n_prefetch, 0);
    /* patient-view with nothing at all still gives the patient a record */
    assert_int_equal(cds(&set,
                         "{'hook':'patient-view','context':{'patientId':'Patient/q'},"
                         "'prefetch':null}",
                         &req, &d),
                     PP_OK);
    assert_string_equal(req.hook, "patient-view");
    assert_int_equal(req.n_draft_orders, 0);
    assert_non_null(pp_fhir_patient_set_find(&set, "q"));
    pp_fhir_cds_request_release(&req);
    pp_fhir_patient_set_release(&set);
}

static void test_fhir__cds_request_errors(void **state)
{
    static const struct {
        const char *request;
        const char *where;
        const char *what;
    } cases[] = {
        {"{'context':{'patientId':'p'}}", "req.json:hook",
         "missing: a CDS Hooks request must carry it"},
        {"{'hook':3,'context':{'patientId':'p'}}", "req.json:hook", "expected a string"},
        {"{'hook':'order-sign'}", "req.json:context", "missing: a CDS Hooks request must carry it"},
        {"{'hook':'order-sign','context':{'userId':'u'}}", "req.json:context.patientId",
         "missing: a CDS Hooks request must carry it"},
        {"{'hook':'order-sign','context':{'patientId':['p']}}", "req.json:context.patientId",
         "expected a non-empty string"},
        {"{'hook':'order-sign','context':{'patientId':'Patient/'}}", "req.json:context.patientId",
         "expected a patient id (\"Patient/ID\" or \"ID\")"},
        {"{'hook':'order-select','context':{'patientId':'p','selections':['a',7]}}",
         "req.json:context.selections[1]", "expected a string"},
        {"{'hook':'order-sign','context':{'patientId':'p','draftOrders':{'resourceType':'Bundle',"
         "'entry':[{'resource':{'resourceType':'MedicationRequest','status':1}}]}}}",
         "req.json:context.draftOrders.entry[0].resource.status", "expected a string"},
        {"{'hook':'patient-view','context':{'patientId':'p'},'prefetch':{'item1':{'resourceType':"
         "'Bundle','entry':[{'resource':{'resourceType':'Condition','onsetDateTime':'x'}}]}}}",
         "req.json:prefetch.item1.entry[0].resource.onsetDateTime",
         "expected a date YYYY[-MM[-DD]], got \"x\""},
        {"{'hook':'patient-view','context':{'patientId':'p'},'prefetch':{'item1':{'resource':"
         "{'resourceType':'Condition','code':1}}}}",
         "req.json:prefetch.item1.resource.code", "expected an object"},
        {"{'hook':'patient-view','context':{'patientId':'p'},'prefetch':{'item1':{'id':'x'}}}",
         "req.json:prefetch.item1.resourceType", "missing: a resource must name its type"},
        {"{'hook':'patient-view','context':{'patientId':'p'},'prefetch':[]}", "req.json:prefetch",
         "expected an object"},
    };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct pp_patient_set set;
        struct pp_cds_request req;
        struct pp_diag d;
        pp_fhir_patient_set_init(&set);
        pp_fhir_cds_request_init(&req);
        assert_int_equal(cds(&set, cases[i].request, &req, &d), PP_ERR_INPUT);
        if (strcmp(d.where, cases[i].where) != 0 || strcmp(d.what, cases[i].what) != 0)
            fail_msg("case %zu: got %s: %s; want %s: %s", i, d.where, d.what, cases[i].where,
                     cases[i].what);
        assert_int_equal(set.n_records, 0);
        assert_null(req.hook);
        pp_fhir_cds_request_release(&req);
        pp_fhir_patient_set_release(&set);
    }
}

/* ---- value sets ---- */

static void test_fhir__valueset(void **state)
{
    struct pp_terms terms;
    struct pp_drug_codes codes;
    struct pp_fhir_valueset_report rep = {0};
    struct pp_diag d;
    cJSON *vs;
    char *text;
    (void)state;
    pp_terms_init(&terms);
    pp_drug_codes_init(&codes);
    text = J("{'resourceType':'ValueSet','url':'http://x/ValueSet/benzodiazepine-medications',"
             "'expansion':{'contains':[{'system':'http://www.nlm.nih.gov/research/umls/rxnorm',"
             "'code':'197589'},{'system':'http://www.nlm.nih.gov/research/umls/rxnorm',"
             "'code':'1298088','contains':[{'system':'http://www.nlm.nih.gov/research/umls/"
             "rxnorm','code':'2598'}]},{'system':'http://snomed.info/sct','code':'1'}]}}");
    assert_int_equal(pp_json_parse(text, strlen(text), "vs", &vs, &d), PP_OK);
    assert_int_equal(pp_fhir_valueset_load(vs, "a.json", &terms, &codes, &rep, &d), PP_OK);
    cJSON_Delete(vs);
    free(text);
    assert_int_equal(rep.sets_loaded, 1);
    assert_int_equal(rep.drug_codes, 3);
    assert_true(pp_drug_codes_lookup(&codes, "2598", 4) & PP_DRUG_BENZODIAZEPINE);
    assert_int_equal(pp_drug_codes_lookup(&codes, "1", 1), 0);
    /* a concept set named by its file name, codes from compose when no expansion */
    text = J("{'resourceType':'ValueSet','compose':{'include':[{'system':'http://snomed.info/sct',"
             "'concept':[{'code':'417357006'},{'code':'127040003'}]},{'valueSet':['x']}]}}");
    assert_int_equal(pp_json_parse(text, strlen(text), "vs", &vs, &d), PP_OK);
    assert_int_equal(
        pp_fhir_valueset_load(vs, "dir/sickle-cell-diseases.json", &terms, &codes, &rep, &d),
        PP_OK);
    cJSON_Delete(vs);
    free(text);
    assert_int_equal(rep.sets_loaded, 2);
    assert_int_equal(rep.term_codes, 2);
    assert_true(pp_terms_lookup(&terms, PP_SYS_SNOMED, "127040003") & PP_CS_SICKLE_CELL);
    /* unknown: counted, ignored */
    text = J("{'resourceType':'ValueSet','url':'http://x/ValueSet/office-visit',"
             "'expansion':{'contains':[{'system':'s','code':'99213'}]}}");
    assert_int_equal(pp_json_parse(text, strlen(text), "vs", &vs, &d), PP_OK);
    assert_int_equal(pp_fhir_valueset_load(vs, NULL, &terms, &codes, &rep, &d), PP_OK);
    cJSON_Delete(vs);
    free(text);
    assert_int_equal(rep.sets_unknown, 1);
    assert_int_equal(pp_terms_lookup(&terms, "s", "99213"), 0);
    /* a bad RXCUI in a medication set: nothing of it is added */
    text = J("{'resourceType':'ValueSet','url':'http://x/ValueSet/naloxone-medications',"
             "'expansion':{'contains':[{'system':'http://www.nlm.nih.gov/research/umls/rxnorm',"
             "'code':'1191212'},{'system':'http://www.nlm.nih.gov/research/umls/rxnorm',"
             "'code':'12a'}]}}");
    assert_int_equal(pp_json_parse(text, strlen(text), "vs", &vs, &d), PP_OK);
    assert_int_equal(pp_fhir_valueset_load(vs, "n.json", &terms, &codes, &rep, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "n.json:expansion.contains[1].code");
    assert_string_equal(d.what, "\"12a\" in an RxNorm medication value set is not an RXCUI");
    assert_int_equal(pp_drug_codes_lookup(&codes, "1191212", 7), 0);
    cJSON_Delete(vs);
    free(text);
    text = J("{'resourceType':'CodeSystem'}");
    assert_int_equal(pp_json_parse(text, strlen(text), "vs", &vs, &d), PP_OK);
    assert_int_equal(pp_fhir_valueset_load(vs, "c.json", &terms, &codes, &rep, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "c.json:resourceType");
    assert_string_equal(d.what, "expected \"ValueSet\", found \"CodeSystem\"");
    cJSON_Delete(vs);
    free(text);
    assert_int_equal(pp_fhir_valueset_drug_classes("extended-release-opioid-with-ambulatory-"
                                                   "misuse-potential.json"),
                     PP_DRUG_OPIOID | PP_DRUG_LONG_ACTING_OPIOID);
    assert_int_equal(pp_fhir_valueset_drug_classes("http://x/ValueSet/pain-treatment-plan"), 0);
    pp_drug_codes_release(&codes);
    pp_terms_release(&terms);
}

/* ---- pp_json_parse_fast ---- */

/* Same verdict and same diagnostic as pp_json_parse, on good and bad input alike. */
static void test_fhir__json_parse_fast_matches_pp_json_parse(void **state)
{
    static const char *const inputs[] = {
        "{\"a\": [1, 2, {\"b\": \"caf\xc3\xa9 \\\" \\\\\"}], \"c\": null}",
        "   {\"a\": \"                     long string with spaces       \"}   ",
        "{\"a\": \"\xc3\"}",         /* truncated UTF-8 in a string */
        "{\"a\": \"\xed\xa0\x80\"}", /* a surrogate */
        "{\"a\": \"\xc0\xaf\"}",     /* overlong */
        "{\"a\" \"b\"}",
        "{\"a\": 1} x",
        "{\"s\": \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}",
        "",
        "\"\\",
        "{\"a\": \"\\\xc3\xa9\"}",
    };
    char deep[3][2 * PP_JSON_MAX_DEPTH + 8];
    const char *all[ARRAY_SIZE(inputs) + 3];
    (void)state;
    /* nested exactly to the limit, one past it, and one past it with an empty innermost {} */
    for (int k = 0; k < 3; k++) {
        int levels = PP_JSON_MAX_DEPTH + (k > 0), n = 0;
        for (int i = 0; i < levels; i++)
            deep[k][n++] = (k == 2 && i == levels - 1) ? '{' : '[';
        for (int i = levels - 1; i >= 0; i--)
            deep[k][n++] = (k == 2 && i == levels - 1) ? '}' : ']';
        deep[k][n] = '\0';
        all[ARRAY_SIZE(inputs) + (size_t)k] = deep[k];
    }
    for (size_t i = 0; i < ARRAY_SIZE(inputs); i++)
        all[i] = inputs[i];
    for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
        struct pp_diag d1, d2;
        cJSON *j1 = NULL, *j2 = NULL;
        enum pp_err r1, r2;
        pp_diag_clear(&d1);
        pp_diag_clear(&d2);
        r1 = pp_json_parse(all[i], strlen(all[i]), "t", &j1, &d1);
        r2 = pp_json_parse_fast(all[i], strlen(all[i]), "t", &j2, &d2);
        if (r1 != r2 || strcmp(d1.where, d2.where) != 0 || strcmp(d1.what, d2.what) != 0)
            fail_msg("input %zu: pp_json_parse %d %s %s, fast %d %s %s", i, r1, d1.where, d1.what,
                     r2, d2.where, d2.what);
        assert_int_equal(j1 != NULL, j2 != NULL);
        if (i >= ARRAY_SIZE(inputs))
            assert_int_equal(r2, i == ARRAY_SIZE(inputs) ? PP_OK : PP_ERR_INPUT);
        cJSON_Delete(j1);
        cJSON_Delete(j2);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fhir__patient),
        cmocka_unit_test(test_fhir__condition),
        cmocka_unit_test(test_fhir__medication_request),
        cmocka_unit_test(test_fhir__supply_duration_units),
        cmocka_unit_test(test_fhir__replacement_reason),
        cmocka_unit_test(test_fhir__medication_statement_and_dispense),
        cmocka_unit_test(test_fhir__observation),
        cmocka_unit_test(test_fhir__procedure_encounter_service_request_careplan),
        cmocka_unit_test(test_fhir__assignment_and_counts),
        cmocka_unit_test(test_fhir__do_not_perform_is_not_an_order),
        cmocka_unit_test(test_fhir__error_json_syntax),
        cmocka_unit_test(test_fhir__error_resource_type),
        cmocka_unit_test(test_fhir__error_wrong_type),
        cmocka_unit_test(test_fhir__error_date),
        cmocka_unit_test(test_fhir__error_leaves_set_unchanged),
        cmocka_unit_test(test_fhir__ndjson),
        cmocka_unit_test(test_fhir__ndjson_bad_line),
        cmocka_unit_test(test_fhir__medication_reference),
        cmocka_unit_test(test_fhir__merge),
        cmocka_unit_test(test_fhir__cds_request),
        cmocka_unit_test(test_fhir__cds_request_single_draft),
        cmocka_unit_test(test_fhir__cds_request_errors),
        cmocka_unit_test(test_fhir__valueset),
        cmocka_unit_test(test_fhir__json_parse_fast_matches_pp_json_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
