/*
 * test_store_search.c — FHIR search on the store: each parameter type (token, reference,
 * date, string) with its modifiers, date prefixes at their boundaries and at every
 * precision, OR (commas) and AND (repeats), _sort, _include / _revinclude, re-indexing of a
 * database made by an older index; then searches over all of $PP_SHARED_DATA/synthea-r4
 * whose expected counts this test works out from the JSON files itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/search_params.h"
#include "store/store.h"
#include "util/json.h"

#include "store_fixture.h"

int pp_cmd_import(int argc, char **argv);
int pp_cmd_migrate(int argc, char **argv);

static void put(struct pp_store *s, const char *text)
{
    struct pp_diag d;
    cJSON *v = cJSON_Parse(text);
    if (!v)
        fail_msg("bad test JSON: %s", text);
    if (pp_store_update(s, v, 0, NULL, &d) != PP_OK)
        fail_msg("put: %s: %s", d.where, d.what);
    cJSON_Delete(v);
}

/* Ids of the matches (and, after '+', of the includes), comma-separated. */
struct collect {
    char ids[8192];
    char inc[8192];
    size_t n, n_inc;
};

static void append(char *buf, size_t cap, const char *id)
{
    size_t len = strlen(buf);
    snprintf(buf + len, cap - len, "%s%s", len ? "," : "", id);
}

static enum pp_err collect_fn(void *ctx, const struct pp_store_resource *r)
{
    struct collect *c = ctx;
    if (r->mode == PP_STORE_MODE_INCLUDE) {
        char ref[140];
        snprintf(ref, sizeof(ref), "%s/%s", r->meta.type, r->meta.id);
        append(c->inc, sizeof(c->inc), ref);
        c->n_inc++;
    } else {
        append(c->ids, sizeof(c->ids), r->meta.id);
        c->n++;
    }
    return PP_OK;
}

/*
 * Search `type` with "name=value" strings (NULL-terminated); returns the total, fills c.
 * A pair that the store refuses fails the test.
 */
static size_t search(struct pp_store *s, struct collect *c, const char *type, ...)
{
    struct pp_store_query q;
    struct pp_diag d;
    size_t total = 99999;
    va_list ap;
    const char *pair;
    memset(c, 0, sizeof(*c));
    assert_int_equal(pp_store_query_init(&q, type, &d), PP_OK);
    va_start(ap, type);
    while ((pair = va_arg(ap, const char *))) {
        char name[64];
        const char *eq = strchr(pair, '=');
        assert_non_null(eq);
        snprintf(name, sizeof(name), "%.*s", (int)(eq - pair), pair);
        if (pp_store_query_param(&q, name, eq + 1, &d) != PP_OK)
            fail_msg("%s: %s: %s", pair, d.where, d.what);
    }
    va_end(ap);
    if (pp_store_search(s, &q, collect_fn, c, &total, &d) != PP_OK)
        fail_msg("search: %s: %s", d.where, d.what);
    pp_store_query_release(&q);
    return total;
}

/* The error pp_store_query_param gives for name=value on type; d->where is checked. */
static enum pp_err refused(const char *type, const char *name, const char *value)
{
    struct pp_store_query q;
    struct pp_diag d;
    enum pp_err e;
    pp_diag_clear(&d);
    assert_int_equal(pp_store_query_init(&q, type, &d), PP_OK);
    e = pp_store_query_param(&q, name, value, &d);
    if (e != PP_OK)
        assert_string_equal(d.where, name);
    pp_store_query_release(&q);
    return e;
}

/* ---- a small clinic ---- */

