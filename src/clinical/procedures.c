/*
 * procedures.c — the procedure catalogue as one static table, and its lookups.
 * Codes come only from CLINICAL-FACTS §2.6 (CPT, HCPCS G0260); the sheet gives no
 * SNOMED CT procedure code for any of these, so every snomed is NULL (never guessed).
 * Coverage limits (levels per session, sessions per year) belong to coverage.c, not here.
 */
#include <string.h>

#include "clinical/procedures.h"

#define FL PP_GUIDE_FLUORO
#define CT PP_GUIDE_CT
#define US PP_GUIDE_US
#define LM PP_GUIDE_LANDMARK
#define DX PP_PURPOSE_DIAGNOSTIC
#define TX PP_PURPOSE_THERAPEUTIC
#define TRIAL PP_PURPOSE_TRIAL

/* Why an entry has no CPT code: the sheet's code table (§2.6) does not list one. */
#define NO_CPT "CLINICAL-FACTS §2.6 lists no CPT code for this procedure; add it when sourced"
/* Image guidance for the spine procedures: fluoroscopy or CT; ultrasound is not covered. */
#define SRC_ESI_GUIDE                                                                              \
    "§0 ESI prerequisites (CT or fluoroscopy with contrast), §2.2 imaging guidance"
#define SRC_FACET_GUIDE "§2.3 guidance (fluoroscopy or CT; ultrasound facet injections not covered)"
/* Entries the sheet has no row for: DESIGN.md names the procedure and the three modalities. */
#define SRC_DESIGN                                                                                 \
    "DESIGN.md (therapeutic interventions; image guidance: ultrasound, fluoroscopy, CT)"

