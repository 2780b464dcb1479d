/* C API keys, polling and ensemble prefixes (SSKEYIN/SSKEYOUT set before the client is made). */
#define _POSIX_C_SOURCE 200112L
#include "check.h"

#include <stdlib.h>

int main(void) {
    void* plain = NULL;
    CHECK_OK(SimpleCreateClient(S("c_keys"), &plain));
    setenv("SSKEYOUT", "member1", 1);
    setenv("SSKEYIN", "member1,member0", 1);
    void* member = NULL;
    CHECK_OK(SimpleCreateClient(S("c_keys_member"), &member));
    unsetenv("SSKEYOUT");
    unsetenv("SSKEYIN");
    if (!plain || !member) return check_report("test_c_keys");

    const size_t dims[1] = {2};
    int16_t v[2] = {3, 4}, w[2] = {0, 0};
    bool exists = false;
    /* prefixed put, prefixed get */
    CHECK_OK(put_tensor(member, S("t"), v, dims, 1, SRTensorTypeInt16, SRMemLayoutContiguous));
    CHECK_OK(key_exists(plain, S("member1.t"), &exists));
    CHECK(exists);
    CHECK_OK(key_exists(member, S("member1.t"), &exists)); /* key_exists applies no prefix */
    CHECK(exists);
    CHECK_OK(key_exists(member, S("t"), &exists));
    CHECK(!exists);
    CHECK_OK(tensor_exists(member, S("t"), &exists));
    CHECK(exists);
    CHECK_OK(unpack_tensor(member, S("t"), w, dims, 1, SRTensorTypeInt16, SRMemLayoutContiguous));
    CHECK(w[0] == 3 && w[1] == 4);
    /* another data source */
    CHECK_OK(
        put_tensor(plain, S("member0.u"), v, dims, 1, SRTensorTypeInt16, SRMemLayoutContiguous));
    CHECK_OK(tensor_exists(member, S("u"), &exists));
    CHECK(!exists);
    CHECK_OK(set_data_source(member, S("member0")));
    CHECK_OK(tensor_exists(member, S("u"), &exists));
    CHECK(exists);
    CHECK_RC(set_data_source(member, S("member9")), SRParameterError);
    CHECK_ERROR_TEXT("member9");
    /* prefixing off */
    CHECK_OK(use_tensor_ensemble_prefix(member, false));
    CHECK_OK(put_tensor(member, S("bare"), v, dims, 1, SRTensorTypeInt16, SRMemLayoutContiguous));
    CHECK_OK(key_exists(plain, S("bare"), &exists));
    CHECK(exists);
    CHECK_OK(use_dataset_ensemble_prefix(member, false));
    CHECK_OK(use_model_ensemble_prefix(member, true));
    CHECK_OK(use_list_ensemble_prefix(member, false));
    CHECK_RC(use_list_ensemble_prefix(NULL, false), SRParameterError);

    /* polling */
    CHECK_OK(poll_key(plain, S("bare"), 5, 2, &exists));
    CHECK(exists);
    CHECK_OK(poll_key(plain, S("never"), 5, 3, &exists));
    CHECK(!exists);
    CHECK_RC(poll_key(plain, S("never"), 5, 3, NULL), SRParameterError);

    CHECK_OK(DeleteCClient(&member));
    CHECK_OK(DeleteCClient(&plain));
    return check_report("test_c_keys");
}