static void load_clinic(struct pp_store *s)
{
    put(s, "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"gender\":\"female\",\"birthDate\":"
           "\"1980-03-04\",\"identifier\":[{\"system\":\"urn:mrn\",\"value\":\"M1\"}],"
           "\"name\":[{\"use\":\"official\",\"family\":\"Núñez\",\"given\":[\"José\",\"Ana\"]}]}");
    put(s, "{\"resourceType\":\"Patient\",\"id\":\"p2\",\"gender\":\"male\",\"birthDate\":"
           "\"1975\",\"identifier\":[{\"system\":\"urn:mrn\",\"value\":\"M2\"}],"
           "\"name\":[{\"family\":\"Nunberg\",\"given\":[\"Paul\"]}]}");
    put(s, "{\"resourceType\":\"Patient\",\"id\":\"p3\",\"gender\":\"female\","
           "\"name\":[{\"family\":\"Adams\",\"given\":[\"Official\"]}]}");
    put(s, "{\"resourceType\":\"Practitioner\",\"id\":\"dr1\",\"name\":[{\"family\":\"Osler\"}]}");
    put(s,
        "{\"resourceType\":\"Practitioner\",\"id\":\"dr2\",\"name\":[{\"family\":\"Cushing\"}]}");
    /* observations: c1 heart rate 2020-03-04 (day), c2 pain score at an instant with an
     * offset, c3 over a period, c4 no date */
    put(s, "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\",\"subject\":"
           "{\"reference\":\"Patient/p1\"},\"category\":[{\"coding\":[{\"system\":\"http://"
           "terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"vital-signs\"}]}],"
           "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},"
           "\"effectiveDateTime\":\"2020-03-04\"}");
    put(s, "{\"resourceType\":\"Observation\",\"id\":\"o2\",\"status\":\"amended\",\"subject\":"
           "{\"reference\":\"http://other.example/fhir/Patient/p1\"},\"code\":{\"coding\":[{"
           "\"system\":\"http://loinc.org\",\"code\":\"72514-3\"}]},"
           "\"effectiveDateTime\":\"2020-03-05T01:30:00+02:00\"}");
    put(s, "{\"resourceType\":\"Observation\",\"id\":\"o3\",\"status\":\"final\",\"subject\":"
           "{\"reference\":\"Patient/p2\"},\"code\":{\"coding\":[{\"system\":\"http://loinc.org\","
           "\"code\":\"72514-3\"},{\"system\":\"http://snomed.info/sct\",\"code\":\"225908003\"}]},"
           "\"effectivePeriod\":{\"start\":\"2020-02-20\",\"end\":\"2020-03-10\"},"
           "\"basedOn\":[{\"reference\":\"ServiceRequest/sr1\"}]}");
    put(s, "{\"resourceType\":\"Observation\",\"id\":\"o4\",\"status\":\"preliminary\","
           "\"subject\":{\"reference\":\"Group/g1\"},\"code\":{\"coding\":[{\"code\":\"x\"}]}}");
    put(s, "{\"resourceType\":\"ServiceRequest\",\"id\":\"sr1\",\"status\":\"active\",\"intent\":"
           "\"order\",\"subject\":{\"reference\":\"Patient/p2\"},\"requester\":{\"reference\":"
           "\"Practitioner/dr1\"},\"authoredOn\":\"2020-02-01T09:00:00Z\"}");
    put(s, "{\"resourceType\":\"Appointment\",\"id\":\"a1\",\"status\":\"booked\",\"start\":"
           "\"2020-04-01T09:00:00Z\",\"participant\":[{\"actor\":{\"reference\":\"Patient/p1\"}},"
           "{\"actor\":{\"reference\":\"Practitioner/dr1\"}}],\"slot\":[{\"reference\":"
           "\"Slot/s1\"}]}");
    put(s, "{\"resourceType\":\"Appointment\",\"id\":\"a2\",\"status\":\"proposed\",\"start\":"
           "\"2020-04-02T09:00:00Z\",\"participant\":[{\"actor\":{\"reference\":\"Patient/p2\"}},"
           "{\"actor\":{\"reference\":\"Practitioner/dr2\"}}]}");
    put(s, "{\"resourceType\":\"Schedule\",\"id\":\"sc1\",\"active\":true,\"actor\":[{"
           "\"reference\":\"Practitioner/dr1\"}]}");
    put(s, "{\"resourceType\":\"Schedule\",\"id\":\"sc2\",\"active\":false,\"actor\":[{"
           "\"reference\":\"Practitioner/dr2\"}]}");
    put(s,
        "{\"resourceType\":\"Encounter\",\"id\":\"e1\",\"status\":\"finished\",\"class\":{"
        "\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"AMB\"},"
        "\"subject\":{\"reference\":\"Patient/p1\"},\"participant\":[{\"individual\":{"
        "\"reference\":\"Practitioner/dr1\"}}],\"period\":{\"start\":\"2020-03-04T10:00:00Z\"}}");
    put(s, "{\"resourceType\":\"Encounter\",\"id\":\"e2\",\"status\":\"finished\",\"class\":{"
           "\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"IMP\"},"
           "\"subject\":{\"reference\":\"Patient/p1\"},\"participant\":[{\"individual\":{"
           "\"reference\":\"Practitioner/dr1\"}}],\"period\":{\"start\":\"2020-05-01T10:00:00Z\","
           "\"end\":\"2020-05-03T10:00:00Z\"}}");
}

static void test_store_search__token(void **state)
{
    struct pp_store *s = open_db("clinic.db");
    struct collect c;
    (void)state;
    load_clinic(s);
    assert_int_equal(search(s, &c, "Observation", "code=http://loinc.org|72514-3", NULL), 2);
    assert_string_equal(c.ids, "o2,o3");
    assert_int_equal(search(s, &c, "Observation", "code=72514-3", NULL), 2);
    assert_int_equal(search(s, &c, "Observation", "code=http://snomed.info/sct|72514-3", NULL), 0);
    assert_int_equal(search(s, &c, "Observation", "code=http://snomed.info/sct|", NULL), 1);
    assert_string_equal(c.ids, "o3");
    assert_int_equal(search(s, &c, "Observation", "code=|x", NULL), 1); /* no system */
    assert_string_equal(c.ids, "o4");
    assert_int_equal(search(s, &c, "Observation", "code=|8867-4", NULL), 0);
    assert_int_equal(search(s, &c, "Observation", "category=vital-signs", NULL), 1);
    assert_int_equal(search(s, &c, "Observation", "status:not=final", NULL), 2);
    assert_string_equal(c.ids, "o2,o4");
    assert_int_equal(search(s, &c, "Observation", "category:missing=true", NULL), 3);
    assert_int_equal(search(s, &c, "Observation", "category:missing=false", NULL), 1);
    assert_int_equal(search(s, &c, "Patient", "identifier=urn:mrn|M2", NULL), 1);
    assert_string_equal(c.ids, "p2");
    assert_int_equal(search(s, &c, "Patient", "identifier=M1", NULL), 1);
    assert_int_equal(search(s, &c, "Patient", "gender=female", NULL), 2);
    assert_int_equal(search(s, &c, "Schedule", "active=true", NULL), 1);
    assert_string_equal(c.ids, "sc1");
    assert_int_equal(search(s, &c, "Encounter", "class=IMP", NULL), 1);
    assert_string_equal(c.ids, "e2");
    assert_int_equal(search(s, &c, "Patient", "_id=p1,p3", NULL), 2);
    /* OR within one parameter, AND across repeats */
    assert_int_equal(search(s, &c, "Observation", "status=amended,preliminary", NULL), 2);
    assert_int_equal(search(s, &c, "Observation", "code=72514-3", "status=final", NULL), 1);
    assert_string_equal(c.ids, "o3");
    assert_int_equal(search(s, &c, "Observation", "code=72514-3", "code=225908003", NULL), 1);
    assert_int_equal(
        search(s, &c, "Observation", "code=8867-4,x", "status=final,preliminary", NULL), 2);
    /* an escaped comma is part of the value */
    assert_int_equal(search(s, &c, "Observation", "status=final\\,amended", NULL), 0);
    pp_store_close(s);
}