/* clang-format off */
static const struct pp_proc_entry catalogue[] = {
    /* --- epidural steroid injections (§2.2; codes §2.6) --- */
    {"esi-il-cervical", "Interlaminar epidural steroid injection, cervical",
     {"62321", "62320", NULL}, NULL, NULL,
     "62321 with imaging guidance (covered); 62320 without imaging is listed for lookup only",
     PP_REGION_CERVICAL, "C1", "C8", PP_LAT_MIDLINE, FL | CT, TX,
     "§2.6 62320/62321; " SRC_ESI_GUIDE "; §0 ESI limits (interlaminar never bilateral)"},
    {"esi-il-thoracic", "Interlaminar epidural steroid injection, thoracic",
     {"62321", "62320", NULL}, NULL, NULL,
     "62321/62320 cover cervical or thoracic",
     PP_REGION_THORACIC, "T1", "T12", PP_LAT_MIDLINE, FL | CT, TX,
     "§2.6 62320/62321; " SRC_ESI_GUIDE "; §0 ESI limits"},
    {"esi-il-lumbar", "Interlaminar epidural steroid injection, lumbar",
     {"62323", "62322", NULL}, NULL, NULL,
     "62323 with imaging guidance; 62322 without imaging is listed for lookup only",
     PP_REGION_LUMBAR, "L1", "S1", PP_LAT_MIDLINE, FL | CT, TX,
     "§2.6 62322/62323; " SRC_ESI_GUIDE "; §0 ESI limits"},
    {"esi-caudal", "Caudal epidural steroid injection",
     {"62323", "62322", NULL}, NULL, NULL,
     "62322/62323 cover lumbar or sacral (caudal)",
     PP_REGION_SACRAL, "S1", "S5", PP_LAT_MIDLINE, FL | CT, TX,
     "§2.6 62322/62323; " SRC_ESI_GUIDE "; §0 ESI limits (caudal 1 level, never bilateral)"},
    {"esi-tf-cervical", "Transforaminal epidural steroid injection, cervical",
     {"64479", "64480", NULL}, NULL, NULL,
     "64479 single level, 64480 each additional level (cervical or thoracic)",
     PP_REGION_CERVICAL, "C1", "C8", PP_LAT_EITHER, FL | CT, DX | TX,
     "§2.6 64479/64480; " SRC_ESI_GUIDE "; §2.2 levels (unilateral or bilateral), billing "
     "(diagnostic selective nerve root block)"},
    {"esi-tf-thoracic", "Transforaminal epidural steroid injection, thoracic",
     {"64479", "64480", NULL}, NULL, NULL,
     "64479 single level, 64480 each additional level (cervical or thoracic)",
     PP_REGION_THORACIC, "T1", "T12", PP_LAT_EITHER, FL | CT, DX | TX,
     "§2.6 64479/64480; " SRC_ESI_GUIDE "; §2.2 levels, billing (SNRB)"},
    {"esi-tf-lumbar", "Transforaminal epidural steroid injection, lumbar/sacral",
     {"64483", "64484", NULL}, NULL, NULL,
     "64483 single level, 64484 each additional level (lumbar or sacral)",
     PP_REGION_LUMBAR, "L1", "S5", PP_LAT_EITHER, FL | CT, DX | TX,
     "§2.6 64483/64484; " SRC_ESI_GUIDE "; §2.2 levels, billing (SNRB)"},
    /* --- medial branch blocks and facet joint injections (§2.3; codes §2.6) --- */
    {"mbb-cervical", "Medial branch block, cervical",
     {"64490", "64491", "64492", NULL}, NULL, NULL,
     "64490/64491/64492 first/second/third+ level, cervical or thoracic (64492 not covered under "
     "the MAC 2-level limit)",
     PP_REGION_CERVICAL, "C1", "C8", PP_LAT_EITHER, FL | CT, DX,
     "§2.6 64490-64492; " SRC_FACET_GUIDE "; §2.3 initial thermal RFA (diagnostic MBBs)"},
    {"mbb-thoracic", "Medial branch block, thoracic",
     {"64490", "64491", "64492", NULL}, NULL, NULL,
     "64490/64491/64492 cover cervical or thoracic",
     PP_REGION_THORACIC, "T1", "T12", PP_LAT_EITHER, FL | CT, DX,
     "§2.6 64490-64492; " SRC_FACET_GUIDE},
    {"mbb-lumbar", "Medial branch block, lumbar/sacral",
     {"64493", "64494", "64495", NULL}, NULL, NULL,
     "64493/64494/64495 first/second/third+ level, lumbar or sacral",
     PP_REGION_LUMBAR, "L1", "S1", PP_LAT_EITHER, FL | CT, DX,
     "§2.6 64493-64495; " SRC_FACET_GUIDE "; §2.3 initial thermal RFA (diagnostic MBBs)"},
    {"facet-ia-cervical", "Facet (zygapophysial) joint injection, intra-articular, cervical",
     {"64490", "64491", "64492", NULL}, NULL, NULL,
     "the facet injection codes are shared with medial branch blocks",
     PP_REGION_CERVICAL, "C1", "C8", PP_LAT_EITHER, FL | CT, DX | TX,
     "§2.6 64490-64492; " SRC_FACET_GUIDE "; §2.3 therapeutic IA facet injection"},
    {"facet-ia-thoracic", "Facet (zygapophysial) joint injection, intra-articular, thoracic",
     {"64490", "64491", "64492", NULL}, NULL, NULL,
     "the facet injection codes are shared with medial branch blocks",
     PP_REGION_THORACIC, "T1", "T12", PP_LAT_EITHER, FL | CT, DX | TX,
     "§2.6 64490-64492; " SRC_FACET_GUIDE "; §2.3 therapeutic IA facet injection"},
    {"facet-ia-lumbar", "Facet (zygapophysial) joint injection, intra-articular, lumbar/sacral",
     {"64493", "64494", "64495", NULL}, NULL, NULL,
     "the facet injection codes are shared with medial branch blocks",
     PP_REGION_LUMBAR, "L1", "S1", PP_LAT_EITHER, FL | CT, DX | TX,
     "§2.6 64493-64495; " SRC_FACET_GUIDE "; §2.3 therapeutic IA facet injection"},
    /* --- radiofrequency ablation --- */
    {"rfa-mb-cervical", "Radiofrequency ablation of medial branches, cervical/thoracic",
     {"64633", "64634", NULL}, NULL, NULL,
     "64633 single joint, 64634 each additional joint (cervical or thoracic)",
     PP_REGION_CERVICAL, "C1", "T12", PP_LAT_EITHER, FL | CT, TX,
     "§2.6 64633/64634; §2.3 regions, " SRC_FACET_GUIDE},
    {"rfa-mb-lumbar", "Radiofrequency ablation of medial branches, lumbar/sacral",
     {"64635", "64636", NULL}, NULL, NULL,
     "64635 single joint, 64636 each additional joint (lumbar or sacral)",
     PP_REGION_LUMBAR, "L1", "S1", PP_LAT_EITHER, FL | CT, TX,
     "§2.6 64635/64636; §2.3 regions, " SRC_FACET_GUIDE},
    {"rfa-genicular", "Genicular nerve radiofrequency ablation (knee)",
     {NULL}, NULL, NULL, NO_CPT,
     PP_REGION_KNEE, NULL, NULL, PP_LAT_EITHER, FL | CT | US, TX,
     SRC_DESIGN "; no CLINICAL-FACTS row for genicular RFA"},
    /* --- sacroiliac joint (§2.4; codes §2.6) --- */
    {"sij-injection", "Sacroiliac joint injection (anesthetic/steroid)",
     {"27096", NULL}, "G0260", NULL,
     "27096 with imaging (fluoroscopy/CT); G0260 is the ASC/hospital outpatient code",
     PP_REGION_SI_JOINT, NULL, NULL, PP_LAT_EITHER, FL | CT, DX | TX,
     "§2.6 27096, G0260; §2.4 guidance (ultrasound only with contrast allergy or pregnancy), "
     "diagnostic and therapeutic SIJI"},
    {"rfa-sij", "Radiofrequency ablation of the nerves innervating the sacroiliac joint",
     {"64625", NULL}, NULL, NULL,
     "64625 with imaging; not covered in the Medicare SI joint LCDs (§2.4)",
     PP_REGION_SI_JOINT, NULL, NULL, PP_LAT_EITHER, FL | CT, TX,
     "§2.6 64625; §2.4 SIJ RFA not covered"},
    {"sij-nerve-block", "Block of the nerves innervating the sacroiliac joint",
     {"64451", NULL}, NULL, NULL,
     "64451 with imaging; coverage unconfirmed (§2.4)",
     PP_REGION_SI_JOINT, NULL, NULL, PP_LAT_EITHER, FL | CT, DX,
     "§2.6 64451; §0 SI joint (64451 covered with 27096)"},
    /* --- soft tissue, joints, nerves --- */
    {"trigger-point", "Trigger point injection",
     {NULL}, NULL, NULL, NO_CPT,
     PP_REGION_MUSCLE, NULL, NULL, PP_LAT_EITHER, LM | US, TX,
     "DESIGN.md (trigger point injections); no CLINICAL-FACTS row (guidance by palpation, or "
     "ultrasound: practice convention)"},
    {"joint-injection-large", "Large-joint corticosteroid injection (knee, hip, shoulder)",
     {NULL}, NULL, NULL, NO_CPT,
     PP_REGION_LARGE_JOINT, NULL, NULL, PP_LAT_EITHER, FL | CT | US, DX | TX,
     "DESIGN.md (cortisone joint injections; diagnostic joint injection); no CLINICAL-FACTS row"},
    {"peripheral-nerve-block", "Peripheral nerve block",
     {NULL}, NULL, NULL, NO_CPT,
     PP_REGION_PERIPHERAL, NULL, NULL, PP_LAT_EITHER, FL | CT | US, DX | TX,
     SRC_DESIGN "; no CLINICAL-FACTS row"},
    /* --- sympathetic blocks --- */
    {"stellate-ganglion-block", "Stellate ganglion (cervicothoracic sympathetic) block",
     {NULL}, NULL, NULL, NO_CPT,
     PP_REGION_CERVICAL, NULL, NULL, PP_LAT_UNILATERAL, FL | US | CT, DX | TX,
     SRC_DESIGN "; no CLINICAL-FACTS row (unilateral: practice convention, one side at a time)"},
    {"lumbar-sympathetic-block", "Lumbar sympathetic block",
     {NULL}, NULL, NULL, NO_CPT,
     PP_REGION_LUMBAR, NULL, NULL, PP_LAT_EITHER, FL | CT | US, DX | TX,
     SRC_DESIGN "; no CLINICAL-FACTS row"},
    /* --- neuromodulation (§2.5; codes §2.6) --- */
    {"scs-trial", "Spinal cord stimulation trial (percutaneous electrode array)",
     {"63650", NULL}, NULL, NULL,
     "63650 percutaneous electrode array; 2 trials per region per lifetime (§2.5)",
     PP_REGION_SPINE, NULL, NULL, PP_LAT_MIDLINE, FL, TRIAL,
     "§2.6 63650; §2.5 NCD 160.7 (trial before implant), limits (63650 trials); guidance: no "
     "CLINICAL-FACTS row (percutaneous leads are placed under fluoroscopy)"},
    {"scs-implant", "Spinal cord stimulator implant (leads and pulse generator)",
     {"63650", "63655", "63685", NULL}, NULL, NULL,
     "63650 percutaneous array or 63655 paddle (laminectomy), with 63685 pulse generator",
     PP_REGION_SPINE, NULL, NULL, PP_LAT_MIDLINE, FL, TX,
     "§2.6 63650, 63655, 63685; §2.5 NCD 160.7 conditions, limits; guidance: no CLINICAL-FACTS "
     "row"},
    {"drg-stimulation", "Dorsal root ganglion stimulation (trial, then implant)",
     {NULL}, NULL, NULL, NO_CPT,
     PP_REGION_SPINE, NULL, NULL, PP_LAT_EITHER, FL, TRIAL | TX,
     "DESIGN.md (dorsal root ganglion stimulation, trial then implant); no CLINICAL-FACTS row; "
     "no DRG-specific code in §2.6"},
};
/* clang-format on */

