/*
 * DampedMean: a recbench plugin written in plain C11 against contract version 1.
 *
 * The IMDb-style weighted rating, used as a non-personalised baseline:
 *
 *     score(i) = (sum of item i's training values + m * C) / (count of item i's interactions + m)
 *
 * where C is the global mean of all training values and m (parameter "m") is the damping
 * strength: an item with few interactions is pulled towards C, an item with many keeps roughly
 * its own mean. Every user gets the same scores; the host masks seen items and takes the top K.
 *
 * Build from the repository root (see README.md in this directory):
 *     cc -std=c11 -Wall -Wextra -Werror -O2 -shared -fPIC \
 *        -I Sources/RecPluginABI/include examples/c-plugin/damped_mean.c \
 *        -o examples/c-plugin/.build/libDampedMean.so
 */
#include "recbench_plugin.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define RB_EXPORT __attribute__((visibility("default")))
#else
#define RB_EXPORT
#endif

#define PLUGIN_NAME "DampedMean"
#define M_DEFAULT 10.0
#define M_MIN 0.0
#define M_MAX 1e6

/* The manifest, in the shape recbench_plugin.h documents. Lives as long as the library. */
static const char MANIFEST[] =
    "{"
    "\"name\": \"DampedMean\", \"version\": \"1.0.0\", \"contract\": 1,"
    "\"description\": \"Non-personalised IMDb-style weighted rating: item mean damped towards the"
    " global mean by m pseudo-interactions\","
    "\"capabilities\": [\"implicit-ranking\"],"
    "\"parameters\": ["
    "{\"name\": \"m\", \"type\": \"float\", \"default\": 10, \"min\": 0, \"max\": 1000000,"
    " \"log_scale\": false,"
    " \"doc\": \"Damping strength: how many pseudo-interactions at the global mean each item"
    " starts with\"}"
    "]"
    "}";

/* ---------------------------------------------------------------------------------------------
 * Errors and host services
 * ------------------------------------------------------------------------------------------- */

/* Write a formatted message into the caller's buffer (at most err_cap bytes including the NUL). */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
static void set_err(char *err, size_t err_cap, const char *fmt, ...) {
    if (err == NULL || err_cap == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_cap, fmt, ap);
    va_end(ap);
}

/* Log through the host if it offers a logger; reads only fields that struct_size says exist. */
static void host_log(const rb_fit_args_v1 *args, int32_t level, const char *message) {
    if (args->struct_size < offsetof(rb_fit_args_v1, host) + sizeof(args->host)) return;
    const rb_host_v1 *host = args->host;
    if (host == NULL) return;
    if (host->struct_size < offsetof(rb_host_v1, log) + sizeof(host->log)) return;
    if (host->log != NULL) host->log(host->ctx, level, message);
}

/* ---------------------------------------------------------------------------------------------
 * A tiny JSON scanner: enough to find one numeric field at the top level of an object.
 * It walks the whole object (so malformed input is reported, not half-read), skips nested
 * values without interpreting them, and compares keys byte for byte (keys with escapes in them
 * never match, which is fine for parameter names).
 * ------------------------------------------------------------------------------------------- */

static const char *skip_ws(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

/* p points at '"'. Returns the position after the closing quote, or NULL if unterminated. */
static const char *skip_string(const char *p) {
    p++;
    while (*p != '"') {
        if (*p == '\0' || (unsigned char)*p < 0x20) return NULL;
        if (*p == '\\') {
            p++;
            if (*p == '\0') return NULL;
        }
        p++;
    }
    return p + 1;
}

/* A JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?  Returns its end, or NULL. */
static const char *scan_number(const char *p) {
    if (*p == '-') p++;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (*p >= '0' && *p <= '9') p++;
    } else {
        return NULL;
    }
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9')) return NULL;
        while (*p >= '0' && *p <= '9') p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) return NULL;
        while (*p >= '0' && *p <= '9') p++;
    }
    return p;
}

