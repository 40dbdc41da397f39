/* Loader test: recbench_plugin_v1 returns a table that claims abi_version 2 (struct_size is right). */
#include "fixture_common.h"

static const char *manifest_json(void *plugin_ctx) {
    (void)plugin_ctx;
    return "{\"name\": \"WrongVersion\", \"version\": \"1.0.0\", \"contract\": 1,"
           " \"description\": \"fixture: table claims abi_version 2\","
           " \"capabilities\": [\"implicit-ranking\"], \"parameters\": []}";
}

/* Every function is usable, so a host that forgets the version check fails an assertion
 * instead of crashing. */
static const rb_plugin_v1 PLUGIN = {
    .abi_version = 2u, /* <- the point of this fixture */
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