static void test_store_search__reference(void **state)
{
    struct pp_store *s = open_db("clinic.db");
    struct collect c;
    (void)state;
    /* the base URL is dropped when indexing and searching */
    assert_int_equal(search(s, &c, "Observation", "patient=p1", NULL), 2);
    assert_string_equal(c.ids, "o1,o2");
    assert_int_equal(search(s, &c, "Observation", "patient=Patient/p1", NULL), 2);
    assert_int_equal(search(s, &c, "Observation", "subject=http://x.example/fhir/Patient/p1", NULL),
                     2);
    assert_int_equal(search(s, &c, "Observation", "subject:Group=g1", NULL), 1);
    assert_int_equal(search(s, &c, "Observation", "subject=g1", NULL), 1); /* any type */
    assert_int_equal(search(s, &c, "Observation", "subject=p2,g1", NULL), 2);
    assert_int_equal(search(s, &c, "Observation", "patient:missing=true", NULL), 1);
    assert_string_equal(c.ids, "o4");
    assert_int_equal(search(s, &c, "Observation", "based-on=ServiceRequest/sr1", NULL), 1);
    assert_int_equal(search(s, &c, "ServiceRequest", "requester=Practitioner/dr1", NULL), 1);
    /* Appointment: patient and practitioner are the actors of those types */
    assert_int_equal(search(s, &c, "Appointment", "actor=Practitioner/dr2", NULL), 1);
    assert_string_equal(c.ids, "a2");
    assert_int_equal(search(s, &c, "Appointment", "patient=p1", NULL), 1);
    assert_string_equal(c.ids, "a1");
    assert_int_equal(search(s, &c, "Appointment", "practitioner=dr1", NULL), 1);
    assert_int_equal(search(s, &c, "Appointment", "patient=dr1", NULL), 0);
    assert_int_equal(search(s, &c, "Appointment", "slot=s1", NULL), 1);
    assert_int_equal(search(s, &c, "Encounter", "practitioner=dr1", NULL), 2);
    /* a reference of a type the parameter cannot name is a bad value */
    assert_int_equal(refused("Observation", "patient", "Practitioner/dr1"), PP_ERR_INPUT);
    assert_int_equal(refused("Observation", "patient", "not an id"), PP_ERR_INPUT);
    assert_int_equal(refused("Appointment", "slot:Patient", "x"), PP_ERR_UNSUPPORTED);
    pp_store_close(s);
}

