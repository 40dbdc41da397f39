/*
 * recbench plugin contract, version 1.
 *
 * This header is the only thing that crosses a shared-library boundary between the recbench host
 * and a recommender plugin. A plugin (Swift, C, anything that can export a C symbol) exports
 *
 *     const rb_plugin_v1 *recbench_plugin_v1(void);
 *
 * and returns a pointer to a table that lives as long as the library. The host checks
 * `abi_version` and `struct_size` before it touches anything else.
 *
 * Rules that keep old plugins working:
 *   - The layout of a named struct never changes. A new layout is a new name (rb_plugin_v2) with a
 *     new entry symbol (recbench_plugin_v2); a host may look for several entry symbols.
 *   - Optional features that later contract revisions add (rating prediction, side information,
 *     per-epoch callbacks, save/load of model state, hybrid composition) are separate, separately
 *     versioned tables returned by `get_extension(name)`; a plugin that lacks one returns NULL.
 *   - Structs passed *to* a plugin start with `struct_size`, so a plugin can tell which fields an
 *     older or newer host filled in.
 *
 * Memory: the host owns every buffer it passes in; the plugin owns its model handle and anything
 * reachable only from it. Strings are UTF-8 and NUL-terminated. Error messages are written into
 * the caller's buffer (at most `err_cap` bytes including the NUL); a failing call returns NULL or
 * a non-zero status.
 *
 * Threads: the host calls into one model from one thread at a time. A plugin may use threads of
 * its own inside a call.
 */
#ifndef RECBENCH_PLUGIN_H
#define RECBENCH_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The contract version this header describes. */
#define RB_ABI_VERSION 1u

/* The entry symbol a version-1 plugin exports. */
#define RB_ENTRY_SYMBOL_V1 "recbench_plugin_v1"

/* Status codes returned by fit/score. */
#define RB_OK 0
#define RB_ERROR 1
#define RB_CANCELLED 2

/* Capability names used in the manifest's "capabilities" array. */
#define RB_CAP_IMPLICIT_RANKING "implicit-ranking"
#define RB_CAP_RATING_PREDICTION "rating-prediction"

/*
 * A sparse matrix in compressed sparse row form: row r has its column indices in
 * indices[indptr[r] .. indptr[r+1]) (ascending, no duplicates) and the matching values.
 * For a training matrix rows are users, columns are items (both 0-based, dense ids assigned by
 * the host), and values are the interaction strengths (the rating where the data has one, else 1).
 */
typedef struct rb_csr_v1 {
    int64_t n_rows;
    int64_t n_cols;
    int64_t nnz;
    const int64_t *indptr;  /* n_rows + 1 entries */
    const int32_t *indices; /* nnz entries */
    const float *values;    /* nnz entries */
} rb_csr_v1;

/*
 * Services the host offers a plugin during a call. Every function pointer may be NULL.
 */
typedef struct rb_host_v1 {
    uint32_t struct_size; /* sizeof(rb_host_v1) as the host knows it */
    void *ctx;            /* pass back to each callback */
    /* level: 0 debug, 1 info, 2 warning. */
    void (*log)(void *ctx, int32_t level, const char *message);
    /* Report progress in [0, 1]. A non-zero return asks the plugin to stop and return RB_CANCELLED. */
    int32_t (*progress)(void *ctx, double fraction, const char *message);
} rb_host_v1;

/* Arguments to fit. */
typedef struct rb_fit_args_v1 {
    uint32_t struct_size;     /* sizeof(rb_fit_args_v1) as the host knows it */
    const rb_csr_v1 *train;   /* users x items */
    uint64_t seed;            /* the run's seed; a plugin's own "seed" parameter, if any, wins */
    int32_t n_threads;        /* threads the plugin may use (>= 1) */
    const rb_host_v1 *host;   /* may be NULL */
} rb_fit_args_v1;

