/* C API datasets and aggregation lists: tensors and metadata in and out of a dataset handle,
 * put/get/rename/copy/delete/exists/poll, lists, and the error codes. */
#include "check.h"

#include <stdint.h>
#include <stdlib.h>

static void* client;

static void dataset_handle(void) {
    void* ds = NULL;
    CHECK_OK(CDataSet(S("c_ds"), &ds));
    const size_t dims[2] = {2, 3};
    float f[6] = {1, 2, 3, 4, 5, 6};
    CHECK_OK(add_tensor(ds, S("t"), f, dims, 2, SRTensorTypeFloat, SRMemLayoutContiguous));
    CHECK_RC(add_tensor(ds, S("t"), f, dims, 2, SRTensorTypeFloat, SRMemLayoutContiguous),
             SRParameterError); /* a name used already */
    double d1 = 1.5, d2 = 2.5;
    int64_t i = -7;
    CHECK_OK(add_meta_scalar(ds, S("dbl"), &d1, SRMetadataTypeDouble));
    CHECK_OK(add_meta_scalar(ds, S("dbl"), &d2, SRMetadataTypeDouble));
    CHECK_OK(add_meta_scalar(ds, S("i64"), &i, SRMetadataTypeInt64));
    CHECK_OK(add_meta_string(ds, S("str"), S("hello")));
    CHECK_OK(add_meta_string(ds, S("str"), S("world!")));

    size_t len = 0;
    SRMetaDataType mt = SRMetadataTypeInvalid;
    void* scalars = NULL;
    CHECK_OK(get_meta_scalars(ds, S("dbl"), &len, &mt, &scalars));
    CHECK(len == 2 && mt == SRMetadataTypeDouble && ((double*)scalars)[1] == 2.5);
    char** strs = NULL;
    size_t n = 0;
    size_t* lens = NULL;
    CHECK_OK(get_meta_strings(ds, S("str"), &strs, &n, &lens));
    CHECK(n == 2 && lens[1] == 6 && memcmp(strs[1], "world!", 6) == 0);
    CHECK_OK(get_tensor_names(ds, &strs, &n, &lens));
    CHECK(n == 1 && lens[0] == 1 && strs[0][0] == 't');
    CHECK_OK(get_metadata_field_names(ds, &strs, &n, &lens));
    CHECK(n == 3);
    SRTensorType tt;
    CHECK_OK(get_tensor_type(ds, S("t"), &tt));
    CHECK(tt == SRTensorTypeFloat);
    CHECK_OK(get_metadata_field_type(ds, S("str"), &mt));
    CHECK(mt == SRMetadataTypeString);
    size_t got_dims[4];
    size_t nd = 4;
    CHECK_OK(get_tensor_dims(ds, S("t"), got_dims, &nd));
    CHECK(nd == 2 && got_dims[0] == 2 && got_dims[1] == 3);
    nd = 1;
    CHECK_RC(get_tensor_dims(ds, S("t"), got_dims, &nd), SRBadAllocError);
    CHECK(nd == 2);
    bool has = false;
    CHECK_OK(has_field(ds, S("i64"), &has));
    CHECK(has);
    CHECK_OK(clear_field(ds, S("i64")));
    CHECK_OK(has_field(ds, S("i64"), &has));
    CHECK(!has);
    void* data = NULL;
    size_t* dp = NULL;
    CHECK_OK(get_dataset_tensor(ds, S("t"), &data, &dp, &nd, &tt, SRMemLayoutContiguous));
    CHECK(nd == 2 && ((float*)data)[5] == 6);
    float out[6] = {0};
    CHECK_OK(
        unpack_dataset_tensor(ds, S("t"), out, dims, 2, SRTensorTypeFloat, SRMemLayoutContiguous));
    CHECK(out[4] == 5);
    double wrong[6];
    CHECK_RC(unpack_dataset_tensor(ds, S("t"), wrong, dims, 2, SRTensorTypeDouble,
                                   SRMemLayoutContiguous),
             SRTypeError);
    CHECK_RC(get_tensor_type(ds, S("nope"), &tt), SRKeyError);
    CHECK_RC(get_meta_scalars(ds, S("nope"), &len, &mt, &scalars), SRKeyError);

    /* through the database */
    CHECK_OK(put_dataset(client, ds));
    bool exists = false;
    CHECK_OK(dataset_exists(client, S("c_ds"), &exists));
    CHECK(exists);
    void* back = NULL;
    CHECK_OK(get_dataset(client, S("c_ds"), &back));
    CHECK_OK(get_meta_strings(back, S("str"), &strs, &n, &lens));
    CHECK(n == 2 && memcmp(strs[0], "hello", 5) == 0);
    memset(out, 0, sizeof out);
    CHECK_OK(unpack_dataset_tensor(back, S("t"), out, dims, 2, SRTensorTypeFloat,
                                   SRMemLayoutContiguous));
    CHECK(out[0] == 1 && out[5] == 6);
    CHECK_OK(DeallocateDataSet(&back));
    CHECK(back == NULL);
    CHECK_OK(copy_dataset(client, S("c_ds"), S("c_ds2")));
    CHECK_OK(rename_dataset(client, S("c_ds2"), S("c_ds3")));
    CHECK_OK(poll_dataset(client, S("c_ds3"), 10, 3, &exists));
    CHECK(exists);
    CHECK_OK(dataset_exists(client, S("c_ds2"), &exists));
    CHECK(!exists);
    CHECK_OK(delete_dataset(client, S("c_ds3")));
    CHECK_OK(dataset_exists(client, S("c_ds3"), &exists));
    CHECK(!exists);
    CHECK_RC(get_dataset(client, S("c_ds_missing"), &back), SRKeyError);
    CHECK_ERROR_TEXT("c_ds_missing");
    CHECK(back == NULL);
    /* handle kinds are checked */
    CHECK_RC(put_dataset(client, client), SRParameterError);
    CHECK_RC(put_dataset(ds, ds), SRParameterError);
    CHECK_OK(DeallocateDataSet(&ds));
}

