/* Loader test: recbench_plugin_v1 returns abi_version 1 but struct_size 8, too small for the v1 table. */
#include "fixture_common.h"

static const char *manifest_json(void *plugin_ctx) {
    (void)plugin_ctx;
    return "{\"name\": \"SmallStruct\", \"version\": \"1.0.0\", \"contract\": 1,"
           " \"description\": \"fixture: table claims struct_size 8\","
           " \"capabilities\": [\"implicit-ranking\"], \"parameters\": []}";
}

/* The storage is a full table with usable functions, so a host that ignores struct_size fails
 * an assertion instead of crashing; only the claimed size is wrong. */
static const rb_plugin_v1 PLUGIN = {
    .abi_version = RB_ABI_VERSION,
    .struct_size = 8u, /* <- the point of this fixture: just abi_version + struct_size */
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