typedef struct rb_plugin_v1 {
    uint32_t abi_version; /* RB_ABI_VERSION */
    uint32_t struct_size; /* sizeof(rb_plugin_v1) */

    /* Opaque plugin-wide state, passed back to create and get_extension (may be NULL). */
    void *plugin_ctx;

    /*
     * The manifest, a JSON object that lives as long as the library:
     * {
     *   "name": "Popularity", "version": "1.0.0", "contract": 1,
     *   "description": "one line",
     *   "capabilities": ["implicit-ranking"],
     *   "parameters": [
     *     {"name": "k", "type": "int" | "float" | "bool" | "string",
     *      "default": 10, "min": 1, "max": 1000, "choices": [...], "log_scale": false,
     *      "doc": "one line"}
     *   ]
     * }
     */
    const char *(*manifest_json)(void *plugin_ctx);

    /*
     * Create a model from a JSON object holding every hyperparameter (the host has already checked
     * them against the manifest and filled in defaults). Returns NULL and writes err on failure.
     */
    void *(*create)(void *plugin_ctx, const char *config_json, char *err, size_t err_cap);

    /* Learn from the training matrix. The host keeps `args->train` alive only during the call. */
    int32_t (*fit)(void *model, const rb_fit_args_v1 *args, char *err, size_t err_cap);

    /*
     * Score `n_users` users (0-based ids of the training matrix) against all `n_items` items:
     * out[u * n_items + i] is the score of item i for users[u]; higher is better. The host masks
     * seen items and selects the top K; a plugin never does.
     */
    int32_t (*score)(void *model, const int32_t *users, int64_t n_users, int64_t n_items,
                     float *out, char *err, size_t err_cap);

    /* Free the model. The host calls this exactly once per successful create. */
    void (*destroy)(void *model);

    /*
     * Optional features, by name ("rb_rating_v1", ...). Returns a pointer to a table that lives as
     * long as the library, or NULL when the plugin does not offer it. May itself be NULL.
     */
    const void *(*get_extension)(void *plugin_ctx, const char *name);
} rb_plugin_v1;

typedef const rb_plugin_v1 *(*rb_entry_v1_fn)(void);

/* ---------------------------------------------------------------------------------------------
 * Extension "rb_rating_v1": rating prediction for (user, item) pairs.
 * A plugin listing the "rating-prediction" capability returns this table from
 * get_extension(ctx, RB_EXT_RATING_V1).
 *
 * The host asks only for pairs whose user and item both have training interactions; it predicts
 * the others with the training mean itself (and counts them), and clips every prediction to the
 * dataset's rating scale, so plugins need not.
 * ------------------------------------------------------------------------------------------- */
#define RB_EXT_RATING_V1 "rb_rating_v1"

typedef struct rb_rating_v1 {
    uint32_t struct_size; /* sizeof(rb_rating_v1) */
    /* out[k] = predicted rating of item items[k] by user users[k], for k in [0, n). */
    int32_t (*predict)(void *model, const int32_t *users, const int32_t *items, int64_t n,
                       float *out, char *err, size_t err_cap);
} rb_rating_v1;

/* ---------------------------------------------------------------------------------------------
 * Extension "rb_epochs_v1": models that train in epochs (BPR, iALS, LightGCN, ...).
 *
 * Before fit, the host may install an epoch host on the model with set_epoch_host. During that
 * fit the plugin then, at the end of every epoch (numbered from 1):
 *   1. calls will_evaluate(ctx, epoch); when it returns non-zero, brings any cached scoring state
 *      (e.g. propagated embeddings) up to date, because the host is about to call score();
 *   2. calls epoch_end(ctx, epoch, loss) with the epoch's mean training loss. Inside this call the
 *      host may call score() on the same model, on the same thread (re-entrantly). The answer:
 *        RB_EPOCH_CONTINUE   go on training;
 *        RB_EPOCH_CHECKPOINT go on, after copying the current parameters aside as the best so far;
 *        RB_EPOCH_STOP       stop now: restore the parameters last copied aside (if any) and
 *                            return RB_OK from fit.
 * When fit returns (after its last epoch or a STOP), the parameters in effect must be those last
 * copied aside, if any were: the fitted model is the best epoch the host saw.
 * This is how the host runs early stopping on a validation metric and keeps the best epoch while
 * owning the metric itself. The epoch host pointer stays valid until that fit returns; the host
 * clears it with set_epoch_host(model, NULL) afterwards.
 * ------------------------------------------------------------------------------------------- */
#define RB_EXT_EPOCHS_V1 "rb_epochs_v1"

#define RB_EPOCH_CONTINUE 0
#define RB_EPOCH_CHECKPOINT 1
#define RB_EPOCH_STOP 2

typedef struct rb_epoch_host_v1 {
    uint32_t struct_size; /* sizeof(rb_epoch_host_v1) as the host knows it */
    void *ctx;
    int32_t (*will_evaluate)(void *ctx, int64_t epoch);
    int32_t (*epoch_end)(void *ctx, int64_t epoch, double loss);
} rb_epoch_host_v1;

typedef struct rb_epochs_v1 {
    uint32_t struct_size; /* sizeof(rb_epochs_v1) */
    /* Installs (or, with NULL, removes) the epoch host for the model's next fit. */
    int32_t (*set_epoch_host)(void *model, const rb_epoch_host_v1 *host, char *err, size_t err_cap);
} rb_epochs_v1;


