/* De-duplication test: plugin "Twin" 2.0.0, scores all 2; duplicate_a.c is "Twin" 1.0.0 and the first one found should win. */
#include "fixture_common.h"

static const char *manifest_json(void *plugin_ctx) {
    (void)plugin_ctx;
    return "{\"name\": \"Twin\", \"version\": \"2.0.0\", \"contract\": 1,"
           " \"description\": \"fixture: one of two plugins named Twin\","
           " \"capabilities\": [\"implicit-ranking\"], \"parameters\": []}";
}

/* Every score is 2, so a test can also tell the twins apart by their output. */
static int32_t twin_score(void *model, const int32_t *users, int64_t n_users, int64_t n_items,
                          float *out, char *err, size_t err_cap) {
    (void)users;
    return fx_model_score(model, n_users, n_items, out, 2.0f, err, err_cap);
}

static const rb_plugin_v1 PLUGIN = {
    .abi_version = RB_ABI_VERSION,
    .struct_size = sizeof(rb_plugin_v1),
    .plugin_ctx = NULL,
    .manifest_json = manifest_json,
    .create = fx_create,
    .fit = fx_fit,
    .score = twin_score,
    .destroy = fx_destroy,
    .get_extension = fx_get_extension,
};

FX_EXPORT const rb_plugin_v1 *recbench_plugin_v1(void) {
    return &PLUGIN;
}
