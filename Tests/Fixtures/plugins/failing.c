/* Error-path test: plugin "Failing" whose create, fit or score reports an error, chosen by its "fail_at" parameter. */
#include "fixture_common.h"

#include <string.h>

enum { FAIL_NONE, FAIL_CREATE, FAIL_FIT, FAIL_SCORE };

static const char *const FAIL_AT_NAMES[] = {"none", "create", "fit", "score"};

static const char *manifest_json(void *plugin_ctx) {
    (void)plugin_ctx;
    return "{\"name\": \"Failing\", \"version\": \"1.0.0\", \"contract\": 1,"
           " \"description\": \"fixture: fails in create, fit or score on request, else scores 0\","
           " \"capabilities\": [\"implicit-ranking\"],"
           " \"parameters\": [{\"name\": \"fail_at\", \"type\": \"string\", \"default\": \"none\","
           " \"choices\": [\"none\", \"create\", \"fit\", \"score\"],"
           " \"doc\": \"Which call returns an error\"}]}";
}

/* Read "fail_at" from a host-written config such as {"fail_at": "fit"}. A fixture-grade scan:
 * the value is a plain string without escapes. Returns FAIL_* or -1 for anything unexpected. */
static int parse_fail_at(const char *config_json) {
    const char *p = config_json != NULL ? strstr(config_json, "\"fail_at\"") : NULL;
    if (p == NULL) return FAIL_NONE; /* the host always passes it; default for direct callers */
    p += strlen("\"fail_at\"");
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    if (*p++ != ':') return -1;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    if (*p++ != '"') return -1;
    const char *end = strchr(p, '"');
    if (end == NULL) return -1;
    for (int i = FAIL_NONE; i <= FAIL_SCORE; i++) {
        size_t len = strlen(FAIL_AT_NAMES[i]);
        if ((size_t)(end - p) == len && memcmp(p, FAIL_AT_NAMES[i], len) == 0) return i;
    }
    return -1;
}

static void *failing_create(void *plugin_ctx, const char *config_json, char *err,
                            size_t err_cap) {
    (void)plugin_ctx;
    int fail_at = parse_fail_at(config_json);
    if (fail_at < 0) {
        fx_set_err(err, err_cap, "Failing: parameter \"fail_at\" must be one of none, create, fit, score");
        return NULL;
    }
    if (fail_at == FAIL_CREATE) {
        fx_set_err(err, err_cap, "Failing: create refused as asked (fail_at=create)");
        return NULL;
    }
    fx_model *model = fx_model_new(err, err_cap);
    if (model != NULL) model->mode = fail_at;
    return model;
}

static int32_t failing_fit(void *handle, const rb_fit_args_v1 *args, char *err, size_t err_cap) {
    fx_model *model = handle;
    if (model != NULL && model->mode == FAIL_FIT) {
        fx_set_err(err, err_cap, "Failing: fit refused as asked (fail_at=fit)");
        return RB_ERROR;
    }
    return fx_model_fit(model, args, err, err_cap);
}

static int32_t failing_score(void *handle, const int32_t *users, int64_t n_users,
                             int64_t n_items, float *out, char *err, size_t err_cap) {
    (void)users;
    const fx_model *model = handle;
    if (model != NULL && model->mode == FAIL_SCORE) {
        fx_set_err(err, err_cap, "Failing: score refused as asked (fail_at=score)");
        return RB_ERROR;
    }
    return fx_model_score(model, n_users, n_items, out, 0.0f, err, err_cap);
}

static const rb_plugin_v1 PLUGIN = {
    .abi_version = RB_ABI_VERSION,
    .struct_size = sizeof(rb_plugin_v1),
    .plugin_ctx = NULL,
    .manifest_json = manifest_json,
    .create = failing_create,
    .fit = failing_fit,
    .score = failing_score,
    .destroy = fx_destroy,
    .get_extension = fx_get_extension,
};

FX_EXPORT const rb_plugin_v1 *recbench_plugin_v1(void) {
    return &PLUGIN;
}
