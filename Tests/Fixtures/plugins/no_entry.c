/* Loader test: a valid shared library with no recbench_plugin_v1 symbol (host must skip/reject it). */
#include "fixture_common.h"

/* Something unrelated, so this is a genuine library that just is not a plugin. */
FX_EXPORT int recbench_fixture_not_a_plugin(int x) {
    return x + 1;
}
