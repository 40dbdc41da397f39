/* Loader test: a well-formed v1 table whose manifest_json returns "{not json". */
#include "fixture_common.h"

static const char *manifest_json(void *plugin_ctx) {
    (void)plugin_ctx;
    return "{not json"; /* <- the point of this fixture */
}

static const rb_plugin_v1 PLUGIN = {
    .abi_version = RB_ABI_VERSION,
    .struct_size = sizeof(rb_plugin_v1),
    .plugin_ctx = NULL,
    .manifest_json = manifest_json,
    .create = fx_create,
    .fit = fx_fit,
    .score = fx_score,
    .destroy = fx_destroy,
    .get_extension = fx_get_extension,
};

FX_EXPORT const rb_plugin_v1 *recbench_plugin_v1(void) {
    return &PLUGIN;
}
