/*
 * cmd_summary.c — `painpath summary`: the pain management summary (AHRQ CDS
 * Connect Pain Management Summary content, CLINICAL-FACTS S46) of each patient
 * in FHIR R4 input, at --now. Also the stop-gap FHIR normalisation the summary
 * needs until fhir/convert.c reads Observation.issued, Observation.component
 * and Encounter.reasonCode (see docs/cli-summary.md).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/run.h"
#include "clinical/summary.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/json.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: painpath summary [--now YYYY-MM-DD] [--format table|json] [--policy FILE]\n"
            "                        [--valuesets DIR] PATH...\n"
            "       painpath summary --example\n"
            "The pain management summary (AHRQ CDS Connect Pain Management Summary content) of\n"
            "each patient in the FHIR R4 files or directories, evaluated at --now.\n");
}

static const char example_bundle[] =
    "{\"resourceType\": \"Bundle\", \"type\": \"collection\", \"entry\": [\n"
    " {\"resource\": {\"resourceType\": \"Patient\", \"id\": \"ex1\", \"gender\": \"female\",\n"
    "   \"birthDate\": \"1960-05-01\"}},\n"
    " {\"resource\": {\"resourceType\": \"Condition\", \"id\": \"c1\",\n"
    "   \"subject\": {\"reference\": \"Patient/ex1\"},\n"
    "   \"clinicalStatus\": {\"coding\": [{\"code\": \"active\"}]},\n"
    "   \"verificationStatus\": {\"coding\": [{\"code\": \"confirmed\"}]},\n"
    "   \"code\": {\"coding\": [{\"system\": \"http://snomed.info/sct\", \"code\": "
    "\"203082005\",\n"
    "     \"display\": \"Fibromyalgia (disorder)\"}]}, \"onsetDateTime\": \"2015-03-01\"}},\n"
    " {\"resource\": {\"resourceType\": \"Observation\", \"id\": \"peg1\", \"status\": "
    "\"final\",\n"
    "   \"subject\": {\"reference\": \"Patient/ex1\"},\n"
    "   \"code\": {\"coding\": [{\"system\": \"http://loinc.org\", \"code\": \"91147-9\",\n"
    "     \"display\": \"Mean score [PEG]\"}]}, \"effectiveDateTime\": \"2018-11-01\",\n"
    "   \"valueQuantity\": {\"value\": 6},\n"
    "   \"component\": [\n"
    "    {\"code\": {\"coding\": [{\"system\": \"http://loinc.org\", \"code\": \"75893-8\"}]},\n"
    "     \"valueQuantity\": {\"value\": 7}},\n"
    "    {\"code\": {\"coding\": [{\"system\": \"http://loinc.org\", \"code\": \"91145-3\"}]},\n"
    "     \"valueQuantity\": {\"value\": 6}},\n"
    "    {\"code\": {\"coding\": [{\"system\": \"http://loinc.org\", \"code\": \"91146-1\"}]},\n"
    "     \"valueQuantity\": {\"value\": 5}}]}},\n"
    " {\"resource\": {\"resourceType\": \"MedicationRequest\", \"id\": \"m1\", \"status\": "
    "\"active\",\n"
    "   \"intent\": \"order\", \"subject\": {\"reference\": \"Patient/ex1\"},\n"
    "   \"medicationCodeableConcept\": {\"coding\": [{\"system\":\n"
    "     \"http://www.nlm.nih.gov/research/umls/rxnorm\", \"code\": \"197806\",\n"
    "     \"display\": \"Ibuprofen 600 MG Oral Tablet\"}]}, \"authoredOn\": \"2018-10-15\"}}\n"
    "]}\n";

/* ---- the normalisation ---------------------------------------------------------------- */

/* ---- output --------------------------------------------------------------------------- */

static void json_risks(struct pp_buf *b, unsigned bits)
{
    bool first = true;
    pp_buf_addc(b, '[');
    for (unsigned bit = 1; bit && bit <= PP_SUMRISK_DRUG_SCREEN; bit <<= 1) {
        if (!(bits & bit))
            continue;
        pp_buf_adds(b, first ? "" : ", ");
        pp_buf_add_json_str(b, pp_summary_risk_name(bit));
        first = false;
    }
    pp_buf_addc(b, ']');
}