/* Skip one JSON value of any kind. Nested objects/arrays are skipped by bracket depth. */
static const char *skip_value(const char *p) {
    if (*p == '"') return skip_string(p);
    if (*p == '{' || *p == '[') {
        long depth = 0;
        while (*p != '\0') {
            if (*p == '"') {
                p = skip_string(p);
                if (p == NULL) return NULL;
                continue;
            }
            if (*p == '{' || *p == '[') depth++;
            if (*p == '}' || *p == ']') {
                if (--depth == 0) return p + 1;
            }
            p++;
        }
        return NULL;
    }
    if (strncmp(p, "true", 4) == 0) return p + 4;
    if (strncmp(p, "false", 5) == 0) return p + 5;
    if (strncmp(p, "null", 4) == 0) return p + 4;
    return scan_number(p);
}

/* Convert the JSON number in [start, end) with strtod, independent of the C locale's
 * decimal separator (JSON always uses '.'). Returns 0 on success. */
static int parse_number(const char *start, const char *end, double *out) {
    char buf[128];
    const char *dp = localeconv()->decimal_point;
    size_t dp_len = (dp != NULL && dp[0] != '\0') ? strlen(dp) : 0;
    size_t n = 0;
    for (const char *q = start; q < end; q++) {
        if (*q == '.' && dp_len > 0) {
            if (n + dp_len >= sizeof buf) return -1;
            memcpy(buf + n, dp, dp_len);
            n += dp_len;
        } else {
            if (n + 1 >= sizeof buf) return -1;
            buf[n++] = *q;
        }
    }
    buf[n] = '\0';
    char *stop = NULL;
    errno = 0;
    double v = strtod(buf, &stop);
    if (stop != buf + n) return -1;
    /* Overflow gives +-HUGE_VAL (caught by the caller's range check); underflow is harmless. */
    *out = v;
    return 0;
}

enum { FIELD_FOUND = 0, FIELD_MISSING = 1, FIELD_ERROR = -1 };

/*
 * Find `key` at the top level of the JSON object `json` and read it as a number.
 * Returns FIELD_FOUND (value in *out), FIELD_MISSING, or FIELD_ERROR (message in err).
 * If the key appears more than once, the last occurrence wins, as in most JSON parsers.
 */
static int json_number_field(const char *json, const char *key, double *out, char *err,
                             size_t err_cap) {
    const size_t key_len = strlen(key);
    const char *p = skip_ws(json);
    const char *value = NULL, *value_end = NULL;

    if (*p != '{') goto malformed;
    p = skip_ws(p + 1);
    if (*p == '}') {
        p++;
    } else {
        for (;;) {
            if (*p != '"') goto malformed;
            const char *key_start = p + 1;
            const char *after_key = skip_string(p);
            if (after_key == NULL) goto malformed;
            size_t len = (size_t)(after_key - 1 - key_start);
            p = skip_ws(after_key);
            if (*p != ':') goto malformed;
            p = skip_ws(p + 1);
            const char *end = skip_value(p);
            if (end == NULL) goto malformed;
            if (len == key_len && memcmp(key_start, key, key_len) == 0) {
                value = p;
                value_end = end;
            }
            p = skip_ws(end);
            if (*p == ',') {
                p = skip_ws(p + 1);
                continue;
            }
            if (*p == '}') {
                p++;
                break;
            }
            goto malformed;
        }
    }
    if (*skip_ws(p) != '\0') goto malformed;

    if (value == NULL) return FIELD_MISSING;
    if (scan_number(value) != value_end || parse_number(value, value_end, out) != 0) {
        set_err(err, err_cap, "%s: parameter \"%s\" must be a number", PLUGIN_NAME, key);
        return FIELD_ERROR;
    }
    return FIELD_FOUND;

malformed:
    set_err(err, err_cap, "%s: config is not a valid JSON object (at byte %zu)", PLUGIN_NAME,
            (size_t)(p - json));
    return FIELD_ERROR;
}

/* ---------------------------------------------------------------------------------------------
 * The model
 * ------------------------------------------------------------------------------------------- */

typedef struct damped_mean_model {
    double m;          /* damping strength */
    int64_t n_users;   /* rows of the fitted training matrix */
    int64_t n_items;   /* columns of the fitted training matrix; 0 until fit succeeds */
    float *scores;     /* n_items scores, the same for every user; NULL until fit succeeds */
} damped_mean_model;

