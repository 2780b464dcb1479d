/* SmartRedis 0.6.1's C example style (put/unpack a tensor, a dataset, logging), with only the
 * include changed: <insitu/insitu.h> for "c_client.h", "c_dataset.h", "c_logger.h" ... In C,
 * log_data / log_warning / log_error are SmartRedis's macros for the _noexcept functions. */
#include <insitu/insitu.h>

#include <stdio.h>
#include <string.h>

static int failures = 0;

static void check(int ok, const char* what) {
    if (!ok) {
        printf("FAILED: %s (last error: %s)\n", what, SRGetLastError());
        ++failures;
    }
}

int main(void) {
    void* client = NULL;
    const char* logger_name = "compat_c";
    check(SimpleCreateClient(logger_name, strlen(logger_name), &client) == SRNoError,
          "SimpleCreateClient");
    if (client == NULL) return 1;

    size_t dims[2] = {3, 4};
    double tensor[12], result[12];
    for (int i = 0; i < 12; i++) tensor[i] = i * 0.5 - 1.0;
    const char* key = "c_compat_tensor";
    check(put_tensor(client, key, strlen(key), tensor, dims, 2, SRTensorTypeDouble,
                     SRMemLayoutContiguous) == SRNoError,
          "put_tensor");
    check(unpack_tensor(client, key, strlen(key), result, dims, 2, SRTensorTypeDouble,
                        SRMemLayoutContiguous) == SRNoError,
          "unpack_tensor");
    check(memcmp(tensor, result, sizeof tensor) == 0, "round trip");
    const char* missing = "c_compat_missing";
    check(unpack_tensor(client, missing, strlen(missing), result, dims, 2, SRTensorTypeDouble,
                        SRMemLayoutContiguous) == SRKeyError,
          "a missing tensor is SRKeyError");

    void* dataset = NULL;
    const char* ds_name = "ds_c";
    check(CDataSet(ds_name, strlen(ds_name), &dataset) == SRNoError, "CDataSet");

    /* Logging through a client, a log context, a dataset and a string context. */
    const char* msg;
    msg = "client info line";
    log_data(client, LLInfo, msg, strlen(msg));
    msg = "client debug line";
    log_data(client, LLDebug, msg, strlen(msg));
    msg = "client warning line";
    log_warning(client, LLInfo, msg, strlen(msg));
    msg = "client error line";
    log_error(client, LLInfo, msg, strlen(msg));
    void* context = NULL;
    const char* ctx_name = "ctx_c";
    check(SmartRedisCLogContext(ctx_name, strlen(ctx_name), &context) == SRNoError,
          "SmartRedisCLogContext");
    msg = "context info line";
    log_data(context, LLInfo, msg, strlen(msg));
    msg = "free debug line";
    log_data_string(ctx_name, strlen(ctx_name), LLDebug, msg, strlen(msg));
    msg = "dataset warning line";
    log_warning(dataset, LLInfo, msg, strlen(msg));

    check(DeallocateLogContext(&context) == SRNoError && context == NULL, "DeallocateLogContext");
    check(DeallocateDataSet(&dataset) == SRNoError, "DeallocateDataSet");
    check(delete_tensor(client, key, strlen(key)) == SRNoError, "delete_tensor");
    check(DeleteCClient(&client) == SRNoError, "DeleteCClient");
    if (failures != 0) return 1;
    printf("SmartRedis C example: OK\n");
    return 0;
}
