/*
 * alloc.h — allocation wrappers that abort on out-of-memory and check size
 * overflow, and a bump arena for memory that lives exactly as long as one
 * record or one request. Callers never test these for NULL.
 */
#ifndef PP_UTIL_ALLOC_H
#define PP_UTIL_ALLOC_H

#include <stddef.h>

/* malloc/calloc/realloc that never return NULL (abort with a message instead). Caller frees. */
void *pp_xmalloc(size_t size);
void *pp_xcalloc(size_t nmemb, size_t size);
void *pp_xrealloc(void *ptr, size_t size);
/* realloc for an array of nmemb elements of size each; aborts on overflow. */
void *pp_xreallocarray(void *ptr, size_t nmemb, size_t size);
/* strdup / strndup that never return NULL. Caller frees. */
char *pp_xstrdup(const char *s);
char *pp_xstrndup(const char *s, size_t n);

/*
 * Grow `*arr` (holding *alloc elements of elem_size) so that at least `need`
 * elements fit. Doubling growth. Aborts on overflow.
 */
#define PP_ALLOC_GROW(arr, need, alloc)                                                            \
    do {                                                                                           \
        if ((size_t)(need) > (alloc)) {                                                            \
            size_t pp_new_ = (alloc) ? (alloc)*2 : 8;                                              \
            if (pp_new_ < (size_t)(need))                                                          \
                pp_new_ = (size_t)(need);                                                          \
            (arr) = pp_xreallocarray((arr), pp_new_, sizeof(*(arr)));                              \
            (alloc) = pp_new_;                                                                     \
        }                                                                                          \
    } while (0)

struct pp_arena_block;

/* A bump allocator: many small allocations, one release. Zero-initialise or pp_arena_init. */
struct pp_arena {
    struct pp_arena_block *head;
    size_t used_total;
};

void pp_arena_init(struct pp_arena *a);
/* Free every block. The arena may be reused afterwards. */
void pp_arena_release(struct pp_arena *a);
/* Forget all allocations but keep the first block for reuse (fast reset between records). */
void pp_arena_reset(struct pp_arena *a);
/* Zeroed memory aligned for any type; owned by the arena. Never NULL. */
void *pp_arena_alloc(struct pp_arena *a, size_t size);
/* As pp_arena_alloc, but the memory is not zeroed (for callers that fill it at once). */
void *pp_arena_alloc_raw(struct pp_arena *a, size_t size);
/* Copy of s (or of n bytes of s) owned by the arena; NULL in gives NULL out. */
char *pp_arena_strdup(struct pp_arena *a, const char *s);
char *pp_arena_strndup(struct pp_arena *a, const char *s, size_t n);

#endif