static void lists(void) {
    for (int k = 0; k < 3; ++k) {
        char name[16];
        snprintf(name, sizeof name, "c_lds%d", k);
        void* ds = NULL;
        CHECK_OK(CDataSet(name, strlen(name), &ds));
        int32_t v = k * 10;
        const size_t dims[1] = {1};
        CHECK_OK(add_tensor(ds, S("v"), &v, dims, 1, SRTensorTypeInt32, SRMemLayoutContiguous));
        CHECK_OK(put_dataset(client, ds));
        CHECK_OK(append_to_list(client, S("c_list"), ds));
        CHECK_OK(DeallocateDataSet(&ds));
    }
    int length = 0;
    bool ok = false;
    CHECK_OK(get_list_length(client, S("c_list"), &length));
    CHECK(length == 3);
    CHECK_OK(poll_list_length(client, S("c_list"), 3, 10, 2, &ok));
    CHECK(ok);
    CHECK_OK(poll_list_length_gte(client, S("c_list"), 2, 10, 2, &ok));
    CHECK(ok);
    CHECK_OK(poll_list_length_lte(client, S("c_list"), 2, 10, 2, &ok));
    CHECK(!ok);
    void** sets = NULL;
    size_t n = 0;
    CHECK_OK(get_datasets_from_list(client, S("c_list"), &sets, &n));
    CHECK(n == 3);
    for (size_t k = 0; k < n; ++k) {
        int32_t v = -1;
        const size_t dims[1] = {1};
        CHECK_OK(unpack_dataset_tensor(sets[k], S("v"), &v, dims, 1, SRTensorTypeInt32,
                                       SRMemLayoutContiguous));
        CHECK(v == (int32_t)k * 10);
        CHECK_OK(DeallocateDataSet(&sets[k]));
    }
    SRFreeBuffer(sets);
    CHECK_OK(get_dataset_list_range(client, S("c_list"), -2, -1, &sets, &n));
    CHECK(n == 2);
    for (size_t k = 0; k < n; ++k) CHECK_OK(DeallocateDataSet(&sets[k]));
    SRFreeBuffer(sets);
    CHECK_OK(copy_list(client, S("c_list"), S("c_list2")));
    CHECK_OK(rename_list(client, S("c_list2"), S("c_list3")));
    CHECK_OK(get_list_length(client, S("c_list3"), &length));
    CHECK(length == 3);
    CHECK_OK(delete_list(client, S("c_list3")));
    CHECK_OK(get_list_length(client, S("c_list3"), &length));
    CHECK(length == 0);
    CHECK_RC(get_list_length(client, S("c_list"), NULL), SRParameterError);
}

int main(void) {
    CHECK_OK(SimpleCreateClient(S("c_datasets"), &client));
    if (client == NULL) return check_report("test_c_datasets");
    dataset_handle();
    lists();
    CHECK_OK(DeleteCClient(&client));
    return check_report("test_c_datasets");
}
