/* Hybrid tests: plugin "Table" scores from a table given as its "scores" parameter, one row per
 * user separated by ';', items by spaces ("4 2 0 10; 1 1 1 1"), whatever it was fitted on. It
 * counts its fits and remembers the last fit's non-zero count, which it reports as the score of
 * every item when "report_fit" is true (so a test sees what matrix a hybrid fitted it on). */
#include "fixture_common.h"

#include <string.h>

typedef struct table_model {
    int64_t n_items, n_rows, n_cols;
    float *scores;
    int report_fit;
    int64_t fits, last_nnz;
} table_model;

static const char *manifest_json(void *plugin_ctx) {
    (void)plugin_ctx;
    return "{\"name\": \"Table\", \"version\": \"1.0.0\", \"contract\": 1,"
           " \"description\": \"fixture: scores from a table parameter\","
           " \"capabilities\": [\"implicit-ranking\"],"
           " \"parameters\": [{\"name\": \"scores\", \"type\": \"string\", \"default\": \"\","
           " \"doc\": \"rows separated by ';', items by spaces\"},"
           " {\"name\": \"report_fit\", \"type\": \"bool\", \"default\": false,"
           " \"doc\": \"score every item with the last fit's nnz\"}]}";
}

static void *table_create(void *plugin_ctx, const char *config_json, char *err, size_t err_cap) {
    (void)plugin_ctx;
    table_model *model = calloc(1, sizeof *model);
    if (model == NULL) {
        fx_set_err(err, err_cap, "Table: out of memory");
        return NULL;
    }
    model->n_items = -1;
    model->report_fit = config_json != NULL && strstr(config_json, "\"report_fit\":true") != NULL;
    const char *p = config_json != NULL ? strstr(config_json, "\"scores\":\"") : NULL;
    if (p == NULL) return model;
    p += strlen("\"scores\":\"");
    const char *end = strchr(p, '"');
    /* Count rows and columns, then parse. */
    int64_t rows = 1, values = 0;
    for (const char *q = p; q < end; q++) if (*q == ';') rows++;
    model->scores = malloc(sizeof(float) * (size_t)(end - p + 1));
    const char *q = p;
    while (q < end) {
        char *next;
        float value = strtof(q, &next);
        if (next == q) { q++; continue; }
        model->scores[values++] = value;
        q = next;
    }
    model->n_rows = rows;
    model->n_cols = values / rows;
    if (model->n_cols * rows != values) {
        fx_set_err(err, err_cap, "Table: rows of the scores table differ in length");
        free(model->scores);
        free(model);
        return NULL;
    }
    return model;
}

static int32_t table_fit(void *handle, const rb_fit_args_v1 *args, char *err, size_t err_cap) {
    table_model *model = handle;
    if (args == NULL || args->train == NULL) {
        fx_set_err(err, err_cap, "Table: fit called with bad arguments");
        return RB_ERROR;
    }
    if (!model->report_fit && (args->train->n_rows != model->n_rows || args->train->n_cols != model->n_cols)) {
        fx_set_err(err, err_cap, "Table: fitted on %lld x %lld, the table is %lld x %lld", (long long)args->train->n_rows,
                   (long long)args->train->n_cols, (long long)model->n_rows, (long long)model->n_cols);
        return RB_ERROR;
    }
    model->n_items = args->train->n_cols;
    model->fits++;
    model->last_nnz = args->train->nnz;
    return RB_OK;
}

static int32_t table_score(void *handle, const int32_t *users, int64_t n_users, int64_t n_items, float *out,
                           char *err, size_t err_cap) {
    table_model *model = handle;
    if (model->n_items < 0 || n_items != model->n_items) {
        fx_set_err(err, err_cap, "Table: score before fit or with another item count");
        return RB_ERROR;
    }
    for (int64_t u = 0; u < n_users; u++) {
        for (int64_t i = 0; i < n_items; i++) {
            out[u * n_items + i] = model->report_fit ? (float)(model->last_nnz * 1000 + model->fits)
                                                     : model->scores[users[u] * model->n_cols + i];
        }
    }
    return RB_OK;
}

static void table_destroy(void *handle) {
    table_model *model = handle;
    if (model == NULL) return;
    free(model->scores);
    free(model);
}

static const rb_plugin_v1 table = {
    .abi_version = RB_ABI_VERSION,
    .struct_size = sizeof(rb_plugin_v1),
    .plugin_ctx = NULL,
    .manifest_json = manifest_json,
    .create = table_create,
    .fit = table_fit,
    .score = table_score,
    .destroy = table_destroy,
    .get_extension = fx_get_extension,
};

FX_EXPORT const rb_plugin_v1 *recbench_plugin_v1(void) { return &table; }