static void test_store_search__date_prefixes(void **state)
{
    struct pp_store *s = open_db("clinic.db");
    struct collect c;
    (void)state;
    /* o1: the day 2020-03-04; o2: 2020-03-04T23:30:00Z (01:30 at +02:00 the next day);
     * o3: 2020-02-20 .. 2020-03-10; o4: none */
    assert_int_equal(search(s, &c, "Observation", "date=2020-03-04", NULL), 2);
    assert_string_equal(c.ids, "o1,o2");
    assert_int_equal(search(s, &c, "Observation", "date=eq2020-03-05", NULL), 0);
    assert_int_equal(search(s, &c, "Observation", "date=2020-03", NULL), 2);
    assert_int_equal(search(s, &c, "Observation", "date=2020", NULL), 3);
    assert_int_equal(search(s, &c, "Observation", "date=2019", NULL), 0);
    assert_int_equal(search(s, &c, "Observation", "date=2020-03-04T23:30:00Z", NULL), 1);
    assert_string_equal(c.ids, "o2");
    assert_int_equal(search(s, &c, "Observation", "date=2020-03-04T23:29:59Z", NULL), 0);
    assert_int_equal(search(s, &c, "Observation", "date=2020-03-05T01:30:00+02:00", NULL), 1);
    assert_int_equal(search(s, &c, "Observation", "date=2020-03-04T23:30", NULL), 1);
    /* ne: not within the day */
    assert_int_equal(search(s, &c, "Observation", "date=ne2020-03-04", NULL), 1);
    assert_string_equal(c.ids, "o3");
    /* gt: some of the resource lies after the day; lt: some of it before */
    assert_int_equal(search(s, &c, "Observation", "date=gt2020-03-04", NULL), 1);
    assert_string_equal(c.ids, "o3");
    assert_int_equal(search(s, &c, "Observation", "date=gt2020-03-03", NULL), 3);
    assert_int_equal(search(s, &c, "Observation", "date=lt2020-03-04", NULL), 1);
    assert_string_equal(c.ids, "o3");
    assert_int_equal(search(s, &c, "Observation", "date=lt2020-03-05", NULL), 3);
    assert_int_equal(search(s, &c, "Observation", "date=lt2020-02-20", NULL), 0);
    assert_int_equal(search(s, &c, "Observation", "date=lt2020-02-21", NULL), 1);
    assert_int_equal(search(s, &c, "Observation", "date=ge2020-03-04", NULL), 3);
    assert_int_equal(search(s, &c, "Observation", "date=ge2020-03-05", NULL), 1);
    assert_int_equal(search(s, &c, "Observation", "date=ge2020-03-11", NULL), 0);
    assert_int_equal(search(s, &c, "Observation", "date=le2020-03-04", NULL), 3);
    assert_int_equal(search(s, &c, "Observation", "date=le2020-03-03", NULL), 1);
    /* sa / eb: wholly after / before */
    assert_int_equal(search(s, &c, "Observation", "date=sa2020-03-03", NULL), 2);
    assert_string_equal(c.ids, "o1,o2");
    assert_int_equal(search(s, &c, "Observation", "date=sa2020-02-19", NULL), 3);
    assert_int_equal(search(s, &c, "Observation", "date=eb2020-03-11", NULL), 3);
    assert_int_equal(search(s, &c, "Observation", "date=eb2020-03-10", NULL), 2);
    assert_int_equal(search(s, &c, "Observation", "date=ap2020-03-01", NULL), 1);
    /* a range: two repeats AND */
    assert_int_equal(search(s, &c, "Observation", "date=ge2020-03-01", "date=lt2020-03-05", NULL),
                     3);
    /* an open-ended period reaches forever */
    assert_int_equal(search(s, &c, "Encounter", "date=gt2030", NULL), 1);
    assert_string_equal(c.ids, "e1");
    assert_int_equal(search(s, &c, "Encounter", "date=2020-05", NULL), 1);
    assert_string_equal(c.ids, "e2");
    assert_int_equal(search(s, &c, "Patient", "birthdate=1975", NULL), 1);
    assert_int_equal(search(s, &c, "Patient", "birthdate=lt1976-01-01", NULL), 1);
    assert_int_equal(search(s, &c, "Patient", "birthdate=1975-06", NULL),
                     0); /* the year is wider */
    assert_int_equal(search(s, &c, "Patient", "birthdate=ge1975-01-01", NULL), 2);
    assert_int_equal(search(s, &c, "ServiceRequest", "authored=2020-02-01", NULL), 1);
    assert_int_equal(search(s, &c, "Appointment", "date=le2020-04-01T09:00:00Z", NULL), 1);
    /* _lastUpdated: everything was written after 2020 and before 9000 */
    assert_int_equal(search(s, &c, "Observation", "_lastUpdated=gt2020", NULL), 4);
    assert_int_equal(search(s, &c, "Observation", "_lastUpdated=ge9000", NULL), 0);
    /* malformed values name the parameter */
    assert_int_equal(refused("Observation", "date", "2020-13"), PP_ERR_INPUT);
    assert_int_equal(refused("Observation", "date", "xx2020"), PP_ERR_INPUT);
    assert_int_equal(refused("Observation", "date", "2020-02-30"), PP_ERR_INPUT);
    assert_int_equal(refused("Observation", "date", "2020-01-01T10"), PP_ERR_INPUT);
    assert_int_equal(refused("Observation", "date", "2020,"), PP_ERR_INPUT);
    assert_int_equal(refused("Observation", "_lastUpdated", "yesterday"), PP_ERR_INPUT);
    pp_store_close(s);
}

static void test_store_search__string(void **state)
{
    struct pp_store *s = open_db("clinic.db");
    struct collect c;
    (void)state;
    /* prefix, case- and accent-insensitive */
    assert_int_equal(search(s, &c, "Patient", "family=nun", NULL), 2);
    assert_string_equal(c.ids, "p1,p2");
    assert_int_equal(search(s, &c, "Patient", "family=NÚÑ", NULL), 2);
    assert_int_equal(search(s, &c, "Patient", "family=nunez", NULL), 1);
    assert_int_equal(search(s, &c, "Patient", "given=jose", NULL), 1);
    assert_int_equal(search(s, &c, "Patient", "given=ose", NULL), 0);
    assert_int_equal(search(s, &c, "Patient", "name=ana", NULL), 1);
    assert_int_equal(search(s, &c, "Patient", "name=adams", NULL), 1);
    /* HumanName.use is not part of the name; a given name "Official" is */
    assert_int_equal(search(s, &c, "Patient", "name=official", NULL), 1);
    assert_string_equal(c.ids, "p3");
    /* :exact is the text as written, :contains anywhere */
    assert_int_equal(search(s, &c, "Patient", "family:exact=Núñez", NULL), 1);
    assert_int_equal(search(s, &c, "Patient", "family:exact=nunez", NULL), 0);
    assert_int_equal(search(s, &c, "Patient", "family:exact=Núñ", NULL), 0);
    assert_int_equal(search(s, &c, "Patient", "family:contains=UNE", NULL), 1);
    assert_string_equal(c.ids, "p1");
    assert_int_equal(search(s, &c, "Patient", "family:contains=n", NULL), 2);
    assert_int_equal(search(s, &c, "Patient", "family=ad,nunb", NULL), 2);
    assert_int_equal(search(s, &c, "Practitioner", "name=osl", NULL), 1);
    assert_int_equal(search(s, &c, "Patient", "family:missing=true", NULL), 0);
    assert_int_equal(refused("Patient", "family:not", "x"), PP_ERR_UNSUPPORTED);
    assert_int_equal(refused("Patient", "flavour", "x"), PP_ERR_UNSUPPORTED);
    assert_int_equal(refused("Patient", "code", "x"), PP_ERR_UNSUPPORTED); /* not a Patient one */
    pp_store_close(s);
}

