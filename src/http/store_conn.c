/*
 * store_conn.c — each worker thread's connection to the store: opened on first use,
 * closed when the thread ends, and the time it spent in SQL for the database metrics.
 */
#include <pthread.h>
#include <stdlib.h>

#include "http/handlers.h"
#include "store/store.h"

static pthread_key_t store_key;
static pthread_once_t store_once = PTHREAD_ONCE_INIT;

static void store_free(void *p)
{
    pp_store_close(p);
}

static void store_key_create(void)
{
    if (pthread_key_create(&store_key, store_free) != 0)
        abort();
}

void pp_http_rest_thread_close(void)
{
    struct pp_store *s;
    pthread_once(&store_once, store_key_create);
    s = pthread_getspecific(store_key);
    if (s) {
        pp_store_close(s);
        (void)pthread_setspecific(store_key, NULL);
    }
}

bool pp_http_rest_thread_timing(uint64_t *ns, uint64_t *steps)
{
    struct pp_store *s;
    pthread_once(&store_once, store_key_create);
    s = pthread_getspecific(store_key);
    if (!s)
        return false;
    pp_store_take_timing(s, ns, steps);
    return *steps > 0;
}

enum pp_err pp_http_store(const struct pp_http_request *req, struct pp_store **out,
                          struct pp_diag *d)
{
    struct pp_store *s;
    enum pp_err rc;

    pthread_once(&store_once, store_key_create);
    s = pthread_getspecific(store_key);
    if (!s) {
        if (!req->env || !req->env->db_path)
            return pp_diag_set(d, PP_ERR_INTERNAL, "", "the server has no store");
        rc = pp_store_open(req->env->db_path, &s, d);
        if (rc)
            return pp_diag_set(d, PP_ERR_IO, "", "the store cannot be opened");
        if (pthread_setspecific(store_key, s) != 0)
            abort();
    }
    if (pp_store_in_transaction(s))
        pp_store_rollback(s); /* a handler that failed half-way left one open */
    *out = s;
    return PP_OK;
}