static const char *dm_manifest_json(void *plugin_ctx) {
    (void)plugin_ctx;
    return MANIFEST;
}

static void *dm_create(void *plugin_ctx, const char *config_json, char *err, size_t err_cap) {
    (void)plugin_ctx;
    if (config_json == NULL) {
        set_err(err, err_cap, "%s: config_json is NULL", PLUGIN_NAME);
        return NULL;
    }
    double m = M_DEFAULT; /* the host always passes "m"; the default only helps direct callers */
    if (json_number_field(config_json, "m", &m, err, err_cap) == FIELD_ERROR) return NULL;
    if (!(m >= M_MIN && m <= M_MAX)) { /* also rejects NaN and overflowed values */
        set_err(err, err_cap, "%s: parameter \"m\" must be between 0 and 1000000, got %g",
                PLUGIN_NAME, m);
        return NULL;
    }
    damped_mean_model *model = calloc(1, sizeof *model);
    if (model == NULL) {
        set_err(err, err_cap, "%s: out of memory", PLUGIN_NAME);
        return NULL;
    }
    model->m = m;
    return model;
}

static int32_t dm_fit(void *handle, const rb_fit_args_v1 *args, char *err, size_t err_cap) {
    damped_mean_model *model = handle;
    if (model == NULL || args == NULL) {
        set_err(err, err_cap, "%s: fit called with a NULL %s", PLUGIN_NAME,
                model == NULL ? "model" : "args");
        return RB_ERROR;
    }
    if (args->struct_size < offsetof(rb_fit_args_v1, train) + sizeof(args->train)) {
        set_err(err, err_cap, "%s: fit args struct_size %u is too small", PLUGIN_NAME,
                (unsigned)args->struct_size);
        return RB_ERROR;
    }
    const rb_csr_v1 *train = args->train;
    if (train == NULL) {
        set_err(err, err_cap, "%s: fit called without a training matrix", PLUGIN_NAME);
        return RB_ERROR;
    }
    if (train->n_rows < 0 || train->n_cols <= 0 || train->nnz < 0) {
        set_err(err, err_cap,
                "%s: bad training matrix shape (n_rows=%lld, n_cols=%lld, nnz=%lld)",
                PLUGIN_NAME, (long long)train->n_rows, (long long)train->n_cols,
                (long long)train->nnz);
        return RB_ERROR;
    }
    if (train->indptr == NULL || (train->nnz > 0 && (train->indices == NULL ||
                                                     train->values == NULL))) {
        set_err(err, err_cap, "%s: training matrix has NULL arrays", PLUGIN_NAME);
        return RB_ERROR;
    }
    if (train->indptr[0] != 0 || train->indptr[train->n_rows] != train->nnz) {
        set_err(err, err_cap, "%s: training matrix indptr must run from 0 to nnz", PLUGIN_NAME);
        return RB_ERROR;
    }
    if ((uint64_t)train->n_cols > SIZE_MAX / sizeof(double)) {
        set_err(err, err_cap, "%s: too many items (%lld)", PLUGIN_NAME,
                (long long)train->n_cols);
        return RB_ERROR;
    }

    const size_t n_items = (size_t)train->n_cols;
    double *sum = calloc(n_items, sizeof *sum);
    int64_t *count = calloc(n_items, sizeof *count);
    float *scores = malloc(n_items * sizeof *scores);
    if (sum == NULL || count == NULL || scores == NULL) {
        set_err(err, err_cap, "%s: out of memory for %zu items", PLUGIN_NAME, n_items);
        goto fail;
    }

    double total = 0.0;
    for (int64_t r = 0; r < train->n_rows; r++) {
        int64_t begin = train->indptr[r], end = train->indptr[r + 1];
        if (begin > end || end > train->nnz) {
            set_err(err, err_cap, "%s: training matrix indptr is not monotone at row %lld",
                    PLUGIN_NAME, (long long)r);
            goto fail;
        }
        for (int64_t k = begin; k < end; k++) {
            int32_t item = train->indices[k];
            float value = train->values[k];
            if (item < 0 || (int64_t)item >= train->n_cols) {
                set_err(err, err_cap, "%s: item index %d out of range at row %lld",
                        PLUGIN_NAME, (int)item, (long long)r);
                goto fail;
            }
            if (!isfinite(value)) {
                set_err(err, err_cap, "%s: training value at row %lld, item %d is not finite",
                        PLUGIN_NAME, (long long)r, (int)item);
                goto fail;
            }
            sum[item] += value;
            count[item] += 1;
            total += value;
        }
    }

    /* C: the global mean. With no interactions at all every item scores 0. */
    const double global_mean = train->nnz > 0 ? total / (double)train->nnz : 0.0;
    for (size_t i = 0; i < n_items; i++) {
        double denom = (double)count[i] + model->m;
        /* denom is 0 only when m = 0 and the item was never seen; m -> 0 leaves such an item at
         * C, so that is its score. */
        scores[i] = (float)(denom > 0.0 ? (sum[i] + model->m * global_mean) / denom
                                         : global_mean);
    }

    /* Success: replace any earlier fit. A failed refit above leaves the old one in place. */
    free(model->scores);
    model->scores = scores;
    model->n_items = train->n_cols;
    model->n_users = train->n_rows;
    free(sum);
    free(count);

    char message[160];
    snprintf(message, sizeof message, "%s: fitted %lld items from %lld interactions, C=%.6g",
             PLUGIN_NAME, (long long)train->n_cols, (long long)train->nnz, global_mean);
    host_log(args, 1, message);
    return RB_OK;

fail:
    free(sum);
    free(count);
    free(scores);
    return RB_ERROR;
}