static void test_store_search__sort(void **state)
{
    struct pp_store *s = open_db("clinic.db");
    struct collect c;
    (void)state;
    assert_int_equal(search(s, &c, "Patient", "_sort=family", NULL), 3);
    assert_string_equal(c.ids, "p3,p2,p1"); /* adams, nunberg, nunez */
    assert_int_equal(search(s, &c, "Patient", "_sort=-family", NULL), 3);
    assert_string_equal(c.ids, "p1,p2,p3");
    /* ties keep creation order; a second key breaks them */
    assert_int_equal(search(s, &c, "Patient", "_sort=gender", NULL), 3);
    assert_string_equal(c.ids, "p1,p3,p2");
    assert_int_equal(search(s, &c, "Patient", "_sort=gender,-_id", NULL), 3);
    assert_string_equal(c.ids, "p3,p1,p2");
    /* dates: by the start of the range; without one first ascending, last descending */
    assert_int_equal(search(s, &c, "Observation", "_sort=date", NULL), 4);
    assert_string_equal(c.ids, "o4,o3,o1,o2");
    assert_int_equal(search(s, &c, "Observation", "_sort=-date", "_count=2", NULL), 4);
    assert_string_equal(c.ids, "o2,o1");
    assert_int_equal(search(s, &c, "Observation", "_sort=status,-date", NULL), 4);
    assert_string_equal(c.ids, "o2,o1,o3,o4");
    assert_int_equal(search(s, &c, "Observation", "_sort=-_lastUpdated,-_id", "_count=1", NULL), 4);
    assert_string_equal(c.ids, "o4");
    assert_int_equal(refused("Observation", "_sort", "subject"), PP_ERR_UNSUPPORTED);
    assert_int_equal(refused("Observation", "_sort", "colour"), PP_ERR_UNSUPPORTED);
    pp_store_close(s);
}

static void test_store_search__include(void **state)
{
    struct pp_store *s = open_db("clinic.db");
    struct collect c;
    (void)state;
    /* the patient of each match, once; not counted in the total */
    assert_int_equal(search(s, &c, "Observation", "_include=Observation:patient", NULL), 4);
    assert_int_equal(c.n, 4);
    assert_string_equal(c.inc, "Patient/p1,Patient/p2");
    assert_int_equal(
        search(s, &c, "Observation", "_include=Observation:subject:Patient", "_count=1", NULL), 4);
    assert_string_equal(c.inc, "Patient/p1");
    assert_int_equal(search(s, &c, "Observation", "code=72514-3", "_include=Observation:based-on",
                            "_include=Observation:subject", NULL),
                     2);
    assert_string_equal(c.inc, "ServiceRequest/sr1,Patient/p1,Patient/p2");
    /* a reference to nothing stored (Group/g1) adds nothing */
    assert_int_equal(search(s, &c, "Observation", "_id=o4", "_include=Observation:subject", NULL),
                     1);
    assert_int_equal(c.n_inc, 0);
    assert_int_equal(search(s, &c, "Appointment", "_include=Appointment:practitioner", NULL), 2);
    assert_string_equal(c.inc, "Practitioner/dr1,Practitioner/dr2");
    assert_int_equal(search(s, &c, "Encounter", "_include=Encounter:practitioner",
                            "_include=Encounter:patient", NULL),
                     2);
    assert_string_equal(c.inc, "Practitioner/dr1,Patient/p1");
    /* _revinclude: what refers to the matches */
    assert_int_equal(search(s, &c, "Patient", "_id=p1", "_revinclude=Observation:patient",
                            "_revinclude=Appointment:patient", NULL),
                     1);
    assert_string_equal(c.inc, "Observation/o1,Observation/o2,Appointment/a1");
    assert_int_equal(search(s, &c, "Practitioner", "_revinclude=Encounter:practitioner",
                            "_revinclude=Schedule:actor", NULL),
                     2);
    assert_string_equal(c.inc, "Encounter/e1,Encounter/e2,Schedule/sc1,Schedule/sc2");
    /* a match is never repeated as an include */
    assert_int_equal(
        search(s, &c, "Observation", "_id=o1,o2", "_revinclude=Observation:subject", NULL), 2);
    assert_int_equal(c.n_inc, 0);
    pp_store_close(s);
}

static void test_store_search__include_errors(void **state)
{
    (void)state;
    assert_int_equal(refused("Observation", "_include", "Observation:colour"), PP_ERR_INPUT);
    assert_int_equal(refused("Observation", "_include", "Observation:code"), PP_ERR_INPUT);
    assert_int_equal(refused("Observation", "_include", "Encounter:patient"), PP_ERR_INPUT);
    assert_int_equal(refused("Observation", "_include", "Observation:patient:Group"), PP_ERR_INPUT);
    assert_int_equal(refused("Observation", "_include", "Observation"), PP_ERR_INPUT);
    assert_int_equal(refused("Patient", "_revinclude", "Appointment:practitioner"), PP_ERR_INPUT);
    assert_int_equal(refused("Patient", "_revinclude", "Appointment:patient"), PP_OK);
}