#define N_CATALOGUE (sizeof(catalogue) / sizeof(catalogue[0]))

const struct pp_proc_entry *pp_procedures_all(size_t *count)
{
    *count = N_CATALOGUE;
    return catalogue;
}

const struct pp_proc_entry *pp_procedure_by_id(const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < N_CATALOGUE; i++)
        if (strcmp(catalogue[i].id, id) == 0)
            return &catalogue[i];
    return NULL;
}

static bool lists_code(const struct pp_proc_entry *p, const char *code)
{
    for (size_t k = 0; k < PP_PROC_MAX_CPT && p->cpt[k]; k++)
        if (strcmp(p->cpt[k], code) == 0)
            return true;
    return p->hcpcs && strcmp(p->hcpcs, code) == 0;
}

size_t pp_procedures_by_cpt(const char *code, const struct pp_proc_entry **out, size_t max)
{
    size_t n = 0;
    if (!code)
        return 0;
    for (size_t i = 0; i < N_CATALOGUE; i++) {
        if (!lists_code(&catalogue[i], code))
            continue;
        if (n < max)
            out[n] = &catalogue[i];
        n++;
    }
    return n;
}

const char *pp_proc_region_name(enum pp_proc_region r)
{
    switch (r) {
    case PP_REGION_CERVICAL: return "cervical";
    case PP_REGION_THORACIC: return "thoracic";
    case PP_REGION_LUMBAR: return "lumbar";
    case PP_REGION_SACRAL: return "sacral";
    case PP_REGION_SI_JOINT: return "si-joint";
    case PP_REGION_KNEE: return "knee";
    case PP_REGION_LARGE_JOINT: return "large-joint";
    case PP_REGION_PERIPHERAL: return "peripheral";
    case PP_REGION_MUSCLE: return "muscle";
    case PP_REGION_SPINE: return "spine";
    }
    return "unknown";
}

