/* Shared boilerplate for the loader-test fixture plugins: error writing and a constant-score model. */
#ifndef RECBENCH_FIXTURE_COMMON_H
#define RECBENCH_FIXTURE_COMMON_H

#include "recbench_plugin.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__GNUC__) || defined(__clang__)
#define FX_EXPORT __attribute__((visibility("default")))
#define FX_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define FX_EXPORT
#define FX_PRINTF(fmt, args)
#endif

/* Everything below is `static inline` so a fixture that does not use a helper gets no
 * unused-function warning, and nothing but the entry symbol is exported. */

/* Write a formatted message into the caller's error buffer. */
FX_PRINTF(3, 4)
static inline void fx_set_err(char *err, size_t err_cap, const char *fmt, ...) {
    if (err == NULL || err_cap == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_cap, fmt, ap);
    va_end(ap);
}

/* The model every fixture uses: it remembers the item count from fit and nothing else. */
typedef struct fx_model {
    int64_t n_items; /* -1 until fit succeeds */
    int mode;        /* free for a fixture's own use (Failing keeps fail_at here) */
} fx_model;

static inline fx_model *fx_model_new(char *err, size_t err_cap) {
    fx_model *model = malloc(sizeof *model);
    if (model == NULL) {
        fx_set_err(err, err_cap, "fixture: out of memory");
        return NULL;
    }
    model->n_items = -1;
    model->mode = 0;
    return model;
}

static inline int32_t fx_model_fit(fx_model *model, const rb_fit_args_v1 *args, char *err,
                                   size_t err_cap) {
    if (model == NULL || args == NULL ||
        args->struct_size < offsetof(rb_fit_args_v1, train) + sizeof(args->train) ||
        args->train == NULL || args->train->n_cols <= 0) {
        fx_set_err(err, err_cap, "fixture: fit called with bad arguments");
        return RB_ERROR;
    }
    model->n_items = args->train->n_cols;
    return RB_OK;
}

/* Fill out[u * n_items + i] with `value` for every requested user. */
static inline int32_t fx_model_score(const fx_model *model, int64_t n_users, int64_t n_items,
                                     float *out, float value, char *err, size_t err_cap) {
    if (model == NULL || model->n_items < 0) {
        fx_set_err(err, err_cap, "fixture: score called before fit");
        return RB_ERROR;
    }
    if (n_items != model->n_items || n_users < 0 || (n_users > 0 && out == NULL)) {
        fx_set_err(err, err_cap, "fixture: score called with bad arguments");
        return RB_ERROR;
    }
    for (int64_t k = 0; k < n_users * n_items; k++) out[k] = value;
    return RB_OK;
}

/* Ready-made table entries for a plugin whose every score is 0. */

static inline void *fx_create(void *plugin_ctx, const char *config_json, char *err,
                              size_t err_cap) {
    (void)plugin_ctx;
    (void)config_json;
    return fx_model_new(err, err_cap);
}

static inline int32_t fx_fit(void *model, const rb_fit_args_v1 *args, char *err, size_t err_cap) {
    return fx_model_fit(model, args, err, err_cap);
}

static inline int32_t fx_score(void *model, const int32_t *users, int64_t n_users,
                               int64_t n_items, float *out, char *err, size_t err_cap) {
    (void)users;
    return fx_model_score(model, n_users, n_items, out, 0.0f, err, err_cap);
}

static inline void fx_destroy(void *model) {
    free(model);
}

static inline const void *fx_get_extension(void *plugin_ctx, const char *name) {
    (void)plugin_ctx;
    (void)name;
    return NULL;
}

#endif /* RECBENCH_FIXTURE_COMMON_H */