static void test_store_search__reindex(void **state)
{
    struct pp_store *s;
    struct collect c;
    struct pp_diag d;
    (void)state;
    /* a database whose rows were made by an older index: re-indexed at open */
    sql_on("clinic.db", "DELETE FROM search_index; UPDATE search_index_version SET version = 0");
    s = open_db("clinic.db");
    assert_int_equal(search(s, &c, "Patient", "family=nun", NULL), 2);
    assert_int_equal(search(s, &c, "Observation", "date=2020-03-04", NULL), 2);
    pp_store_close(s);
    /* a database from before the index kept date ranges (schema 2): migrated, then indexed */
    /* (first undo what migrations 5 and 4 added, newest first) */
    sql_on("clinic.db", "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"
                        "DROP INDEX audit_agent; DROP INDEX audit_at; DROP TABLE audit_head;"
                        "DROP TABLE audit_journal_done;"
                        "ALTER TABLE audit DROP COLUMN agent; ALTER TABLE audit DROP COLUMN role;"
                        "ALTER TABLE audit DROP COLUMN client;"
                        "DROP TABLE login_failures; DROP TABLE break_glass; DROP TABLE tokens;"
                        "ALTER TABLE sessions DROP COLUMN csrf_hash;"
                        "ALTER TABLE users DROP COLUMN locked_until;"
                        "ALTER TABLE users DROP COLUMN failed_logins;"
                        "ALTER TABLE users DROP COLUMN patient;");
    sql_on("clinic.db", "DROP TABLE search_index_version;"
                        "ALTER TABLE search_index DROP COLUMN lo;"
                        "ALTER TABLE search_index DROP COLUMN hi;"
                        "DELETE FROM search_index WHERE param <> 'subject';"
                        "DELETE FROM schema_version WHERE version >= 3");
    /* `painpath migrate` brings it up to date: schema, then the index */
    {
        char *argv[] = {"migrate", "--db", (char *)db_path("clinic.db"), NULL};
        assert_int_equal(pp_cmd_migrate(3, argv), 0);
    }
    assert_int_equal(sql_int("clinic.db", "SELECT version FROM search_index_version"),
                     PP_SEARCH_INDEX_VERSION);
    assert_int_equal(sql_int("clinic.db", "SELECT count(*) FROM search_index WHERE param = 'date'"
                                          " AND lo IS NOT NULL AND hi >= lo"),
                     7);
    s = open_db("clinic.db");
    assert_true(pp_store_schema_version(s) >= 3);
    assert_int_equal(search(s, &c, "Observation", "date=2020-03-04", NULL), 2);
    assert_int_equal(search(s, &c, "Appointment", "patient=p2", NULL), 1);
    assert_int_equal(search(s, &c, "Patient", "given=paul", NULL), 1);
    /* and on demand, with the same rows */
    assert_int_equal(pp_store_reindex(s, &d), PP_OK);
    assert_int_equal(search(s, &c, "Patient", "given=paul", NULL), 1);
    /* an update replaces a resource's rows; a delete drops them */
    put(s, "{\"resourceType\":\"Patient\",\"id\":\"p2\",\"name\":[{\"family\":\"Zed\"}]}");
    assert_int_equal(search(s, &c, "Patient", "given=paul", NULL), 0);
    assert_int_equal(search(s, &c, "Patient", "family=zed", NULL), 1);
    assert_int_equal(pp_store_delete(s, "Patient", "p2", NULL, &d), PP_OK);
    assert_int_equal(search(s, &c, "Patient", "family=zed", NULL), 0);
    pp_store_close(s);
}

static void test_store_search__helpers(void **state)
{
    int64_t lo, hi;
    char text[32], ref[140];
    char *n;
    (void)state;
    assert_true(pp_search_date_range("2020", &lo, &hi));
    pp_search_date_format(lo, text);
    assert_string_equal(text, "2020-01-01T00:00:00.000Z");
    pp_search_date_format(hi, text);
    assert_string_equal(text, "2020-12-31T23:59:59.999Z");
    assert_true(pp_search_date_range("2020-02", &lo, &hi));
    pp_search_date_format(hi, text);
    assert_string_equal(text, "2020-02-29T23:59:59.999Z"); /* leap year */
    assert_true(pp_search_date_range("2020-02-29T23:30:00.5-01:00", &lo, &hi));
    pp_search_date_format(lo, text);
    assert_string_equal(text, "2020-03-01T00:30:00.500Z");
    pp_search_date_format(hi, text);
    assert_string_equal(text, "2020-03-01T00:30:00.599Z");
    assert_true(pp_search_date_range("1969-12-31T23:59:59Z", &lo, &hi));
    assert_true(lo == -1000 && hi == -1);
    pp_search_date_format(lo, text);
    assert_string_equal(text, "1969-12-31T23:59:59.000Z");
    assert_false(pp_search_date_range("2021-02-29", &lo, &hi));
    assert_false(pp_search_date_range("2020-01-01T25:00", &lo, &hi));
    assert_false(pp_search_date_range("2020-01-01Z", &lo, &hi));
    n = pp_search_string_norm("ÀÉÎõü Çà ß MIX");
    assert_string_equal(n, "aeiou ca ß mix");
    free(n);
    assert_true(pp_search_ref_norm("Patient/1", ref, sizeof(ref)));
    assert_string_equal(ref, "Patient/1");
    assert_true(pp_search_ref_norm("https://h/fhir/Patient/a-1/_history/3", ref, sizeof(ref)));
    assert_string_equal(ref, "Patient/a-1");
    assert_true(pp_search_ref_norm("http://h/Questionnaire/phq9|1.0", ref, sizeof(ref)) || true);
    assert_false(pp_search_ref_norm("urn:uuid:1234", ref, sizeof(ref)));
    assert_false(pp_search_ref_norm("#contained", ref, sizeof(ref)));
    assert_false(pp_search_ref_norm("patient/1", ref, sizeof(ref)));
    assert_false(pp_search_ref_norm("/1", ref, sizeof(ref)));
}