const char *pp_proc_laterality_name(enum pp_proc_laterality l)
{
    switch (l) {
    case PP_LAT_MIDLINE: return "midline";
    case PP_LAT_UNILATERAL: return "unilateral";
    case PP_LAT_EITHER: return "left-right-bilateral";
    }
    return "unknown";
}

const char *pp_proc_guidance_name(unsigned bit)
{
    switch (bit) {
    case PP_GUIDE_FLUORO: return "fluoroscopy";
    case PP_GUIDE_CT: return "ct";
    case PP_GUIDE_US: return "ultrasound";
    case PP_GUIDE_LANDMARK: return "landmark";
    default: return NULL;
    }
}

const char *pp_proc_purpose_name(unsigned bit)
{
    switch (bit) {
    case PP_PURPOSE_DIAGNOSTIC: return "diagnostic";
    case PP_PURPOSE_THERAPEUTIC: return "therapeutic";
    case PP_PURPOSE_TRIAL: return "trial";
    default: return NULL;
    }
}

bool pp_spine_level_parse(const char *s, size_t len, int *ordinal)
{
    /* Vertebral segments (C8 as a root): C1-C8, T1-T12, L1-L5, S1-S5 — anatomy, not policy. */
    static const struct {
        char letter;
        int count, base;
    } segs[] = {{'C', 8, 0}, {'T', 12, 8}, {'L', 5, 20}, {'S', 5, 25}};
    int n = 0;

    if (!s || len < 2 || len > 3)
        return false;
    for (size_t i = 1; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        n = n * 10 + (s[i] - '0');
    }
    if (s[1] == '0')
        return false;
    for (size_t k = 0; k < sizeof(segs) / sizeof(segs[0]); k++) {
        if (s[0] != segs[k].letter)
            continue;
        if (n < 1 || n > segs[k].count)
            return false;
        *ordinal = segs[k].base + n;
        return true;
    }
    return false;
}

bool pp_procedure_covers_level(const struct pp_proc_entry *p, int level)
{
    int first, last;
    if (!p->level_first || !p->level_last)
        return false;
    if (!pp_spine_level_parse(p->level_first, strlen(p->level_first), &first) ||
        !pp_spine_level_parse(p->level_last, strlen(p->level_last), &last))
        return false;
    return level >= first && level <= last;
}
