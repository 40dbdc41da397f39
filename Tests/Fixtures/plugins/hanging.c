/* Isolation test: a valid v1 plugin "Hanging" whose fit never returns (the host's time limit must stop it). */
#include <unistd.h>
#include "fixture_common.h"

static const char *manifest_json(void *plugin_ctx) {
    (void)plugin_ctx;
    return "{\"name\": \"Hanging\", \"version\": \"1.0.0\", \"contract\": 1,"
           " \"description\": \"fixture: fit sleeps forever\","
           " \"capabilities\": [\"implicit-ranking\"], \"parameters\": []}";
}

static int32_t hanging_fit(void *model, const rb_fit_args_v1 *args, char *err, size_t err_cap) {
    (void)model;
    (void)args;
    (void)err;
    (void)err_cap;
    fputs("Hanging: fit will now sleep forever\n", stderr);
    for (;;) sleep(60);
    return RB_OK; /* not reached */
}

static const rb_plugin_v1 PLUGIN = {
    .abi_version = RB_ABI_VERSION,
    .struct_size = sizeof(rb_plugin_v1),
    .plugin_ctx = NULL,
    .manifest_json = manifest_json,
    .create = fx_create,
    .fit = hanging_fit,
    .score = fx_score,
    .destroy = fx_destroy,
    .get_extension = fx_get_extension,
};

FX_EXPORT const rb_plugin_v1 *recbench_plugin_v1(void) {
    return &PLUGIN;
}