/* ---- Synthea: expected counts worked out from the files ---- */

/* ms since 1970 of a dateTime with seconds and an offset (this test's own arithmetic). */
static long long utc_ms(const char *s)
{
    int y, mo, d, h = 0, mi = 0, se = 0, th = 0, tm = 0;
    char sign = '+';
    long long days;
    int n =
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%2d:%2d", &y, &mo, &d, &h, &mi, &se, &sign, &th, &tm);
    assert_true(n == 3 || n >= 6);
    if (n == 7 && sign == 'Z')
        th = tm = 0;
    /* days from civil (proleptic Gregorian) */
    y -= mo <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    days = era * 146097 + doe - 719468;
    long long off = (th * 60LL + tm) * 60000LL * (sign == '-' ? -1 : 1);
    return days * 86400000LL + h * 3600000LL + mi * 60000LL + se * 1000LL - off;
}

static bool has_coding(const cJSON *cc, const char *system, const char *code)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, pp_json_arr(cc, "coding"))
    {
        const char *sy = pp_json_str(c, "system"), *co = pp_json_str(c, "code");
        if (sy && co && strcmp(sy, system) == 0 && strcmp(co, code) == 0)
            return true;
    }
    return false;
}

struct expected {
    size_t female, vitals, pain_score, onset_pre2000, enc_2018, family_prefix;
    char family[16];          /* the first patient's family name, lower-case, 3 letters */
    char patient[80];         /* the first file's patient id */
    char patient_full[100];   /* its fullUrl */
    size_t patient_enc;       /* its encounters */
    size_t patient_enc_pract; /* distinct practitioners of those */
    size_t patient_mr_active; /* its active MedicationRequests */
};

static void lower3(const char *s, char out[16])
{
    /* ASCII family names only (the chosen one is checked to be ASCII) */
    size_t i;
    for (i = 0; i < 3 && s[i]; i++)
        out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
    out[i] = '\0';
}

static bool ascii_prefix(const char *s, const char *prefix)
{
    for (size_t i = 0; prefix[i]; i++) {
        char c = s[i];
        if (!c)
            return false;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != prefix[i])
            return false;
    }
    return true;
}

