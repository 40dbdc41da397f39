/* Isolation test: a valid v1 plugin "Hungry" whose fit touches 2 GiB, more than the memory limit the test sets. */
#include <string.h>
#include "fixture_common.h"

static const char *manifest_json(void *plugin_ctx) {
    (void)plugin_ctx;
    return "{\"name\": \"Hungry\", \"version\": \"1.0.0\", \"contract\": 1,"
           " \"description\": \"fixture: fit allocates 2 GiB\","
           " \"capabilities\": [\"implicit-ranking\"], \"parameters\": []}";
}

static int32_t hungry_fit(void *model, const rb_fit_args_v1 *args, char *err, size_t err_cap) {
    (void)model;
    (void)args;
    size_t size = (size_t)2 << 30;
    char *block = malloc(size);
    if (block == NULL) {
        /* What a careful plugin does when the allocator refuses: report it. */
        fx_set_err(err, err_cap, "Hungry: could not allocate %zu bytes", size);
        return RB_ERROR;
    }
    memset(block, 1, size);
    free(block);
    return RB_OK;
}

static const rb_plugin_v1 PLUGIN = {
    .abi_version = RB_ABI_VERSION,
    .struct_size = sizeof(rb_plugin_v1),
    .plugin_ctx = NULL,
    .manifest_json = manifest_json,
    .create = fx_create,
    .fit = hungry_fit,
    .score = fx_score,
    .destroy = fx_destroy,
    .get_extension = fx_get_extension,
};

FX_EXPORT const rb_plugin_v1 *recbench_plugin_v1(void) {
    return &PLUGIN;
}
