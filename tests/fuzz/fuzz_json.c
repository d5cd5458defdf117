/*
 * fuzz_json.c — libFuzzer target for pp_json_parse (src/util/json.h) on arbitrary bytes.
 * Checks what json.h promises: never a crash or an out-of-bounds read (the input is not
 * NUL-terminated), a tree or a "name:line:column" diagnostic, and a tree that prints and
 * parses again. Never reads files; never writes outside its own memory.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static int depth_of(const cJSON *node)
{
    int deepest = 0;
    for (const cJSON *c = node ? node->child : NULL; c; c = c->next) {
        int d = depth_of(c);
        if (d > deepest)
            deepest = d;
    }
    return node && (cJSON_IsArray(node) || cJSON_IsObject(node)) ? deepest + 1 : deepest;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size heap copy, so ASan sees any read past `size`. */
    char *text = malloc(size ? size : 1);
    cJSON *root = NULL;
    struct pp_diag d;
    enum pp_err rc;

    check(text != NULL);
    if (size)
        memcpy(text, data, size);
    pp_diag_clear(&d);
    rc = pp_json_parse(text, size, "fuzz", &root, &d);
    check(memchr(d.where, '\0', sizeof(d.where)) != NULL);
    check(memchr(d.what, '\0', sizeof(d.what)) != NULL);
    if (rc == PP_OK) {
        check(root != NULL);
        check(pp_utf8_invalid_at(text, size) == size);
        check(depth_of(root) <= PP_JSON_MAX_DEPTH);
        /* What cJSON prints from an accepted tree must parse again. */
        char *printed = cJSON_PrintUnformatted(root);
        if (printed) {
            cJSON *again = NULL;
            struct pp_diag d2;
            pp_diag_clear(&d2);
            check(pp_json_parse(printed, strlen(printed), "printed", &again, &d2) == PP_OK);
            cJSON_Delete(again);
            cJSON_free(printed);
        }
        cJSON_Delete(root);
    } else {
        check(root == NULL);
        check(strncmp(d.where, "fuzz:", 5) == 0);
        check(d.what[0] != '\0');
    }
    free(text);
    return 0;
}