static const char *const peg_keys[PP_PEG_N] = {"pain", "enjoyment_of_life", "general_activity"};

static void json_item(struct pp_buf *b, enum pp_summary_section sec,
                      const struct pp_summary_item *it)
{
    pp_buf_adds(b, "{\"type\": ");
    pp_buf_add_json_str(b, pp_summary_source_name(it->source));
    pp_buf_adds(b, ", \"id\": ");
    pp_cli_json_str_or_null(b, it->id);
    pp_buf_adds(b, ", \"name\": ");
    pp_cli_json_str_or_null(b, it->name);
    pp_buf_adds(b, ", \"code\": ");
    pp_cli_json_str_or_null(b, it->code);
    pp_buf_adds(b, ", \"status\": ");
    pp_cli_json_str_or_null(b, it->status);
    pp_buf_adds(b, ", \"date\": ");
    pp_buf_add_json_day(b, it->date);
    if (sec == PP_SUM_CHRONIC_PAIN_CONDITIONS || sec == PP_SUM_RISK_FACTORS) {
        pp_buf_adds(b, ", \"recorded\": ");
        pp_buf_add_json_day(b, it->recorded);
    }
    if (sec == PP_SUM_RISK_FACTORS) {
        pp_buf_adds(b, ", \"risk\": ");
        json_risks(b, it->risk);
    }
    if (it->source == PP_SUMSRC_OBSERVATION) {
        pp_buf_adds(b, ", \"value\": ");
        pp_cli_json_num_or_null(b, it->has_value ? it->value : NAN);
        pp_buf_adds(b, ", \"unit\": ");
        pp_cli_json_str_or_null(b, it->unit);
        pp_buf_adds(b, ", \"value_text\": ");
        pp_cli_json_str_or_null(b, it->value_text);
        pp_buf_adds(b, ", \"interpretation\": ");
        pp_cli_json_str_or_null(b, it->interpretation);
    }
    if (sec == PP_SUM_PEG) {
        pp_buf_adds(b, ", \"items\": {");
        for (int j = 0; j < PP_PEG_N; j++) {
            pp_buf_addf(b, "%s\"%s\": ", j ? ", " : "", peg_keys[j]);
            pp_cli_json_num_or_null(b, it->has_item[j] ? it->item[j] : NAN);
        }
        pp_buf_addc(b, '}');
    }
    pp_buf_addc(b, '}');
}

static void print_json(struct pp_buf *b, const struct pp_record *r, const struct pp_summary *s,
                       const struct pp_findings *fs)
{
    pp_buf_adds(b, "{\"patient\": ");
    pp_cli_json_str_or_null(b, r->patient.id);
    pp_buf_adds(b, ", \"now\": ");
    pp_buf_add_json_day(b, s->now);
    pp_buf_adds(b, ", \"gender\": ");
    pp_cli_json_str_or_null(b, r->patient.gender);
    pp_buf_adds(b, ", \"age\": ");
    if (s->age >= 0)
        pp_buf_addf(b, "%d", s->age);
    else
        pp_buf_adds(b, "null");
    pp_buf_addf(b,
                ", \"meets_inclusion\": %s, \"inclusion\": {\"adult\": %s, "
                "\"chronic_pain_condition\": %s, \"recent_opioid\": %s, "
                "\"recent_adjuvant\": %s}",
                s->meets_inclusion ? "true" : "false", s->adult ? "true" : "false",
                s->has_chronic_pain_condition ? "true" : "false",
                s->recent_opioid ? "true" : "false", s->recent_adjuvant ? "true" : "false");
    pp_buf_adds(b, ", \"risk_flags\": ");
    json_risks(b, s->risk_flags);
    pp_buf_adds(b, ", \"computed_mme_per_day\": ");
    pp_cli_json_num_or_null(b, s->computed_mme);
    pp_buf_addf(b, ", \"computed_mme_complete\": %s, \"sections\": {",
                s->computed_mme_complete ? "true" : "false");
    for (int i = 0; i < PP_SUM_COUNT; i++) {
        const struct pp_summary_list *l = &s->sections[i];
        pp_buf_addf(b, "%s\"%s\": [", i ? ", " : "", pp_summary_section_key(i));
        for (size_t j = 0; j < l->n; j++) {
            pp_buf_adds(b, j ? ", " : "");
            json_item(b, i, &l->items[j]);
        }
        pp_buf_addc(b, ']');
    }
    pp_buf_adds(b, "}, \"findings\": ");
    pp_cli_findings_json(b, fs);
    pp_buf_adds(b, "}\n");
}

