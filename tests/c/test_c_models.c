/* C API models and scripts: a TorchScript script stored, read back, run and deleted (when the
 * TORCH backend is built), and the error codes of bad model calls. */
#include "check.h"

#include <stdlib.h>

static void* client;

static void errors(void) {
    const char* in[1] = {"x"};
    const size_t in_len[1] = {1};
    CHECK_RC(set_model(client, S("c_m"), S("blob"), S("NOBACKEND"), S("CPU"), 0, 0, 0, S(""), NULL,
                       NULL, 0, NULL, NULL, 0),
             SRParameterError);
    CHECK_RC(set_model(client, S("c_m"), S("blob"), S("TORCH"), S("TPU"), 0, 0, 0, S(""), NULL,
                       NULL, 0, NULL, NULL, 0),
             SRParameterError);
    CHECK_RC(set_model(client, S("c_m"), S("blob"), S("TORCH"), S("CPU"), 0, 0, 0, S(""), NULL,
                       NULL, 2, NULL, NULL, 0),
             SRParameterError);
    CHECK_RC(set_model_from_file(client, S("c_m"), S("/nonexistent/model.pt"), S("TORCH"), S("CPU"),
                                 0, 0, 0, S(""), NULL, NULL, 0, NULL, NULL, 0),
             SRParameterError);
    bool exists = true;
    CHECK_OK(model_exists(client, S("c_never"), &exists));
    CHECK(!exists);
    CHECK_OK(poll_model(client, S("c_never"), 5, 2, &exists));
    CHECK(!exists);
    size_t len = 0;
    const char* blob = NULL;
    SRError rc = get_model(client, S("c_never"), &len, &blob);
    CHECK(rc == SRKeyError || rc == SRDatabaseError);
    CHECK(blob == NULL);
    rc = run_model(client, S("c_never"), in, in_len, 1, in, in_len, 1);
    CHECK(rc != SRNoError);
    CHECK(strcmp(SRGetLastErrorLocation(), "run_model") == 0);
}

#ifdef INSITU_HAVE_TORCH
static void script(void) {
    const char src[] = "def times_two(x):\n    return 2 * x\n";
    CHECK_OK(set_script(client, S("c_script"), S("CPU"), src, sizeof src - 1));
    bool exists = false;
    CHECK_OK(model_exists(client, S("c_script"), &exists));
    CHECK(exists);
    const char* got = NULL;
    size_t len = 0;
    CHECK_OK(get_script(client, S("c_script"), &got, &len));
    CHECK(got != NULL && len > 0 && strstr(got, "times_two") != NULL);
    const size_t dims[1] = {4};
    float x[4] = {1, 2, 3, 4}, y[4] = {0};
    CHECK_OK(put_tensor(client, S("c_x"), x, dims, 1, SRTensorTypeFloat, SRMemLayoutContiguous));
    const char* in[1] = {"c_x"};
    const size_t in_len[1] = {3};
    const char* out[1] = {"c_y"};
    const size_t out_len[1] = {3};
    CHECK_OK(run_script(client, S("c_script"), S("times_two"), in, in_len, 1, out, out_len, 1));
    CHECK_OK(unpack_tensor(client, S("c_y"), y, dims, 1, SRTensorTypeFloat, SRMemLayoutContiguous));
    CHECK(y[0] == 2 && y[3] == 8);
    CHECK(run_script(client, S("c_script"), S("no_such_fn"), in, in_len, 1, out, out_len, 1) !=
          SRNoError);
    CHECK_OK(delete_script(client, S("c_script")));
    CHECK_OK(model_exists(client, S("c_script"), &exists));
    CHECK(!exists);
}
#endif

int main(void) {
    CHECK_OK(SimpleCreateClient(S("c_models"), &client));
    if (client == NULL) return check_report("test_c_models");
    errors();
#ifdef INSITU_HAVE_TORCH
    script();
#endif
    CHECK_OK(DeleteCClient(&client));
    return check_report("test_c_models");
}
