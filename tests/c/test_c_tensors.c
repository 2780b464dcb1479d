/* C API tensors: put/get/get_tensor_copy/unpack of every dtype and layout, rename/copy/delete,
 * exists/poll, and the error codes for missing keys, wrong dtypes and bad shapes. */
#include "check.h"

#include <stdint.h>
#include <stdlib.h>

static void* client;

/* Fills n elements of `type` with values derived from their index (and `seed`). */
static void fill(void* p, SRTensorType type, size_t n, int seed) {
    for (size_t i = 0; i < n; ++i) {
        long v = (long)((i * 7 + (size_t)seed) % 100) - 50;
        switch (type) {
            case SRTensorTypeDouble:
                ((double*)p)[i] = v * 0.25;
                break;
            case SRTensorTypeFloat:
                ((float*)p)[i] = (float)v * 0.5f;
                break;
            case SRTensorTypeInt8:
                ((int8_t*)p)[i] = (int8_t)v;
                break;
            case SRTensorTypeInt16:
                ((int16_t*)p)[i] = (int16_t)(v * 300);
                break;
            case SRTensorTypeInt32:
                ((int32_t*)p)[i] = (int32_t)(v * 70000);
                break;
            case SRTensorTypeInt64:
                ((int64_t*)p)[i] = (int64_t)v * 5000000000LL;
                break;
            case SRTensorTypeUint8:
                ((uint8_t*)p)[i] = (uint8_t)(v + 50);
                break;
            case SRTensorTypeUint16:
                ((uint16_t*)p)[i] = (uint16_t)((v + 50) * 600);
                break;
            case SRTensorTypeUint32:
                ((uint32_t*)p)[i] = (uint32_t)(v + 50) * 40000000u;
                break;
            case SRTensorTypeUint64:
                ((uint64_t*)p)[i] = (uint64_t)(v + 50) * 100000000000ULL;
                break;
            case SRTensorTypeBool:
                ((uint8_t*)p)[i] = (uint8_t)(v & 1);
                break;
            default:
                break;
        }
    }
}

static size_t elem_size(SRTensorType t) {
    switch (t) {
        case SRTensorTypeDouble:
        case SRTensorTypeInt64:
        case SRTensorTypeUint64:
            return 8;
        case SRTensorTypeFloat:
        case SRTensorTypeInt32:
        case SRTensorTypeUint32:
            return 4;
        case SRTensorTypeInt16:
        case SRTensorTypeUint16:
            return 2;
        default:
            return 1;
    }
}

static void round_trip_every_dtype(void) {
    const SRTensorType types[] = {SRTensorTypeDouble, SRTensorTypeFloat,  SRTensorTypeInt8,
                                  SRTensorTypeInt16,  SRTensorTypeInt32,  SRTensorTypeInt64,
                                  SRTensorTypeUint8,  SRTensorTypeUint16, SRTensorTypeUint32,
                                  SRTensorTypeUint64, SRTensorTypeBool};
    const size_t dims[3] = {2, 3, 4};
    const size_t n = 24;
    for (size_t k = 0; k < sizeof types / sizeof types[0]; ++k) {
        SRTensorType t = types[k];
        size_t bytes = n * elem_size(t);
        unsigned char* src = malloc(bytes);
        unsigned char* dst = malloc(bytes);
        fill(src, t, n, (int)k);
        char name[32];
        snprintf(name, sizeof name, "c_dtype_%d", (int)t);
        CHECK_OK(put_tensor(client, name, strlen(name), src, dims, 3, t, SRMemLayoutContiguous));

        /* get_tensor: client-owned memory */
        void* data = NULL;
        size_t* got_dims = NULL;
        size_t got_n = 0;
        SRTensorType got_t = SRTensorTypeInvalid;
        CHECK_OK(get_tensor(client, name, strlen(name), &data, &got_dims, &got_n, &got_t,
                            SRMemLayoutContiguous));
        CHECK(got_t == t);
        CHECK(got_n == 3 && got_dims[0] == 2 && got_dims[1] == 3 && got_dims[2] == 4);
        CHECK(data != NULL && memcmp(data, src, bytes) == 0);

        /* get_tensor_copy: caller-owned memory */
        void* copy = NULL;
        size_t* copy_dims = NULL;
        size_t copy_n = 0;
        CHECK_OK(get_tensor_copy(client, name, strlen(name), &copy, &copy_dims, &copy_n, &got_t));
        CHECK(got_t == t && copy_n == 3 && copy_dims[2] == 4);
        CHECK(copy != NULL && memcmp(copy, src, bytes) == 0);
        SRFreeBuffer(copy);
        SRFreeBuffer(copy_dims);

        /* unpack_tensor into the caller's buffer */
        memset(dst, 0, bytes);
        CHECK_OK(unpack_tensor(client, name, strlen(name), dst, dims, 3, t, SRMemLayoutContiguous));
        CHECK(memcmp(dst, src, bytes) == 0);
        free(src);
        free(dst);
    }
}

