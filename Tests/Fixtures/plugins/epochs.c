/* Epoch-contract test: plugin "Epochs" trains for "epochs" epochs; after epoch e its single
 * parameter is w = e and it scores every item w. It offers rb_epochs_v1: it asks the host before
 * each epoch's end whether scoring will happen, reports loss 1/e, keeps a copy of w on
 * RB_EPOCH_CHECKPOINT, and on RB_EPOCH_STOP (or at the end of fit) goes back to that copy. */
#define _POSIX_C_SOURCE 200809L /* nanosleep under -std=c11 */
#include "fixture_common.h"

#include <string.h>
#include <time.h>

typedef struct epochs_model {
    int64_t n_items;
    int64_t epochs;
    int64_t sleep_ms; /* per epoch, to make a run slow enough to interrupt */
    float w, kept;
    int has_kept;
    int64_t prepared; /* how many times scoring state was brought up to date */
    rb_epoch_host_v1 host;
    int has_host;
} epochs_model;

static const char *manifest_json(void *plugin_ctx) {
    (void)plugin_ctx;
    return "{\"name\": \"Epochs\", \"version\": \"1.0.0\", \"contract\": 1,"
           " \"description\": \"fixture: trains in epochs; after epoch e it scores every item e\","
           " \"capabilities\": [\"implicit-ranking\"],"
           " \"parameters\": [{\"name\": \"epochs\", \"type\": \"int\", \"default\": 6, \"min\": 1,"
           " \"doc\": \"How many epochs\"},"
           " {\"name\": \"sleep_ms\", \"type\": \"int\", \"default\": 0, \"min\": 0,"
           " \"doc\": \"Milliseconds each epoch sleeps\"}]}";
}

static void *epochs_create(void *plugin_ctx, const char *config_json, char *err, size_t err_cap) {
    (void)plugin_ctx;
    epochs_model *model = calloc(1, sizeof *model);
    if (model == NULL) {
        fx_set_err(err, err_cap, "Epochs: out of memory");
        return NULL;
    }
    model->epochs = 6;
    const char *p = config_json != NULL ? strstr(config_json, "\"epochs\"") : NULL;
    if (p != NULL && (p = strchr(p, ':')) != NULL) model->epochs = strtoll(p + 1, NULL, 10);
    p = config_json != NULL ? strstr(config_json, "\"sleep_ms\"") : NULL;
    if (p != NULL && (p = strchr(p, ':')) != NULL) model->sleep_ms = strtoll(p + 1, NULL, 10);
    model->n_items = -1;
    return model;
}

static int32_t epochs_fit(void *handle, const rb_fit_args_v1 *args, char *err, size_t err_cap) {
    epochs_model *model = handle;
    if (args == NULL || args->train == NULL) {
        fx_set_err(err, err_cap, "Epochs: fit called with bad arguments");
        return RB_ERROR;
    }
    model->n_items = args->train->n_cols;
    model->has_kept = 0;
    for (int64_t e = 1; e <= model->epochs; e++) {
        model->w = (float)e;
        if (model->sleep_ms > 0) {
            struct timespec pause = {.tv_sec = model->sleep_ms / 1000, .tv_nsec = (model->sleep_ms % 1000) * 1000000L};
            nanosleep(&pause, NULL);
        }
        if (!model->has_host) continue;
        if (model->host.will_evaluate != NULL && model->host.will_evaluate(model->host.ctx, e)) model->prepared++;
        int32_t answer = model->host.epoch_end != NULL ? model->host.epoch_end(model->host.ctx, e, 1.0 / (double)e)
                                                       : RB_EPOCH_CONTINUE;
        if (answer == RB_EPOCH_CHECKPOINT) {
            model->kept = model->w;
            model->has_kept = 1;
        } else if (answer == RB_EPOCH_STOP) {
            break;
        }
    }
    if (model->has_kept) model->w = model->kept;
    return RB_OK;
}

static int32_t epochs_score(void *handle, const int32_t *users, int64_t n_users, int64_t n_items, float *out,
                            char *err, size_t err_cap) {
    (void)users;
    const epochs_model *model = handle;
    if (model->n_items < 0 || n_items != model->n_items) {
        fx_set_err(err, err_cap, "Epochs: score before fit or with another item count");
        return RB_ERROR;
    }
    for (int64_t k = 0; k < n_users * n_items; k++) out[k] = model->w;
    return RB_OK;
}

static void epochs_destroy(void *handle) { free(handle); }

static int32_t set_epoch_host(void *handle, const rb_epoch_host_v1 *host, char *err, size_t err_cap) {
    epochs_model *model = handle;
    if (host != NULL && host->struct_size < sizeof(rb_epoch_host_v1)) {
        fx_set_err(err, err_cap, "Epochs: epoch host struct too small");
        return RB_ERROR;
    }
    model->has_host = host != NULL;
    if (host != NULL) model->host = *host;
    return RB_OK;
}

static const rb_epochs_v1 EPOCHS = {.struct_size = sizeof(rb_epochs_v1), .set_epoch_host = set_epoch_host};

static const void *get_extension(void *plugin_ctx, const char *name) {
    (void)plugin_ctx;
    return name != NULL && strcmp(name, RB_EXT_EPOCHS_V1) == 0 ? &EPOCHS : NULL;
}

static const rb_plugin_v1 PLUGIN = {
    .abi_version = RB_ABI_VERSION,
    .struct_size = sizeof(rb_plugin_v1),
    .plugin_ctx = NULL,
    .manifest_json = manifest_json,
    .create = epochs_create,
    .fit = epochs_fit,
    .score = epochs_score,
    .destroy = epochs_destroy,
    .get_extension = get_extension,
};

FX_EXPORT const rb_plugin_v1 *recbench_plugin_v1(void) {
    return &PLUGIN;
}
