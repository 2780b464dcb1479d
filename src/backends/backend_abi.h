/* The C ABI between the insitu module and its ML backend plugins
 * (libinsitu_backend_{torch,onnx,tflite,tf}.so). Each plugin links exactly one framework and is
 * dlopen()ed by the module at run time, so the server starts where a framework is missing and no
 * framework header ever reaches the module or the client.
 *
 * Versioning: the module calls insitu_backend_get_api(INSITU_BACKEND_ABI_VERSION); a plugin built
 * for another major ABI returns NULL. New functions are only ever appended to the struct.
 *
 * Ownership: inputs are borrowed for the duration of a call. Outputs are owned by the plugin until
 * the host calls output.release(output.owner) (from any thread). Every call that can fail returns
 * 0 on success and non-zero on failure with a message in `err` (never throws across the ABI).
 * Thread safety: model_run / script_run may be called concurrently on the same object from
 * several worker threads. */
#ifndef INSITU_BACKEND_ABI_H
#define INSITU_BACKEND_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define INSITU_BACKEND_ABI_VERSION 1u
#define INSITU_MAX_DIMS 32

typedef struct insitu_error {
    char message[1024]; /* NUL-terminated; the module replies "ERR <message>" unless it starts with
                           ERR */
} insitu_error;

/* dtype values are insitu::TensorType (include/insitu/tensor_types.h). */
typedef struct insitu_tensor_view {
    int dtype;
    int ndim;
    const int64_t* shape;
    const void* data; /* row-major, contiguous, on the CPU */
    size_t nbytes;
} insitu_tensor_view;

typedef struct insitu_output {
    int dtype;
    int ndim;
    int64_t shape[INSITU_MAX_DIMS];
    const void* data; /* row-major, contiguous, on the CPU */
    size_t nbytes;
    void* owner;
    void (*release)(void* owner); /* may be NULL when there is nothing to free */
} insitu_output;

typedef struct insitu_model_options {
    const char* device; /* "CPU", "GPU", "GPU:1", ... (upper-case) */
    int n_inputs;       /* TF only: input node names */
    const char* const* inputs;
    int n_outputs; /* TF only: output node names */
    const char* const* outputs;
    int inter_op_threads;         /* 0 = backend default */
    int intra_op_threads;         /* 0 = backend default */
    int64_t execution_timeout_ms; /* ONNX only; 0 = none */
    int64_t memory_limit_mb;      /* ONNX only; 0 = unlimited */
} insitu_model_options;

/* Services the host offers to scripts (redis.execute, redisAI.model_execute). May be NULL. */
typedef struct insitu_host_api {
    void* ctx;
    /* Runs a command; the reply is written as RESP into a host buffer valid until the next call
     * on this thread. Returns 0 on success (error replies are successful calls). */
    int (*execute_command)(void* ctx, int argc, const char* const* argv, const size_t* lens,
                           const char** resp_reply, size_t* resp_len);
    int (*model_execute)(void* ctx, const char* model_key, const insitu_tensor_view* inputs,
                         int n_inputs, insitu_output* outputs, int n_outputs, insitu_error* err);
} insitu_host_api;

typedef struct insitu_backend_api {
    uint32_t abi_version;
    const char* name; /* "TORCH", "ONNX", "TFLITE", "TF" */
    const char* (*framework_version)(void);

    /* Called once after loading; `host` may be NULL. */
    int (*init)(const insitu_host_api* host, int inter_op_threads, int intra_op_threads,
                insitu_error* err);

    /* Models. A device that is not available (e.g. GPU without CUDA) is an error, never a silent
     * fallback to the CPU. */
    int (*model_create)(const void* blob, size_t len, const insitu_model_options* opts,
                        void** model, insitu_error* err);
    int (*model_num_inputs)(void* model);  /* -1 when the model does not say */
    int (*model_num_outputs)(void* model); /* -1 when the model does not say */
    int (*model_run)(void* model, const insitu_tensor_view* inputs, int n_inputs,
                     insitu_output* outputs, int n_outputs, insitu_error* err);
    /* Serialized form for MODELGET / RDB (may differ from what was stored). */
    int (*model_serialize)(void* model, insitu_output* blob, insitu_error* err);
    void (*model_free)(void* model);

    /* Scripts (TorchScript source); NULL in backends without scripts. Every entry point must exist
     * and take (List[Tensor], List[str], List[str]). */
    int (*script_create)(const char* source, size_t len, const char* device,
                         const char* const* entry_points, int n_entry_points, void** script,
                         insitu_error* err);
    int (*script_has_function)(void* script, const char* fn);
    /* Runs `fn`. Entry points get (inputs, keys, args); other functions get the inputs
     * positionally (legacy SCRIPTSET scripts; a trailing List[Tensor] takes the rest, or the
     * `variadic_from` onward when >= 0). Writes up to `max_outputs`, sets *n_outputs to the
     * number the function returned (which may exceed max_outputs: the host then reports it). */
    int (*script_run)(void* script, const char* fn, const insitu_tensor_view* inputs, int n_inputs,
                      int variadic_from, const char* const* keys, int n_keys,
                      const char* const* args, int n_args, insitu_output* outputs, int max_outputs,
                      int* n_outputs, insitu_error* err);
    void (*script_free)(void* script);
} insitu_backend_api;

/* The one symbol every plugin exports. */
typedef const insitu_backend_api* (*insitu_backend_get_api_fn)(uint32_t host_abi_version);
#define INSITU_BACKEND_ENTRY "insitu_backend_get_api"

#ifdef __cplusplus
}
#endif

#endif /* INSITU_BACKEND_ABI_H */