static void layouts(void) {
    /* Fortran-contiguous: a column-major 2x3 array is stored row-major. */
    const size_t dims[2] = {2, 3};
    const int32_t col_major[6] = {1, 4, 2, 5, 3, 6}; /* the matrix [[1,2,3],[4,5,6]] */
    const int32_t row_major[6] = {1, 2, 3, 4, 5, 6};
    CHECK_OK(put_tensor(client, S("c_fortran"), (void*)col_major, dims, 2, SRTensorTypeInt32,
                        SRMemLayoutFortranContiguous));
    int32_t out[6] = {0};
    CHECK_OK(unpack_tensor(client, S("c_fortran"), out, dims, 2, SRTensorTypeInt32,
                           SRMemLayoutContiguous));
    CHECK(memcmp(out, row_major, sizeof out) == 0);
    memset(out, 0, sizeof out);
    CHECK_OK(unpack_tensor(client, S("c_fortran"), out, dims, 2, SRTensorTypeInt32,
                           SRMemLayoutFortranContiguous));
    CHECK(memcmp(out, col_major, sizeof out) == 0);
    void* data = NULL;
    size_t* gd = NULL;
    size_t gn = 0;
    SRTensorType gt;
    CHECK_OK(
        get_tensor(client, S("c_fortran"), &data, &gd, &gn, &gt, SRMemLayoutFortranContiguous));
    CHECK(data != NULL && memcmp(data, col_major, sizeof col_major) == 0);

    /* Nested: pointer-of-pointers rows. */
    double r0[3] = {1.5, 2.5, 3.5}, r1[3] = {4.5, 5.5, 6.5};
    double* rows[2] = {r0, r1};
    CHECK_OK(
        put_tensor(client, S("c_nested"), rows, dims, 2, SRTensorTypeDouble, SRMemLayoutNested));
    double flat[6];
    CHECK_OK(unpack_tensor(client, S("c_nested"), flat, dims, 2, SRTensorTypeDouble,
                           SRMemLayoutContiguous));
    CHECK(flat[0] == 1.5 && flat[2] == 3.5 && flat[3] == 4.5 && flat[5] == 6.5);
    CHECK_OK(get_tensor(client, S("c_nested"), &data, &gd, &gn, &gt, SRMemLayoutNested));
    double** nested = (double**)data;
    CHECK(gt == SRTensorTypeDouble && nested[1][2] == 6.5 && nested[0][1] == 2.5);
    double o0[3], o1[3];
    double* orows[2] = {o0, o1};
    CHECK_OK(unpack_tensor(client, S("c_nested"), orows, dims, 2, SRTensorTypeDouble,
                           SRMemLayoutNested));
    CHECK(o1[0] == 4.5 && o0[2] == 3.5);

    CHECK_RC(put_tensor(client, S("c_bad_layout"), rows, dims, 2, SRTensorTypeDouble,
                        SRMemLayoutFortranNested),
             SRParameterError);
}

