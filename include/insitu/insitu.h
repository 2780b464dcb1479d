/* insitu C API: a C99 interface to the insitu client with SmartRedis 0.6.1's C function names.
 *
 * Conventions (every function):
 *  - Returns an SRError; SRNoError (0) on success. SRGetLastError() and SRGetLastErrorLocation()
 *    describe the error of the last call on the same thread ("" after a success).
 *  - Handles are opaque pointers (void*, as in SmartRedis, so ported code compiles unchanged).
 *    Each handle is tagged, so passing a handle of the wrong kind (or a null one) gives
 *    SRParameterError instead of a crash.
 *  - Strings are passed as pointer + length (no NUL needed); a NULL pointer with length 0 is "".
 *  - Output parameters are written only on success.
 *  - Ownership: who owns each returned buffer is stated at the function. Buffers the caller
 *    owns are released with SRFreeBuffer(); handles with their Delete* function.
 *  - A handle must not be used by two threads at once (one client per thread, as in SmartRedis).
 */
#ifndef INSITU_INSITU_H
#define INSITU_INSITU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <insitu/sr_enums.h>

#ifdef __cplusplus
extern "C" {
#endif

#define INSITU_C_API_VERSION 1

/* ---- errors -------------------------------------------------------------------------------- */

/* Text of the last error on this thread ("" if none). Owned by the library; valid until the next
 * insitu call on this thread. */
const char* SRGetLastError(void);
/* Where the last error on this thread happened: the C API function and the C++ call. Owned by
 * the library; valid until the next insitu call on this thread. */
const char* SRGetLastErrorLocation(void);
/* A short constant name for an error code ("SRKeyError"); static storage. */
const char* SRErrorName(SRError code);

/* Releases a buffer that an insitu function handed to the caller (NULL is ignored). */
void SRFreeBuffer(void* buffer);

/* ---- logging (SmartRedis's C logger) ------------------------------------------------------
 * Lines go to SR_LOG_FILE (stdout when unset) when `level` is within SR_LOG_LEVEL. `context` is a
 * client, dataset or log-context handle (its name tags the line); the _string variants take the
 * context name itself. These never fail: a bad argument is reported on stderr. In C, log_data,
 * log_warning and log_error name the _noexcept functions, as in SmartRedis. */

/* A named log context; release it with DeallocateLogContext. */
SRError SmartRedisCLogContext(const char* context, size_t context_length, void** new_logcontext);
SRError DeallocateLogContext(void** logcontext);
void log_data_noexcept(const void* context, SRLoggingLevel level, const char* data,
                       size_t data_length);
void log_warning_noexcept(const void* context, SRLoggingLevel level, const char* data,
                          size_t data_length);
void log_error_noexcept(const void* context, SRLoggingLevel level, const char* data,
                        size_t data_length);
void log_data_noexcept_string(const char* context, size_t context_length, SRLoggingLevel level,
                              const char* data, size_t data_length);
void log_warning_noexcept_string(const char* context, size_t context_length, SRLoggingLevel level,
                                 const char* data, size_t data_length);
void log_error_noexcept_string(const char* context, size_t context_length, SRLoggingLevel level,
                               const char* data, size_t data_length);
#ifndef __cplusplus
#define log_data log_data_noexcept
#define log_warning log_warning_noexcept
#define log_error log_error_noexcept
#define log_data_string log_data_noexcept_string
#define log_warning_string log_warning_noexcept_string
#define log_error_string log_error_noexcept_string
#endif

/* ---- ConfigOptions --------------------------------------------------------------------------- */

/* New options read lazily from the environment; a non-empty suffix reads "<NAME>_<suffix>"
 * (except SR_LOG_FILE and SR_LOG_LEVEL). *new_configoptions is owned by the caller: release it
 * with DeleteConfigOptions (a client created from it keeps its own copy). */
SRError create_configoptions_from_environment(const char* db_suffix, size_t db_suffix_length,
                                              void** new_configoptions);
/* Releases the options and sets *configoptions to NULL (NULL or *NULL is accepted). */
SRError DeleteConfigOptions(void** configoptions);

/* SRKeyError when the option is not set, SRParameterError when it is not an integer. */
SRError get_integer_option(void* configoptions, const char* option_name, size_t option_name_len,
                           int64_t* option_result);
/* *option_result is a NUL-terminated copy owned by the caller (release with SRFreeBuffer);
 * *option_result_len excludes the NUL. SRKeyError when the option is not set. */
SRError get_string_option(void* configoptions, const char* option_name, size_t option_name_len,
                          char** option_result, size_t* option_result_len);
SRError is_configured(void* configoptions, const char* option_name, size_t option_name_len,
                      bool* cfg_result);
SRError override_integer_option(void* configoptions, const char* option_name,
                                size_t option_name_len, int64_t value);
SRError override_string_option(void* configoptions, const char* option_name, size_t option_name_len,
                               const char* value, size_t value_length);

/* ---- client construction -----------------------------------------------------------------------
 */

/* A client configured from the environment (SSDB, SR_DB_TYPE, ...). *new_client is owned by the
 * caller: release it with DeleteCClient. Connection failures give SRDatabaseError or
 * SRTimeoutError; a malformed SSDB gives SRParameterError. */
SRError SimpleCreateClient(const char* logger_name, size_t logger_name_length, void** new_client);
/* A client configured from a ConfigOptions handle (the client copies what it needs). */
SRError CreateClient(void* configoptions, const char* logger_name, size_t logger_name_length,
                     void** new_client);
/* Deprecated SmartRedis form: `cluster` overrides SR_DB_TYPE. */
SRError SmartRedisCClient(bool cluster, const char* logger_name, size_t logger_name_length,
                          void** new_client);
/* Releases the client (closing its connections, freeing every get_tensor result) and sets
 * *c_client to NULL. NULL or *NULL is accepted. */
SRError DeleteCClient(void** c_client);
/* A description of the client; NUL-terminated, owned by the caller (SRFreeBuffer). */
SRError client_to_string(void* c_client, char** description, size_t* description_length);
SRError is_cluster(void* c_client, bool* cluster);

/* ---- tensors -------------------------------------------------------------------------------- */

/* Stores `data` (shape dims[0..n_dims), element `type`, laid out as `mem_layout`) under the
 * put-prefixed `name`. The data is only read; it is not retained after the call. */
SRError put_tensor(void* c_client, const char* name, size_t name_length, void* data,
                   const size_t* dims, size_t n_dims, SRTensorType type, SRMemoryLayout mem_layout);
/* Reads the tensor `name`. *data (a contiguous buffer, or a pointer tree for SRMemLayoutNested)
 * and *dims are OWNED BY THE CLIENT and stay valid until DeleteCClient (SmartRedis semantics; a
 * long-running loop should use unpack_tensor, or get_tensor_copy, which does not accumulate). */
SRError get_tensor(void* c_client, const char* name, size_t name_length, void** data, size_t** dims,
                   size_t* n_dims, SRTensorType* type, SRMemoryLayout mem_layout);
/* Like get_tensor (contiguous, row-major), but *data and *dims are OWNED BY THE CALLER: release
 * both with SRFreeBuffer. The client retains nothing. */
SRError get_tensor_copy(void* c_client, const char* name, size_t name_length, void** data,
                        size_t** dims, size_t* n_dims, SRTensorType* type);
/* Reads the tensor into the caller's `result`, whose shape and type must match the stored
 * tensor's (SRTypeError for another dtype; SRParameterError for another shape, SRKeyError when
 * it does not exist). Nothing is written into `result` on failure. */
SRError unpack_tensor(void* c_client, const char* name, size_t name_length, void* result,
                      const size_t* dims, size_t n_dims, SRTensorType type,
                      SRMemoryLayout mem_layout);
/* insitu extension, batch calls: put_tensor / unpack_tensor of names[i] (name_lengths[i]) with
 * data[i] / results[i] of dims[i] (n_dims[i] entries) and types[i], for i < n_tensors, pipelined
 * (per shard in a cluster) so that small tensors share round trips. Every item is tried. When
 * item_errors is not NULL it receives each item's code (SRNoError when done); the return value is
 * the first failed item's code, and SRGetLastError names every failed item. */
SRError put_tensors(void* c_client, const char* const* names, const size_t* name_lengths,
                    const void* const* data, const size_t* const* dims, const size_t* n_dims,
                    const SRTensorType* types, size_t n_tensors, SRMemoryLayout mem_layout,
                    SRError* item_errors);
SRError unpack_tensors(void* c_client, const char* const* names, const size_t* name_lengths,
                       void* const* results, const size_t* const* dims, const size_t* n_dims,
                       const SRTensorType* types, size_t n_tensors, SRMemoryLayout mem_layout,
                       SRError* item_errors);
SRError rename_tensor(void* c_client, const char* old_name, size_t old_name_length,
                      const char* new_name, size_t new_name_length);
SRError delete_tensor(void* c_client, const char* name, size_t name_length);
SRError copy_tensor(void* c_client, const char* src_name, size_t src_name_length,
                    const char* dest_name, size_t dest_name_length);
SRError tensor_exists(void* c_client, const char* name, size_t name_length, bool* exists);
/* Checks up to num_tries times, poll_frequency_ms apart; *exists tells whether it appeared. */
SRError poll_tensor(void* c_client, const char* name, size_t name_length, int poll_frequency_ms,
                    int num_tries, bool* exists);

/* ---- keys (no prefix applied) ------------------------------------------------------------------
 */

SRError key_exists(void* c_client, const char* key, size_t key_length, bool* exists);
SRError poll_key(void* c_client, const char* key, size_t key_length, int poll_frequency_ms,
                 int num_tries, bool* exists);

/* ---- ensemble prefixing ------------------------------------------------------------------------
 */

SRError set_data_source(void* c_client, const char* source_id, size_t source_id_length);
SRError use_tensor_ensemble_prefix(void* c_client, bool use_prefix);
SRError use_dataset_ensemble_prefix(void* c_client, bool use_prefix);
SRError use_model_ensemble_prefix(void* c_client, bool use_prefix);
SRError use_list_ensemble_prefix(void* c_client, bool use_prefix);

/* ---- administration (insitu extension; `address` is "host:port" of one database node) ----------
 */

/* INFO EVERYTHING as a JSON object {"section": {"field": "value", ...}, ...}; values are strings.
 * *info_json is NUL-terminated and owned by the caller (SRFreeBuffer). An address that is not a
 * node of this database gives SRParameterError. */
SRError get_db_node_info(void* c_client, const char* address, size_t address_length,
                         char** info_json, size_t* info_json_length);
/* CLUSTER INFO as a flat JSON object {"field": "value"}; cluster clients only
 * (SRRuntimeError otherwise). Caller-owned (SRFreeBuffer). */
SRError get_db_cluster_info(void* c_client, const char* address, size_t address_length,
                            char** info_json, size_t* info_json_length);
/* CONFIG GET `expression` as a flat JSON object {"parameter": "value"}. Caller-owned. */
SRError config_get(void* c_client, const char* expression, size_t expression_length,
                   const char* address, size_t address_length, char** result_json,
                   size_t* result_json_length);
SRError config_set(void* c_client, const char* config_param, size_t config_param_length,
                   const char* value, size_t value_length, const char* address,
                   size_t address_length);
SRError flush_db(void* c_client, const char* address, size_t address_length);
/* Synchronous SAVE on that node. */
SRError save(void* c_client, const char* address, size_t address_length);

/* ---- datasets ------------------------------------------------------------------------------
 * A dataset handle is owned by whoever created it (CDataSet, get_dataset, the list calls):
 * release it with DeallocateDataSet. Memory that a dataset hands out (get_dataset_tensor,
 * get_meta_scalars, get_meta_strings, get_tensor_names, get_metadata_field_names) is OWNED BY THE
 * DATASET: valid until the dataset is changed or deallocated (string lists: until the next
 * string-list call on that dataset). */

SRError CDataSet(const char* name, size_t name_length, void** new_dataset);
SRError DeallocateDataSet(void** dataset);
/* Copies the tensor into the dataset. */
SRError add_tensor(void* dataset, const char* name, size_t name_length, void* data,
                   const size_t* dims, size_t n_dims, SRTensorType type, SRMemoryLayout mem_layout);
/* Appends one value (read from `data`, of `type`) to the metadata field `name`. */
SRError add_meta_scalar(void* dataset, const char* name, size_t name_length, const void* data,
                        SRMetaDataType type);
SRError add_meta_string(void* dataset, const char* name, size_t name_length, const char* data,
                        size_t data_length);
SRError get_dataset_tensor(void* dataset, const char* name, size_t name_length, void** data,
                           size_t** dims, size_t* n_dims, SRTensorType* type,
                           SRMemoryLayout mem_layout);
SRError unpack_dataset_tensor(void* dataset, const char* name, size_t name_length, void* data,
                              const size_t* dims, size_t n_dims, SRTensorType type,
                              SRMemoryLayout mem_layout);
SRError get_meta_scalars(void* dataset, const char* name, size_t name_length, size_t* length,
                         SRMetaDataType* type, void** scalar_data);
SRError get_meta_strings(void* dataset, const char* name, size_t name_length, char*** data,
                         size_t* n_strings, size_t** lengths);
SRError get_tensor_names(void* dataset, char*** data, size_t* n_strings, size_t** lengths);
SRError get_metadata_field_names(void* dataset, char*** data, size_t* n_strings, size_t** lengths);
SRError get_tensor_type(void* dataset, const char* name, size_t name_length, SRTensorType* type);
SRError get_metadata_field_type(void* dataset, const char* name, size_t name_length,
                                SRMetaDataType* type);
/* `dims` is the caller's buffer of *n_dims entries; *n_dims receives the tensor's rank
 * (SRBadAllocError, with *n_dims set to the rank needed, when the buffer is too small). */
SRError get_tensor_dims(void* dataset, const char* name, size_t name_length, size_t* dims,
                        size_t* n_dims);
SRError has_field(void* dataset, const char* name, size_t name_length, bool* result);
SRError clear_field(void* dataset, const char* name, size_t name_length);

/* Client calls. get_dataset's *dataset is a new handle owned by the caller. */
SRError put_dataset(void* c_client, void* dataset);
SRError get_dataset(void* c_client, const char* name, size_t name_length, void** dataset);
SRError rename_dataset(void* c_client, const char* old_name, size_t old_name_length,
                       const char* new_name, size_t new_name_length);
SRError copy_dataset(void* c_client, const char* src_name, size_t src_name_length,
                     const char* dest_name, size_t dest_name_length);
SRError delete_dataset(void* c_client, const char* name, size_t name_length);
SRError dataset_exists(void* c_client, const char* name, size_t name_length, bool* exists);
SRError poll_dataset(void* c_client, const char* name, size_t name_length, int poll_frequency_ms,
                     int num_tries, bool* exists);

/* ---- aggregation lists -------------------------------------------------------------------------
 * The dataset lists returned are caller-owned: DeallocateDataSet each handle, then SRFreeBuffer
 * the array. */
SRError append_to_list(void* c_client, const char* list_name, size_t list_name_length,
                       void* dataset);
SRError delete_list(void* c_client, const char* list_name, size_t list_name_length);
SRError copy_list(void* c_client, const char* src_name, size_t src_name_length,
                  const char* dest_name, size_t dest_name_length);
SRError rename_list(void* c_client, const char* src_name, size_t src_name_length,
                    const char* dest_name, size_t dest_name_length);
SRError get_list_length(void* c_client, const char* list_name, size_t list_name_length,
                        int* result_length);
SRError poll_list_length(void* c_client, const char* list_name, size_t list_name_length,
                         int list_length, int poll_frequency_ms, int num_tries, bool* poll_result);
SRError poll_list_length_gte(void* c_client, const char* list_name, size_t list_name_length,
                             int list_length, int poll_frequency_ms, int num_tries,
                             bool* poll_result);
SRError poll_list_length_lte(void* c_client, const char* list_name, size_t list_name_length,
                             int list_length, int poll_frequency_ms, int num_tries,
                             bool* poll_result);
SRError get_datasets_from_list(void* c_client, const char* list_name, size_t list_name_length,
                               void*** datasets, size_t* num_datasets);
/* Inclusive range; negative indexes count from the end. */
SRError get_dataset_list_range(void* c_client, const char* list_name, size_t list_name_length,
                               int start_index, int end_index, void*** datasets,
                               size_t* num_datasets);

/* ---- models and scripts ------------------------------------------------------------------------
 * String lists are arrays of pointers plus an array of lengths. get_model / get_script memory is
 * OWNED BY THE CLIENT (valid until DeleteCClient). */
SRError set_model(void* c_client, const char* name, size_t name_length, const char* model,
                  size_t model_length, const char* backend, size_t backend_length,
                  const char* device, size_t device_length, int batch_size, int min_batch_size,
                  int min_batch_timeout, const char* tag, size_t tag_length, const char** inputs,
                  const size_t* input_lengths, size_t n_inputs, const char** outputs,
                  const size_t* output_lengths, size_t n_outputs);
SRError set_model_from_file(void* c_client, const char* name, size_t name_length,
                            const char* model_file, size_t model_file_length, const char* backend,
                            size_t backend_length, const char* device, size_t device_length,
                            int batch_size, int min_batch_size, int min_batch_timeout,
                            const char* tag, size_t tag_length, const char** inputs,
                            const size_t* input_lengths, size_t n_inputs, const char** outputs,
                            const size_t* output_lengths, size_t n_outputs);
SRError set_model_multigpu(void* c_client, const char* name, size_t name_length, const char* model,
                           size_t model_length, const char* backend, size_t backend_length,
                           int first_gpu, int num_gpus, int batch_size, int min_batch_size,
                           int min_batch_timeout, const char* tag, size_t tag_length,
                           const char** inputs, const size_t* input_lengths, size_t n_inputs,
                           const char** outputs, const size_t* output_lengths, size_t n_outputs);
SRError get_model(void* c_client, const char* name, size_t name_length, size_t* model_length,
                  const char** model);
SRError run_model(void* c_client, const char* name, size_t name_length, const char** inputs,
                  const size_t* input_lengths, size_t n_inputs, const char** outputs,
                  const size_t* output_lengths, size_t n_outputs);
/* insitu extension: a whole inference in one round trip. Input i is inputs[i] (shape
 * input_dims[i][0..input_n_dims[i]), element input_types[i]); output i is received into the
 * caller's outputs[i], whose shape and type are checked against the model's output first
 * (SRTypeError, SRParameterError; nothing written there then). All tensors use `mem_layout`. No
 * key is written. A missing model gives SRKeyError, a backend error (e.g. a wrong input shape)
 * SRDatabaseError, a request that waited longer than SR_MODEL_TIMEOUT SRTimeoutError. */
SRError run_model_inline(void* c_client, const char* name, size_t name_length,
                         const void* const* inputs, const size_t* const* input_dims,
                         const size_t* input_n_dims, const SRTensorType* input_types,
                         size_t n_inputs, void* const* outputs, const size_t* const* output_dims,
                         const size_t* output_n_dims, const SRTensorType* output_types,
                         size_t n_outputs, SRMemoryLayout mem_layout);
SRError run_model_multigpu(void* c_client, const char* name, size_t name_length,
                           const char** inputs, const size_t* input_lengths, size_t n_inputs,
                           const char** outputs, const size_t* output_lengths, size_t n_outputs,
                           int offset, int first_gpu, int num_gpus);
SRError delete_model(void* c_client, const char* name, size_t name_length);
SRError delete_model_multigpu(void* c_client, const char* name, size_t name_length, int first_gpu,
                              int num_gpus);
SRError model_exists(void* c_client, const char* name, size_t name_length, bool* exists);
SRError poll_model(void* c_client, const char* name, size_t name_length, int poll_frequency_ms,
                   int num_tries, bool* exists);
SRError set_model_chunk_size(void* c_client, int chunk_size);

SRError set_script(void* c_client, const char* name, size_t name_length, const char* device,
                   size_t device_length, const char* script, size_t script_length);
SRError set_script_from_file(void* c_client, const char* name, size_t name_length,
                             const char* device, size_t device_length, const char* script_file,
                             size_t script_file_length);
SRError set_script_multigpu(void* c_client, const char* name, size_t name_length,
                            const char* script, size_t script_length, int first_gpu, int num_gpus);
SRError get_script(void* c_client, const char* name, size_t name_length, const char** script,
                   size_t* script_length);
SRError run_script(void* c_client, const char* name, size_t name_length, const char* function,
                   size_t function_length, const char** inputs, const size_t* input_lengths,
                   size_t n_inputs, const char** outputs, const size_t* output_lengths,
                   size_t n_outputs);
SRError run_script_multigpu(void* c_client, const char* name, size_t name_length,
                            const char* function, size_t function_length, const char** inputs,
                            const size_t* input_lengths, size_t n_inputs, const char** outputs,
                            const size_t* output_lengths, size_t n_outputs, int offset,
                            int first_gpu, int num_gpus);
SRError delete_script(void* c_client, const char* name, size_t name_length);
SRError delete_script_multigpu(void* c_client, const char* name, size_t name_length, int first_gpu,
                               int num_gpus);

#ifdef __cplusplus
}
#endif

#endif /* INSITU_INSITU_H */
