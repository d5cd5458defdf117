/*
 * test_cdc_cases.c — the CDC opioid CDS examples (cqframework/opioid-cds-r4,
 * in $PP_SHARED_DATA/opioid-cds-r4) run as data through the same code path as
 * `painpath cds` (pp_cds_service_run), with now = 2023-05-01 and the CDC value
 * sets loaded. Per case: does the recommendation's card (by rule id) appear as
 * the paired response (or, without a usable one, the file name) says? Every
 * disagreement must be listed below with the upstream defect that explains it.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "clinical/policy.h"
#include "clinical/terms.h"
#include "fhir/cds_response.h"
#include "fhir/load.h"
#include "fhir/valueset.h"
#include "util/buf.h"
#include "util/json.h"

/*
 * Requests whose file name says nothing about the expected result (no paired response,
 * no in-/out-/with-/without- hint): the expectation and why.
 */
static const struct {
    const char *file;
    int fire;
    const char *why;
} name_hints[] = {
    {"OpioidCDSREC08/request-example-rec-08-multiple-doseRate.json", 1,
     "the 75 mcg/h fentanyl patch of mme-greater-than-fifty (180 MME/day), written with three "
     "doseAndRate entries"},
    {"OpioidCDSREC08OrderSign/request-example-rec-08-order-sign-multiple-doseRate.json", 1,
     "the 75 mcg/h patch (180 MME/day) written with three doseAndRate entries"},
    {"OpioidCDSREC08OrderSign/noPrefetch.json", 1,
     "the multiple-doseRate order without any prefetch: the draft alone is 180 MME/day (age "
     "unknown does not silence the checks)"},
    {"OpioidCDSREC08OrderSign/request-example-rec-08-order-sign-mme-doseRange.json", 1,
     "tramadol/APAP 1-2 tablets every 4 h: 90 MME/day at the high end (>= 50), plus an "
     "alcohol-dependence history"},
};

/*
 * Cases where painpath and the upstream expectation differ, each with the upstream defect.
 * A listed case that agrees is a failure too (the table must stay honest).
 */
static const struct {
    const char *file;
    const char *why;
} expected_to_differ[] = {
    {"OpioidCDSREC06/request-example-rec-06-out-extended-release-27-days.json",
     "upstream response contradicts upstream logic: CDC REC06 CQL fires for an acute order "
     "(27 < 28 days' supply) of more than 7 days, yet the paired response has no card"},
    {"OpioidCDSREC08/request-example-rec-08-mme-greater-than-fifty.json",
     "the draft order is Pepto-bismol (RxNorm 1185223), not an opioid; the fentanyl the "
     "expected card is about is an existing prefetch order that merely reuses the draft's id, "
     "and the order hooks check the order being prescribed"},
    {"OpioidCDSREC12PatientView/request-example-rec-12-patient-view-out-opioid-misuse.json",
     "the buprenorphine MedicationRequest is nested inside the Condition "
     "(prefetch.item3.item4, left there by the upstream repair in FIXLOG.tsv); an unknown "
     "element of a Condition is not a resource, so no MOUD is seen"},
    {"OpioidCDSREC10/request-example-rec-10-pos-sickle-cell-exclusion.json",
     "the sickle-cell Condition is coded condition-category#sickle-cell, a placeholder that is "
     "in no sickle-cell value set, so nothing marks the patient as excluded"},
};

struct rec_row {
    char rec[32];
    int cases, agree, differ, failed;
};

struct state {
    char root[1024];
    struct pp_terms terms;
    struct pp_drug_codes codes;
    struct pp_policy policy;
    pp_day now;
    struct rec_row rows[32];
    size_t n_rows;
    int passed, differ, failed;
    bool listed_seen[sizeof(expected_to_differ) / sizeof(expected_to_differ[0])];
};