static void errors(void) {
    const size_t dims[1] = {4};
    float f[4] = {1, 2, 3, 4};
    CHECK_OK(put_tensor(client, S("c_err"), f, dims, 1, SRTensorTypeFloat, SRMemLayoutContiguous));

    /* missing key */
    float out[4];
    CHECK_RC(unpack_tensor(client, S("c_missing"), out, dims, 1, SRTensorTypeFloat,
                           SRMemLayoutContiguous),
             SRKeyError);
    CHECK_ERROR_TEXT("c_missing");
    CHECK(strcmp(SRGetLastErrorLocation(), "unpack_tensor") == 0);
    void* data = NULL;
    size_t* gd = NULL;
    size_t gn = 0;
    SRTensorType gt = SRTensorTypeInvalid;
    CHECK_RC(get_tensor(client, S("c_missing"), &data, &gd, &gn, &gt, SRMemLayoutContiguous),
             SRKeyError);
    CHECK(data == NULL && gn == 0); /* outputs untouched on failure */
    CHECK_RC(get_tensor_copy(client, S("c_missing"), &data, &gd, &gn, &gt), SRKeyError);
    CHECK(data == NULL);

    /* wrong dtype */
    double d[4];
    CHECK_RC(
        unpack_tensor(client, S("c_err"), d, dims, 1, SRTensorTypeDouble, SRMemLayoutContiguous),
        SRTypeError);
    CHECK_ERROR_TEXT("FLOAT");
    /* wrong shape */
    const size_t dims5[1] = {5};
    float f5[5];
    CHECK_RC(
        unpack_tensor(client, S("c_err"), f5, dims5, 1, SRTensorTypeFloat, SRMemLayoutContiguous),
        SRParameterError);
    /* bad arguments */
    CHECK_RC(put_tensor(client, S("c_x"), f, dims, 0, SRTensorTypeFloat, SRMemLayoutContiguous),
             SRParameterError);
    CHECK_RC(put_tensor(client, S("c_x"), f, NULL, 1, SRTensorTypeFloat, SRMemLayoutContiguous),
             SRParameterError);
    CHECK_RC(put_tensor(client, S("c_x"), NULL, dims, 1, SRTensorTypeFloat, SRMemLayoutContiguous),
             SRParameterError);
    CHECK_RC(put_tensor(client, S("c_x"), f, dims, 1, SRTensorTypeInvalid, SRMemLayoutContiguous),
             SRParameterError);
    CHECK_RC(put_tensor(client, NULL, 3, f, dims, 1, SRTensorTypeFloat, SRMemLayoutContiguous),
             SRParameterError);
    CHECK_RC(get_tensor(client, S("c_err"), NULL, &gd, &gn, &gt, SRMemLayoutContiguous),
             SRParameterError);
    /* a success clears the last error */
    bool exists = false;
    CHECK_OK(tensor_exists(client, S("c_err"), &exists));
    CHECK(strcmp(SRGetLastError(), "") == 0);
}

static void rename_copy_delete_poll(void) {
    const size_t dims[1] = {3};
    int64_t v[3] = {7, 8, 9}, w[3] = {0};
    bool exists = false;
    CHECK_OK(put_tensor(client, S("c_a"), v, dims, 1, SRTensorTypeInt64, SRMemLayoutContiguous));
    CHECK_OK(tensor_exists(client, S("c_a"), &exists));
    CHECK(exists);
    CHECK_OK(copy_tensor(client, S("c_a"), S("c_b")));
    CHECK_OK(unpack_tensor(client, S("c_b"), w, dims, 1, SRTensorTypeInt64, SRMemLayoutContiguous));
    CHECK(w[0] == 7 && w[2] == 9);
    CHECK_OK(rename_tensor(client, S("c_b"), S("c_c")));
    CHECK_OK(tensor_exists(client, S("c_b"), &exists));
    CHECK(!exists);
    CHECK_OK(poll_tensor(client, S("c_c"), 10, 3, &exists));
    CHECK(exists);
    CHECK_OK(delete_tensor(client, S("c_c")));
    CHECK_OK(poll_tensor(client, S("c_c"), 10, 3, &exists));
    CHECK(!exists);
    CHECK_RC(rename_tensor(client, S("c_nope"), S("c_nope2")), SRKeyError);
    CHECK_RC(copy_tensor(client, S("c_nope"), S("c_nope2")), SRKeyError);
    CHECK_ERROR_TEXT("c_nope");
    CHECK(strcmp(SRGetLastErrorLocation(), "copy_tensor") == 0);
    CHECK_RC(tensor_exists(client, S("c_a"), NULL), SRParameterError);
}

/* put_tensors / unpack_tensors: 20 small tensors in one call each, bit-exact, and per-item
 * codes for a missing key and a wrong dtype while the other items arrive. */
