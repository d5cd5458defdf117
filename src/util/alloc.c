/*
 * alloc.c — aborting allocation wrappers and the bump arena.
 * The only place in painpath that calls malloc/realloc/free directly.
 */
#include "util/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die_oom(size_t size)
{
    fprintf(stderr, "painpath: out of memory (requested %zu bytes)\n", size);
    abort();
}

void *pp_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        die_oom(size);
    return p;
}

void *pp_xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p)
        die_oom(nmemb * size);
    return p;
}

void *pp_xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        die_oom(size);
    return p;
}

void *pp_xreallocarray(void *ptr, size_t nmemb, size_t size)
{
    if (size && nmemb > SIZE_MAX / size) {
        fprintf(stderr, "painpath: allocation size overflow\n");
        abort();
    }
    return pp_xrealloc(ptr, nmemb * size);
}

char *pp_xstrndup(const char *s, size_t n)
{
    char *p = pp_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *pp_xstrdup(const char *s)
{
    return pp_xstrndup(s, strlen(s));
}

struct pp_arena_block {
    struct pp_arena_block *next;
    size_t cap;
    size_t used;
    max_align_t data[];
};

#define ARENA_BLOCK_MIN ((size_t)64 * 1024)
#define ARENA_BLOCK_MAX ((size_t)8 * 1024 * 1024)
#define ARENA_ALIGN (sizeof(max_align_t))

void pp_arena_init(struct pp_arena *a)
{
    a->head = NULL;
    a->used_total = 0;
}

void pp_arena_release(struct pp_arena *a)
{
    struct pp_arena_block *b = a->head;
    while (b) {
        struct pp_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used_total = 0;
}

void pp_arena_reset(struct pp_arena *a)
{
    struct pp_arena_block *keep = NULL, *b = a->head;

    /* keep the largest block, which is the one most likely to fit the next record */
    while (b) {
        struct pp_arena_block *next = b->next;
        if (!keep || b->cap > keep->cap) {
            if (keep)
                free(keep);
            keep = b;
        } else {
            free(b);
        }
        b = next;
    }
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
    }
    a->head = keep;
    a->used_total = 0;
}

void *pp_arena_alloc_raw(struct pp_arena *a, size_t size)
{
    struct pp_arena_block *b = a->head;
    size_t rounded;
    void *p;

    if (size > SIZE_MAX - ARENA_ALIGN)
        die_oom(size);
    rounded = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
    if (!rounded)
        rounded = ARENA_ALIGN;
    if (!b || b->cap - b->used < rounded) {
        /* blocks double with use (to ARENA_BLOCK_MAX), so a big record takes few mallocs */
        size_t cap = b ? b->cap * 2 : ARENA_BLOCK_MIN;
        if (cap > ARENA_BLOCK_MAX)
            cap = ARENA_BLOCK_MAX;
        if (cap < rounded)
            cap = rounded;
        b = pp_xmalloc(sizeof(*b) + cap);
        b->cap = cap;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    p = (char *)b->data + b->used;
    b->used += rounded;
    a->used_total += rounded;
    return p;
}

void *pp_arena_alloc(struct pp_arena *a, size_t size)
{
    void *p = pp_arena_alloc_raw(a, size);
    memset(p, 0, size);
    return p;
}

char *pp_arena_strndup(struct pp_arena *a, const char *s, size_t n)
{
    char *p;
    if (!s)
        return NULL;
    p = pp_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *pp_arena_strdup(struct pp_arena *a, const char *s)
{
    return s ? pp_arena_strndup(a, s, strlen(s)) : NULL;
}