static struct rec_row *row_for(struct state *s, const char *rec)
{
    for (size_t i = 0; i < s->n_rows; i++)
        if (strcmp(s->rows[i].rec, rec) == 0)
            return &s->rows[i];
    assert_true(s->n_rows < sizeof(s->rows) / sizeof(s->rows[0]));
    snprintf(s->rows[s->n_rows].rec, sizeof(s->rows[0].rec), "%s", rec);
    return &s->rows[s->n_rows++];
}

/* "OpioidCDSREC10OrderSign" -> rec "REC10", hook "order-sign" (NULL: the request's own). */
static void folder_rec(const char *folder, char *rec, size_t n, const char **hook)
{
    const char *p = strstr(folder, "REC");
    size_t len = 0;

    *hook = NULL;
    assert_non_null(p);
    while (p[len] && (isdigit((unsigned char)p[len]) || p[len] == '_' ||
                      (len < 3 && isupper((unsigned char)p[len]))))
        len++;
    snprintf(rec, n, "%.*s", (int)len, p);
    if (strstr(folder, "PatientView"))
        *hook = "patient-view";
    else if (strstr(folder, "OrderSign"))
        *hook = "order-sign";
    else if (strstr(folder, "OrderSelect"))
        *hook = "order-select";
}

/* Does rule id `id` belong to the recommendation folder `rec` ("REC04_05", "REC10")? */
static bool rule_in_rec(const char *id, const char *rec)
{
    char want[16];
    const char *p = rec + 3;
    if (strncmp(id, "CDC22-REC", 9) != 0)
        return false;
    while (*p) {
        size_t len = strspn(p, "0123456789");
        snprintf(want, sizeof(want), "CDC22-REC%.*s", (int)len, p);
        if (strncmp(id, want, strlen(want)) == 0 &&
            (id[strlen(want)] == '\0' || id[strlen(want)] == '-'))
            return true;
        p += len;
        while (*p == '_')
            p++;
        if (len == 0)
            break;
    }
    return false;
}