static void batch_calls(void) {
    enum { N = 20 };
    char name_buf[N][16];
    const char* names[N];
    size_t lengths[N], n_dims[N];
    const size_t dims1[1] = {5};
    const size_t* dims[N];
    SRTensorType types[N];
    float in[N][5], out[N][5];
    const void* data[N];
    void* results[N];
    SRError item_errors[N];
    for (int i = 0; i < N; ++i) {
        snprintf(name_buf[i], sizeof name_buf[i], "c_batch%d", i);
        names[i] = name_buf[i];
        lengths[i] = strlen(name_buf[i]);
        dims[i] = dims1;
        n_dims[i] = 1;
        types[i] = SRTensorTypeFloat;
        for (int k = 0; k < 5; ++k) in[i][k] = (float)(i * 10 + k) + 0.25f;
        memset(out[i], 0, sizeof out[i]);
        data[i] = in[i];
        results[i] = out[i];
    }
    CHECK_OK(put_tensors(client, names, lengths, data, dims, n_dims, types, N,
                         SRMemLayoutContiguous, item_errors));
    CHECK(item_errors[0] == SRNoError && item_errors[N - 1] == SRNoError);
    CHECK_OK(unpack_tensors(client, names, lengths, results, dims, n_dims, types, N,
                            SRMemLayoutContiguous, NULL));
    CHECK(memcmp(in, out, sizeof in) == 0);

    /* Item 3 names no tensor, item 7 asks for the wrong dtype: both reported, the rest read. */
    memset(out, 0, sizeof out);
    names[3] = "c_batch_missing";
    lengths[3] = strlen(names[3]);
    types[7] = SRTensorTypeInt32;
    CHECK_RC(unpack_tensors(client, names, lengths, results, dims, n_dims, types, N,
                            SRMemLayoutContiguous, item_errors),
             SRKeyError);
    CHECK(item_errors[3] == SRKeyError);
    CHECK(item_errors[7] == SRTypeError);
    CHECK(item_errors[0] == SRNoError && item_errors[8] == SRNoError);
    CHECK_ERROR_TEXT("c_batch_missing");
    CHECK(memcmp(in[0], out[0], sizeof in[0]) == 0);
    CHECK(memcmp(in[N - 1], out[N - 1], sizeof in[0]) == 0);
    CHECK(out[7][0] == 0.0f);
}

/* ai_shm_puts of the standalone database (SSDB), -1 when unknown. */
static long shm_puts(void) {
    const char* ssdb = getenv("SSDB");
    const char* type = getenv("SR_DB_TYPE");
    if (!ssdb || !type || strcmp(type, "Standalone") != 0) return -1;
    char* json = NULL;
    size_t n = 0;
    if (get_db_node_info(client, ssdb, strlen(ssdb), &json, &n) != SRNoError) return -1;
    const char* at = strstr(json, "\"ai_shm_puts\":\"");
    long v = at ? strtol(at + strlen("\"ai_shm_puts\":\""), NULL, 10) : -1;
    SRFreeBuffer(json);
    return v;
}

/* A 1 MiB tensor goes through the server's shared memory (same host); it reads back whole. */
static void shared_memory(void) {
    enum { N = 262144 };
    static float in[N], out[N];
    for (size_t i = 0; i < N; ++i) in[i] = (float)i * 0.5f;
    const size_t dims[1] = {N};
    long before = shm_puts();
    CHECK_OK(put_tensor(client, S("c_shm"), in, dims, 1, SRTensorTypeFloat, SRMemLayoutContiguous));
    CHECK_OK(
        unpack_tensor(client, S("c_shm"), out, dims, 1, SRTensorTypeFloat, SRMemLayoutContiguous));
    CHECK(memcmp(in, out, sizeof in) == 0);
    if (before >= 0) CHECK(shm_puts() == before + 1);
}

int main(void) {
    CHECK_OK(SimpleCreateClient(S("c_tensors"), &client));
    if (client == NULL) return check_report("test_c_tensors");
    round_trip_every_dtype();
    layouts();
    errors();
    rename_copy_delete_poll();
    batch_calls();
    shared_memory();
    CHECK_OK(DeleteCClient(&client));
    CHECK(client == NULL);
    return check_report("test_c_tensors");
}
