/* Loader test: exports only recbench_plugin_v2 (no v1), so the host should say it was built for contract 2. */
#include "fixture_common.h"

/* What a future table might start with; the host must not rely on anything past the name. */
typedef struct fixture_plugin_v2 {
    uint32_t abi_version;
    uint32_t struct_size;
    void *plugin_ctx;
} fixture_plugin_v2;

static const fixture_plugin_v2 PLUGIN = {
    .abi_version = 2u,
    .struct_size = sizeof(fixture_plugin_v2),
    .plugin_ctx = NULL,
};

FX_EXPORT const void *recbench_plugin_v2(void) {
    return &PLUGIN;
}