static int32_t dm_score(void *handle, const int32_t *users, int64_t n_users, int64_t n_items,
                        float *out, char *err, size_t err_cap) {
    const damped_mean_model *model = handle;
    if (model == NULL) {
        set_err(err, err_cap, "%s: score called with a NULL model", PLUGIN_NAME);
        return RB_ERROR;
    }
    if (model->scores == NULL) {
        set_err(err, err_cap, "%s: score called before a successful fit", PLUGIN_NAME);
        return RB_ERROR;
    }
    if (n_items != model->n_items) {
        set_err(err, err_cap, "%s: score asked for %lld items but the model was fitted on %lld",
                PLUGIN_NAME, (long long)n_items, (long long)model->n_items);
        return RB_ERROR;
    }
    if (n_users < 0 || (n_users > 0 && (users == NULL || out == NULL))) {
        set_err(err, err_cap, "%s: score called with bad users/out (n_users=%lld)",
                PLUGIN_NAME, (long long)n_users);
        return RB_ERROR;
    }
    for (int64_t u = 0; u < n_users; u++) {
        if (users[u] < 0 || (int64_t)users[u] >= model->n_users) {
            set_err(err, err_cap, "%s: user id %d is outside the training matrix (%lld users)",
                    PLUGIN_NAME, (int)users[u], (long long)model->n_users);
            return RB_ERROR;
        }
    }
    const size_t row_bytes = (size_t)n_items * sizeof *out;
    for (int64_t u = 0; u < n_users; u++) {
        memcpy(out + u * n_items, model->scores, row_bytes);
    }
    return RB_OK;
}

static void dm_destroy(void *handle) {
    damped_mean_model *model = handle;
    if (model == NULL) return;
    free(model->scores);
    free(model);
}

static const void *dm_get_extension(void *plugin_ctx, const char *name) {
    (void)plugin_ctx;
    (void)name;
    return NULL; /* no optional tables */
}

static const rb_plugin_v1 PLUGIN = {
    .abi_version = RB_ABI_VERSION,
    .struct_size = sizeof(rb_plugin_v1),
    .plugin_ctx = NULL,
    .manifest_json = dm_manifest_json,
    .create = dm_create,
    .fit = dm_fit,
    .score = dm_score,
    .destroy = dm_destroy,
    .get_extension = dm_get_extension,
};

RB_EXPORT const rb_plugin_v1 *recbench_plugin_v1(void) {
    return &PLUGIN;
}