/* The expectation from a file name: 1 fire, 0 not, -1 the name does not say. */
static int name_expectation(const char *rel, const char **why)
{
    static const char *const neg[] = {"-out-",     "-without-",   "exclusion",
                                      "less-than", "on-naloxone", "-not-"};
    static const char *const pos[] = {
        "-in-",          "-with-", "greater-than", "on-benzodiazepine", "substance-abuse",
        "no-screenings", "POS-",   "illicit"};
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    for (size_t i = 0; i < sizeof(name_hints) / sizeof(name_hints[0]); i++) {
        if (strcmp(rel, name_hints[i].file) == 0) {
            *why = name_hints[i].why;
            return name_hints[i].fire;
        }
    }
    for (size_t i = 0; i < sizeof(neg) / sizeof(neg[0]); i++) {
        if (strstr(base, neg[i])) {
            *why = "file name";
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
        if (strstr(base, pos[i])) {
            *why = "file name";
            return 1;
        }
    }
    return -1;
}

/* The paired response: 1 cards, 0 empty, -1 absent or broken JSON. */
static int response_expectation(const struct state *s, const char *rel, const char **why)
{
    char path[2048], folder[256];
    const char *slash = strchr(rel, '/'), *base;
    struct pp_buf b;
    struct pp_diag d;
    cJSON *root = NULL;
    int result = -1;

    if (!slash)
        return -1;
    base = slash + 1;
    if (strncmp(base, "request-", 8) != 0)
        return -1;
    snprintf(folder, sizeof(folder), "%.*s", (int)(slash - rel), rel);
    snprintf(path, sizeof(path), "%s/opioid-cds-r4/responses/%s/response-%s", s->root, folder,
             base + 8);
    pp_buf_init(&b, (size_t)64 << 20);
    if (pp_buf_read_file(&b, path, &d) == PP_OK) {
        if (pp_json_parse(b.data, b.len, path, &root, &d) == PP_OK) {
            const cJSON *cards = pp_json_arr(root, "cards");
            result = cards && cJSON_GetArraySize(cards) > 0;
            *why = result ? "paired response has a card" : "paired response has no cards";
        } else {
            *why = "paired response is broken JSON upstream";
        }
    }
    cJSON_Delete(root);
    pp_buf_release(&b);
    return result;
}

static const char *service_for_hook(const char *hook)
{
    if (strcmp(hook, "order-select") == 0)
        return "opioid-order-select";
    if (strcmp(hook, "order-sign") == 0)
        return "opioid-order-sign";
    if (strcmp(hook, "patient-view") == 0)
        return "opioid-patient-view";
    return NULL;
}

/* Check the response's shape and return whether a card of `rec` is in it. */
static bool response_has_rec(const char *json, const char *rec, const char *rel)
{
    struct pp_diag d;
    cJSON *root = NULL;
    const cJSON *cards, *card;
    bool found = false;

    if (pp_json_parse(json, strlen(json), rel, &root, &d) != PP_OK)
        fail_msg("%s: the response is not JSON: %s: %s", rel, d.where, d.what);
    cards = pp_json_arr(root, "cards");
    assert_non_null(cards);
    cJSON_ArrayForEach(card, cards)
    {
        const char *summary = pp_json_str(card, "summary");
        const char *indicator = pp_json_str(card, "indicator");
        const cJSON *topic = pp_json_obj(pp_json_obj(card, "source"), "topic");
        const char *code = pp_json_str(topic, "code");
        assert_non_null(pp_json_str(card, "uuid"));
        assert_non_null(summary);
        assert_true(strlen(summary) <= 140);
        assert_non_null(indicator);
        assert_non_null(pp_json_str(card, "detail"));
        assert_non_null(code);
        assert_string_equal(pp_json_str(topic, "system"), "urn:painpath:rule");
        if (rule_in_rec(code, rec))
            found = true;
    }
    cJSON_Delete(root);
    return found;
}

static void run_case(struct state *s, const char *path)
{
    const char *rel = path + strlen(s->root) + strlen("/opioid-cds-r4/requests/");
    char folder[256], rec[32];
    const char *hook, *why = NULL, *svc_id;
    const struct pp_cds_service *svc;
    struct pp_cds_env env = {s->now, &s->policy, &s->terms, &s->codes};
    struct pp_buf text, out;
    struct pp_findings fs;
    struct pp_diag d;
    cJSON *root = NULL;
    int expect;
    bool fired, listed = false;
    size_t listed_at = 0;
    struct rec_row *row;

    snprintf(folder, sizeof(folder), "%.*s", (int)(strchr(rel, '/') - rel), rel);
    folder_rec(folder, rec, sizeof(rec), &hook);
    row = row_for(s, rec);
    row->cases++;

    pp_buf_init(&text, (size_t)64 << 20);
    pp_buf_init(&out, PP_BUF_UNLIMITED);
    pp_findings_init(&fs);
    if (pp_buf_read_file(&text, path, &d) != PP_OK ||
        pp_json_parse(text.data, text.len, rel, &root, &d) != PP_OK)
        fail_msg("%s: %s: %s", rel, d.where, d.what);
    if (!hook)
        hook = pp_json_str(root, "hook");
    assert_non_null(hook);
    svc_id = service_for_hook(hook);
    if (!svc_id)
        fail_msg("%s: no painpath service for hook %s", rel, hook);
    svc = pp_cds_service_find(svc_id);
    if (pp_cds_service_run(svc, root, rel, &env, &fs, &out, &d) != PP_OK)
        fail_msg("%s: the service refused the request: %s: %s", rel, d.where, d.what);
    assert_int_equal(pp_buf_status(&out), PP_OK);
    fired = response_has_rec(out.data, rec, rel);

    expect = response_expectation(s, rel, &why);
    if (expect < 0) {
        const char *broken = why;
        expect = name_expectation(rel, &why);
        if (broken && expect >= 0) {
            static char both[256];
            snprintf(both, sizeof(both), "%s; %s", broken, why);
            why = both;
        }
    }
    if (expect < 0)
        fail_msg("%s: neither a response nor the name says what to expect; add it to "
                 "name_hints with a reason",
                 rel);
    for (size_t i = 0; i < sizeof(expected_to_differ) / sizeof(expected_to_differ[0]); i++) {
        if (strcmp(rel, expected_to_differ[i].file) == 0) {
            listed = true;
            listed_at = i;
            s->listed_seen[i] = true;
        }
    }
    if (fired == (expect == 1) && !listed) {
        row->agree++;
        s->passed++;
    } else if (fired != (expect == 1) && listed) {
        row->differ++;
        s->differ++;
        printf("  expected-to-differ %-80s %s (painpath %s, expected %s)\n      reason: %s\n", rel,
               rec, fired ? "fires" : "silent", expect ? "fire" : "silent",
               expected_to_differ[listed_at].why);
    } else {
        row->failed++;
        s->failed++;
        printf("  FAILED %s %s: painpath %s, expected %s (%s)%s\n", rel, rec,
               fired ? "fires" : "is silent", expect ? "a card" : "no card", why,
               listed ? " — listed as expected-to-differ but agrees now" : "");
        for (size_t i = 0; i < fs.n; i++)
            printf("      %s %s: %s\n", pp_severity_name(fs.items[i].severity), fs.items[i].rule_id,
                   fs.items[i].summary);
    }
    cJSON_Delete(root);
    pp_findings_release(&fs);
    pp_buf_release(&out);
    pp_buf_release(&text);
}

static void test_cdc_cases__every_request_agrees(void **unused)
{
    struct state *s = calloc(1, sizeof(*s));
    const char *root = getenv("PP_SHARED_DATA");
    char dir[1200];
    char **paths = NULL;
    size_t n = 0, skipped = 0;
    struct pp_diag d;
    struct pp_fhir_valueset_report rep;

    (void)unused;
    assert_non_null(s);
    if (!root || !*root)
        fail_msg("PP_SHARED_DATA is not set: it must name ../shared/data");
    snprintf(s->root, sizeof(s->root), "%s", root);
    pp_policy_init(&s->policy);
    pp_terms_init_builtin(&s->terms);
    pp_drug_codes_init(&s->codes);
    s->now = pp_day_from_ymd(2023, 5, 1);
    memset(&rep, 0, sizeof(rep));
    snprintf(dir, sizeof(dir), "%s/valuesets", root);
    if (pp_fhir_valuesets_load_dir(dir, &s->terms, &s->codes, &rep, &d) != PP_OK)
        fail_msg("value sets: %s: %s", d.where, d.what);
    assert_true(rep.sets_loaded > 40);

    snprintf(dir, sizeof(dir), "%s/opioid-cds-r4/requests", root);
    if (pp_fhir_list_dir(dir, &paths, &n, &skipped, &d) != PP_OK)
        fail_msg("%s: %s", d.where, d.what);
    printf(
        "CDC opioid CDS examples (cqframework/opioid-cds-r4), now = 2023-05-01, %zu value sets\n",
        rep.sets_loaded);
    for (size_t i = 0; i < n; i++) {
        const char *base = strrchr(paths[i], '/');
        if (strstr(paths[i], "/HelloWorld/") || (base && strcmp(base, "/FIXLOG.tsv") == 0))
            continue;
        run_case(s, paths[i]);
    }
    for (size_t i = 0; i < sizeof(expected_to_differ) / sizeof(expected_to_differ[0]); i++) {
        if (!s->listed_seen[i]) {
            printf("  FAILED expected-to-differ entry matches no request: %s\n",
                   expected_to_differ[i].file);
            s->failed++;
        }
    }
    printf("\n  %-10s %6s %6s %9s %7s\n", "rec", "cases", "agree", "disagree", "failed");
    for (size_t i = 0; i < s->n_rows; i++)
        printf("  %-10s %6d %6d %9d %7d\n", s->rows[i].rec, s->rows[i].cases, s->rows[i].agree,
               s->rows[i].differ + s->rows[i].failed, s->rows[i].failed);
    printf("\ncdc cases: %d passed, %d expected-to-differ, %d failed\n", s->passed, s->differ,
           s->failed);
    assert_true(s->passed + s->differ + s->failed > 60);
    assert_int_equal(s->failed, 0);
    pp_fhir_paths_free(paths, n);
    pp_terms_release(&s->terms);
    pp_drug_codes_release(&s->codes);
    free(s);
}

/* ---- the service's response shape and the CLI contract ------------------------------- */

static const char request_json[] =
    "{\"hookInstance\":\"h1\",\"hook\":\"order-sign\",\"context\":{\"userId\":"
    "\"Practitioner/1\",\"patientId\":\"Patient/p1\",\"draftOrders\":{\"resourceType\":"
    "\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":{\"resourceType\":"
    "\"MedicationRequest\",\"id\":\"d1\",\"status\":\"draft\",\"intent\":\"order\","
    "\"category\":[{\"coding\":[{\"code\":\"community\"}]}],\"medicationCodeableConcept\":"
    "{\"coding\":[{\"system\":\"http://www.nlm.nih.gov/research/umls/rxnorm\",\"code\":"
    "\"1049621\",\"display\":\"oxycodone hydrochloride 5 MG Oral Tablet\"}]},\"subject\":"
    "{\"reference\":\"Patient/p1\"},\"authoredOn\":\"2023-05-01\",\"dosageInstruction\":"
    "[{\"timing\":{\"repeat\":{\"frequency\":1,\"period\":4,\"periodUnit\":\"h\"}},"
    "\"doseAndRate\":[{\"doseQuantity\":{\"value\":2,\"unit\":\"tablet\"}}]}],"
    "\"dispenseRequest\":{\"numberOfRepeatsAllowed\":1,\"quantity\":{\"value\":96,"
    "\"unit\":\"tablet\"},\"expectedSupplyDuration\":{\"value\":8,\"unit\":\"days\","
    "\"system\":\"http://unitsofmeasure.org\",\"code\":\"d\"}}}}]}},\"prefetch\":{\"patient\":"
    "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"birthDate\":\"1970-01-01\"}}}";

/* Run opioid-order-sign on request_json; the response text (caller frees). */
static char *respond(void)
{
    struct pp_policy p;
    struct pp_terms t;
    struct pp_findings fs;
    struct pp_buf out;
    struct pp_diag d;
    struct pp_cds_env env;
    cJSON *root = NULL;
    char *text;

    pp_policy_init(&p);
    pp_terms_init_builtin(&t);
    pp_findings_init(&fs);
    pp_buf_init(&out, PP_BUF_UNLIMITED);
    env.now = pp_day_from_ymd(2023, 5, 1);
    env.policy = &p;
    env.terms = &t;
    env.codes = NULL;
    assert_int_equal(pp_json_parse(request_json, strlen(request_json), "req", &root, &d), PP_OK);
    if (pp_cds_service_run(pp_cds_service_find("opioid-order-sign"), root, "req", &env, &fs, &out,
                           &d) != PP_OK)
        fail_msg("%s: %s", d.where, d.what);
    text = pp_buf_detach(&out, NULL);
    cJSON_Delete(root);
    pp_findings_release(&fs);
    pp_terms_release(&t);
    return text;
}

static const cJSON *card_of(const cJSON *root, const char *rule)
{
    const cJSON *card;
    cJSON_ArrayForEach(card, pp_json_arr(root, "cards"))
    {
        const cJSON *topic = pp_json_obj(pp_json_obj(card, "source"), "topic");
        if (strcmp(pp_json_str(topic, "code"), rule) == 0)
            return card;
    }
    fail_msg("no %s card", rule);
    return NULL;
}

static const cJSON *first_action(const cJSON *card)
{
    const cJSON *sugg = cJSON_GetArrayItem(pp_json_arr(card, "suggestions"), 0);
    assert_non_null(sugg);
    assert_non_null(pp_json_str(sugg, "uuid"));
    return cJSON_GetArrayItem(pp_json_arr(sugg, "actions"), 0);
}

static void test_cdc_cases__cards_and_actions(void **unused)
{
    char *a = respond(), *b = respond();
    struct pp_diag d;
    cJSON *root = NULL;
    const cJSON *card, *action, *res, *disp;
    double v;

    (void)unused;
    assert_string_equal(a, b); /* deterministic uuids */
    assert_int_equal(pp_json_parse(a, strlen(a), "response", &root, &d), PP_OK);
    /* 2 tablets of 5 mg every 4 h = 60 mg/day oxycodone = 90 MME/day, 8 days for acute pain */
    card = card_of(root, "CDC22-REC06");
    assert_string_equal(pp_json_str(card, "indicator"), "warning");
    assert_string_equal(pp_json_str(card, "selectionBehavior"), "at-most-one");
    assert_non_null(strstr(pp_json_str(card, "detail"), "CLINICAL-FACTS"));
    assert_non_null(pp_json_str(pp_json_obj(card, "source"), "url"));
    action = first_action(card);
    assert_string_equal(pp_json_str(action, "type"), "update");
    res = pp_json_obj(action, "resource");
    assert_string_equal(pp_json_str(res, "id"), "d1");
    disp = pp_json_obj(res, "dispenseRequest");
    assert_true(pp_json_num(pp_json_obj(disp, "expectedSupplyDuration"), "value", &v) && v == 7);
    assert_true(pp_json_num(pp_json_obj(disp, "quantity"), "value", &v) && v == 84);
    assert_true(pp_json_num(disp, "numberOfRepeatsAllowed", &v) && v == 0);
    /* naloxone: a draft MedicationRequest for the patient */
    card = card_of(root, "CDC22-REC08");
    action = first_action(card);
    assert_string_equal(pp_json_str(action, "type"), "create");
    res = pp_json_obj(action, "resource");
    assert_string_equal(pp_json_str(res, "resourceType"), "MedicationRequest");
    assert_string_equal(pp_json_str(pp_json_obj(res, "subject"), "reference"), "Patient/p1");
    assert_non_null(pp_json_obj(res, "medicationCodeableConcept"));
    /* the practice's short course: also an update to 7 days */
    action = first_action(card_of(root, "PRACTICE-SHORT-COURSE"));
    assert_string_equal(pp_json_str(action, "type"), "update");
    cJSON_Delete(root);
    free(a);
    free(b);
}

static void test_cdc_cases__discovery(void **unused)
{
    struct pp_buf b;
    struct pp_diag d;
    cJSON *root = NULL;
    const cJSON *svc;
    int n = 0;

    (void)unused;
    pp_buf_init(&b, PP_BUF_UNLIMITED);
    pp_cds_discovery_write(&b);
    assert_int_equal(pp_json_parse(b.data, b.len, "discovery", &root, &d), PP_OK);
    cJSON_ArrayForEach(svc, pp_json_arr(root, "services"))
    {
        const cJSON *pre = pp_json_obj(svc, "prefetch");
        assert_non_null(pp_cds_service_find(pp_json_str(svc, "id")));
        assert_string_equal(pp_cds_service_find(pp_json_str(svc, "id"))->hook,
                            pp_json_str(svc, "hook"));
        assert_non_null(pp_json_str(svc, "title"));
        assert_non_null(pp_json_str(svc, "description"));
        assert_string_equal(pp_json_str(pre, "patient"), "Patient/{{context.patientId}}");
        if (strncmp(pp_json_str(svc, "id"), "opioid-", 7) == 0) {
            assert_non_null(pp_json_str(pre, "medicationRequests"));
            assert_non_null(pp_json_str(pre, "labObservations"));
            n++;
        }
    }
    assert_int_equal(n, 3);
    cJSON_Delete(root);
    pp_buf_release(&b);
}

/* Run `painpath cds ARGS < input`; exit code, stdout and stderr (caller frees). */
static int run_cli(const char *args, const char *input, char **out, char **err)
{
    const char *bin = getenv("PP_BIN");
    char in_path[] = "/tmp/pp_cds_in_XXXXXX", out_path[] = "/tmp/pp_cds_out_XXXXXX",
         err_path[] = "/tmp/pp_cds_err_XXXXXX";
    char cmd[4096];
    int fd, status;
    struct pp_buf b;
    struct pp_diag d;
    FILE *f;

    if (!bin || !*bin)
        fail_msg("PP_BIN is not set: it must name the painpath binary");
    fd = mkstemp(in_path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    fputs(input, f);
    fclose(f);
    fd = mkstemp(out_path);
    close(fd);
    fd = mkstemp(err_path);
    close(fd);
    snprintf(cmd, sizeof(cmd), "'%s' cds %s <'%s' >'%s' 2>'%s'", bin, args, in_path, out_path,
             err_path);
    status = system(cmd);
    pp_buf_init(&b, PP_BUF_UNLIMITED);
    assert_int_equal(pp_buf_read_file(&b, out_path, &d), PP_OK);
    *out = pp_buf_detach(&b, NULL);
    assert_int_equal(pp_buf_read_file(&b, err_path, &d), PP_OK);
    *err = pp_buf_detach(&b, NULL);
    unlink(in_path);
    unlink(out_path);
    unlink(err_path);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_cdc_cases__cli_contract(void **unused)
{
    char *out, *err;
    (void)unused;

    assert_int_equal(run_cli("opioid-order-sign --now 2023-05-01", request_json, &out, &err), 0);
    assert_non_null(strstr(out, "\"cards\""));
    assert_non_null(strstr(out, "CDC22-REC06"));
    free(out);
    free(err);

    /* malformed JSON: line:column and what was expected, nothing on stdout */
    assert_int_equal(
        run_cli("opioid-order-sign", "{\"hook\": \"order-sign\",\n  \"context\": }", &out, &err),
        2);
    assert_string_equal(out, "");
    assert_non_null(strstr(err, "<stdin>:2:14"));
    free(out);
    free(err);

    /* valid JSON that is not a CDS Hooks request: the field is named */
    assert_int_equal(run_cli("opioid-order-sign", "{\"resourceType\": \"Patient\"}", &out, &err),
                     2);
    assert_string_equal(out, "");
    assert_non_null(strstr(err, "hook"));
    free(out);
    free(err);
    assert_int_equal(run_cli("opioid-order-sign", "[1, 2]", &out, &err), 2);
    assert_string_equal(out, "");
    free(out);
    free(err);

    /* a request for another hook */
    assert_int_equal(run_cli("opioid-patient-view", request_json, &out, &err), 2);
    assert_string_equal(out, "");
    assert_non_null(strstr(err, "patient-view"));
    free(out);
    free(err);

    /* unknown service, missing service */
    assert_int_equal(run_cli("opioid-encounter-start", request_json, &out, &err), 2);
    assert_non_null(strstr(err, "unknown service"));
    free(out);
    free(err);
    assert_int_equal(run_cli("", request_json, &out, &err), 2);
    free(out);
    free(err);

    /* discovery */
    assert_int_equal(run_cli("--list", "", &out, &err), 0);
    assert_non_null(strstr(out, "\"opioid-patient-view\""));
    free(out);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cdc_cases__every_request_agrees),
        cmocka_unit_test(test_cdc_cases__cards_and_actions),
        cmocka_unit_test(test_cdc_cases__discovery),
        cmocka_unit_test(test_cdc_cases__cli_contract),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