/* ---------------------------------------------------------------------------------------------
 * Extension "rb_item_features_v1": side information about items (content-based and hybrid models).
 *
 * Before fit, a host that has item side information calls set_item_features once with an
 * items x features matrix in CSR form: row i is the item with dense id i (the same ids as the
 * training matrix's columns, n_rows equals its n_cols), values are feature weights (1 for a
 * present token such as a genre; counts for title words or tags). names[f] names column f,
 * prefixed by its kind: "genre:Comedy", "year:1995", "decade:1990s", "title:toy", "tag:pixar".
 * The host owns both; the plugin copies what it keeps. A plugin that offers this extension must
 * still fit without it (the dataset may have no side information): it then reports an error
 * saying which features it needs, or falls back to something documented.
 * ------------------------------------------------------------------------------------------- */
#define RB_EXT_ITEM_FEATURES_V1 "rb_item_features_v1"

typedef struct rb_item_features_v1 {
    uint32_t struct_size; /* sizeof(rb_item_features_v1) */
    int32_t (*set_item_features)(void *model, const rb_csr_v1 *features, const char *const *names,
                                 char *err, size_t err_cap);
} rb_item_features_v1;

/* ---------------------------------------------------------------------------------------------
 * Extension "rb_interaction_times_v1": when each training interaction happened.
 *
 * Before fit, a host whose dataset has timestamps calls set_interaction_times once with nnz Unix
 * times (seconds), one per stored entry of the training matrix it is about to pass to fit, in the
 * CSR's own order: times[k] belongs to (row r, indices[k]) for indptr[r] <= k < indptr[r+1]. The
 * host owns the array; the plugin copies what it keeps. It describes only that fit's matrix. A
 * plugin offering this extension must still fit without it (it says what it does then).
 * ------------------------------------------------------------------------------------------- */
#define RB_EXT_INTERACTION_TIMES_V1 "rb_interaction_times_v1"

typedef struct rb_interaction_times_v1 {
    uint32_t struct_size; /* sizeof(rb_interaction_times_v1) */
    int32_t (*set_interaction_times)(void *model, const int64_t *times, int64_t nnz, char *err, size_t err_cap);
} rb_interaction_times_v1;

/* ---------------------------------------------------------------------------------------------
 * Extension "rb_components_v1": hybrid models that combine other plugins' models.
 *
 * The experiment file names a hybrid's components (other plugins with checked parameters). The
 * host loads their plugins into the same worker process, creates their models exactly as it
 * creates ordinary ones (parameters checked against each manifest, item features handed over when
 * the component takes them), and, before the hybrid's fit, calls set_components once with them in
 * the order the experiment file lists them.
 *
 * A component is NOT fitted by the host: the hybrid fits it, through `fit`, on a training matrix
 * it chooses (the matrix it was given, or a part of it it holds out from, e.g. to train a
 * re-ranker), as often as it likes; then scores through `score`, with the semantics of
 * rb_plugin_v1.score (users and items are the ids of the matrix of the component's last fit, whose
 * shape must equal the hybrid's own training matrix). The components never see data the hybrid
 * was not given, so the host's rule (no plugin sees the test set) holds for them too.
 *
 * Lifetime: the array passed to set_components lives only during the call (copy the structs);
 * each component's ctx, name and functions stay valid until the hybrid model is destroyed. The
 * host destroys the components after the hybrid. Calls into components happen on the thread that
 * called into the hybrid.
 * ------------------------------------------------------------------------------------------- */
#define RB_EXT_COMPONENTS_V1 "rb_components_v1"

typedef struct rb_component_v1 {
    uint32_t struct_size; /* sizeof(rb_component_v1) as the host knows it */
    const char *name;     /* the component's label in the experiment file */
    const char *plugin;   /* the component's plugin name */
    void *ctx;            /* pass back to fit and score */
    /* Fits (or refits from scratch) the component on `train`, with the host's thread budget. */
    int32_t (*fit)(void *ctx, const rb_csr_v1 *train, uint64_t seed, char *err, size_t err_cap);
    int32_t (*score)(void *ctx, const int32_t *users, int64_t n_users, int64_t n_items, float *out,
                     char *err, size_t err_cap);
} rb_component_v1;

typedef struct rb_components_v1 {
    uint32_t struct_size; /* sizeof(rb_components_v1) */
    int32_t (*set_components)(void *model, const rb_component_v1 *components, int64_t n_components,
                              char *err, size_t err_cap);
} rb_components_v1;

#ifdef __cplusplus
}
#endif

#endif /* RECBENCH_PLUGIN_H */