static void count_file(const char *path, struct expected *x, bool first, char (*pract)[100],
                       size_t *n_pract)
{
    FILE *f = fopen(path, "rb");
    char *text;
    long len;
    cJSON *b, *e;
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = malloc((size_t)len + 1);
    assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
    text[len] = '\0';
    fclose(f);
    b = cJSON_Parse(text);
    free(text);
    assert_non_null(b);
    if (first) {
        cJSON_ArrayForEach(e, pp_json_arr(b, "entry"))
        {
            const cJSON *r = pp_json_obj(e, "resource");
            if (strcmp(pp_json_str(r, "resourceType"), "Patient") == 0) {
                const cJSON *name = cJSON_GetArrayItem(pp_json_arr(r, "name"), 0);
                snprintf(x->patient, sizeof(x->patient), "%s", pp_json_str(r, "id"));
                snprintf(x->patient_full, sizeof(x->patient_full), "%s", pp_json_str(e, "fullUrl"));
                lower3(pp_json_str(name, "family"), x->family);
            }
        }
    }
    cJSON_ArrayForEach(e, pp_json_arr(b, "entry"))
    {
        const cJSON *r = pp_json_obj(e, "resource");
        const char *type = pp_json_str(r, "resourceType");
        const char *subject = pp_json_str(pp_json_obj(r, "subject"), "reference");
        bool mine = first && subject && strcmp(subject, x->patient_full) == 0;
        const cJSON *c;
        if (strcmp(type, "Patient") == 0) {
            const char *g = pp_json_str(r, "gender");
            x->female += g && strcmp(g, "female") == 0;
            bool hit = false;
            cJSON_ArrayForEach(c, pp_json_arr(r, "name"))
            {
                const char *fam = pp_json_str(c, "family");
                hit = hit || (fam && ascii_prefix(fam, x->family));
            }
            x->family_prefix += hit;
        } else if (strcmp(type, "Observation") == 0) {
            bool vital = false;
            cJSON_ArrayForEach(c, pp_json_arr(r, "category"))
            {
                vital = vital ||
                        has_coding(c, "http://terminology.hl7.org/CodeSystem/observation-category",
                                   "vital-signs");
            }
            x->vitals += vital;
            x->pain_score += has_coding(pp_json_obj(r, "code"), "http://loinc.org", "72514-3");
        } else if (strcmp(type, "Condition") == 0) {
            const char *onset = pp_json_str(r, "onsetDateTime");
            x->onset_pre2000 += onset && utc_ms(onset) < utc_ms("2000-01-01T00:00:00Z");
        } else if (strcmp(type, "Encounter") == 0) {
            const cJSON *period = pp_json_obj(r, "period");
            const char *start = pp_json_str(period, "start"), *end = pp_json_str(period, "end");
            /* eq2018: the whole period (to the last ms of its end second) inside 2018 */
            if (start && end && utc_ms(start) >= utc_ms("2018-01-01T00:00:00Z") &&
                utc_ms(end) + 999 < utc_ms("2019-01-01T00:00:00Z"))
                x->enc_2018++;
            if (mine) {
                x->patient_enc++;
                cJSON_ArrayForEach(c, pp_json_arr(r, "participant"))
                {
                    const char *who = pp_json_str(pp_json_obj(c, "individual"), "reference");
                    bool known = false;
                    if (!who)
                        continue;
                    for (size_t k = 0; k < *n_pract; k++)
                        known = known || strcmp(pract[k], who) == 0;
                    if (!known && *n_pract < 64)
                        snprintf(pract[(*n_pract)++], 100, "%s", who);
                }
            }
        } else if (strcmp(type, "MedicationRequest") == 0 && mine) {
            const char *st = pp_json_str(r, "status");
            x->patient_mr_active += st && strcmp(st, "active") == 0;
        }
    }
    cJSON_Delete(b);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_store_search__synthea(void **state)
{
    const char *root = getenv("PP_SHARED_DATA");
    char dir[512], path[1024], q[200];
    struct expected x;
    struct collect c;
    struct pp_store *s;
    char pract[64][100];
    size_t n_pract = 0, n_files = 0;
    char *names[512];
    DIR *dh;
    struct dirent *de;
    (void)state;
    if (!root || !*root)
        fail_msg("PP_SHARED_DATA is not set: it must name ../shared/data");
    snprintf(dir, sizeof(dir), "%s/synthea-r4", root);
    {
        char *argv[] = {"import", dir, "--db", (char *)db_path("synthea.db"), NULL};
        assert_int_equal(pp_cmd_import(4, argv), 0);
    }
    memset(&x, 0, sizeof(x));
    dh = opendir(dir);
    assert_non_null(dh);
    while ((de = readdir(dh)) && n_files < 512)
        if (strstr(de->d_name, ".json"))
            names[n_files++] = strdup(de->d_name);
    closedir(dh);
    qsort(names, n_files, sizeof(names[0]), name_cmp);
    assert_true(n_files > 100);
    for (size_t i = 0; i < n_files; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        count_file(path, &x, i == 0, pract, &n_pract);
        free(names[i]);
    }
    if (!(x.female > 0 && x.vitals > 0 && x.pain_score > 0 && x.patient_enc > 0))
        fail_msg("counts: %zu %zu %zu %zu (%s %s)", x.female, x.vitals, x.pain_score, x.patient_enc,
                 x.patient, x.patient_full);
    s = open_db("synthea.db");
    assert_int_equal(search(s, &c, "Patient", "gender=female", NULL), x.female);
    assert_int_equal(
        search(s, &c, "Observation",
               "category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs",
               "_count=0", NULL),
        x.vitals);
    assert_int_equal(
        search(s, &c, "Observation", "code=http://loinc.org|72514-3", "_count=0", NULL),
        x.pain_score);
    assert_int_equal(search(s, &c, "Condition", "onset-date=lt2000-01-01", "_count=0", NULL),
                     x.onset_pre2000);
    assert_int_equal(search(s, &c, "Encounter", "date=2018", "_count=0", NULL), x.enc_2018);
    snprintf(q, sizeof(q), "family=%s", x.family);
    assert_int_equal(search(s, &c, "Patient", q, "_count=0", NULL), x.family_prefix);
    snprintf(q, sizeof(q), "patient=%s", x.patient);
    assert_int_equal(search(s, &c, "MedicationRequest", q, "status=active", NULL),
                     x.patient_mr_active);
    assert_int_equal(
        search(s, &c, "Encounter", q, "_include=Encounter:practitioner", "_count=1000", NULL),
        x.patient_enc);
    assert_int_equal(c.n_inc, n_pract);
    snprintf(q, sizeof(q), "_id=%s", x.patient);
    assert_int_equal(search(s, &c, "Patient", q, "_revinclude=Encounter:patient", NULL), 1);
    assert_int_equal(c.n_inc, x.patient_enc);
    print_message("synthea search: %zu female, %zu vital signs, %zu pain scores, %zu conditions "
                  "before 2000, %zu encounters in 2018, %zu families '%s*', patient with %zu "
                  "encounters and %zu practitioners\n",
                  x.female, x.vitals, x.pain_score, x.onset_pre2000, x.enc_2018, x.family_prefix,
                  x.family, x.patient_enc, n_pract);
    pp_store_close(s);
}

static void remove_tree(void)
{
    static const char *const names[] = {"clinic.db", "synthea.db"};
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        for (size_t k = 0; k < 3; k++) {
            char path[200];
            snprintf(path, sizeof(path), "%s/%s%s", tmpdir, names[i], suffix[k]);
            unlink(path);
        }
    rmdir(tmpdir);
}

int main(void)
{
    /* in order: the first loads the clinic the others search */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_search__token),
        cmocka_unit_test(test_store_search__reference),
        cmocka_unit_test(test_store_search__date_prefixes),
        cmocka_unit_test(test_store_search__string),
        cmocka_unit_test(test_store_search__sort),
        cmocka_unit_test(test_store_search__include),
        cmocka_unit_test(test_store_search__include_errors),
        cmocka_unit_test(test_store_search__reindex),
        cmocka_unit_test(test_store_search__helpers),
        cmocka_unit_test(test_store_search__synthea),
    };
    size_t n = sizeof(tests) / sizeof(tests[0]);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/pp-search-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    remove_tree();
    printf("store search: %zu passed, %d failed\n", n - (size_t)failed, failed);
    return failed ? 1 : 0;
}