static void print_table(struct pp_buf *b, const struct pp_record *r, const struct pp_summary *s,
                        const struct pp_findings *fs)
{
    char day[11];
    pp_day_format(s->now, day);
    pp_buf_addf(b, "%s  %s, age %d, on %s: %s\n", r->patient.id ? r->patient.id : "(no id)",
                r->patient.gender ? r->patient.gender : "gender unknown", s->age, day,
                s->meets_inclusion ? "in the summary's population"
                                   : "outside the summary's population");
    pp_buf_adds(b, "  computed MME/day: ");
    if (isfinite(s->computed_mme))
        pp_buf_add_num2(b, s->computed_mme);
    else
        pp_buf_adds(b, "none");
    pp_buf_adds(b, s->computed_mme_complete ? "\n" : " (incomplete)\n");
    for (int i = 0; i < PP_SUM_COUNT; i++) {
        const struct pp_summary_list *l = &s->sections[i];
        pp_buf_addf(b, "  %s: %zu\n", pp_summary_section_key(i), l->n);
        for (size_t j = 0; j < l->n; j++) {
            const struct pp_summary_item *it = &l->items[j];
            pp_day_format(it->date, day);
            pp_buf_addf(b, "    %-10s %-11s %s", day[0] ? day : "-",
                        pp_summary_source_name(it->source), it->name ? it->name : "");
            if (it->has_value) {
                pp_buf_adds(b, " = ");
                pp_buf_add_num2(b, it->value);
                if (it->unit)
                    pp_buf_addf(b, " %s", it->unit);
            }
            if (it->value_text)
                pp_buf_addf(b, " = %s", it->value_text);
            if (it->interpretation)
                pp_buf_addf(b, " (%s)", it->interpretation);
            if (i == PP_SUM_PEG) {
                for (int k = 0; k < PP_PEG_N; k++) {
                    if (it->has_item[k]) {
                        pp_buf_addf(b, " %s ", peg_keys[k]);
                        pp_buf_add_num2(b, it->item[k]);
                    }
                }
            }
            pp_buf_adds(b, "\n");
        }
    }
    pp_cli_findings_table(b, fs);
    pp_buf_adds(b, "\n");
}

static int per_patient(const struct pp_record *r, const struct pp_cli_opts *o, struct pp_buf *out)
{
    struct pp_summary s;
    struct pp_findings fs;
    int rc = 0;

    pp_summary_init(&s);
    pp_findings_init(&fs);
    if (pp_summary_build(r, o->now, &o->policy, &o->terms, &o->codes, &s) != PP_OK) {
        pp_buf_addf(out, "painpath summary: %s: the summary could not be built\n",
                    r->patient.id ? r->patient.id : "(no id)");
        rc = 1;
    } else {
        pp_summary_findings(&s, &o->policy, &fs);
        rc = pp_cli_findings_critical(&fs) ? 1 : 0;
        if (o->format == PP_FORMAT_JSON)
            print_json(out, r, &s, &fs);
        else
            print_table(out, r, &s, &fs);
    }
    pp_findings_release(&fs);
    pp_summary_release(&s);
    return rc;
}

int pp_cmd_summary(int argc, char **argv)
{
    static const struct pp_cli_spec spec = {"summary", usage, example_bundle, NULL, per_patient};
    return pp_cli_main(&spec, argc, argv);
}
