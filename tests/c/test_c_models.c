/* C API models and scripts: a TorchScript script stored, read back, run and deleted (when the
 * TORCH backend is built), and the error codes of bad model calls. */
#include "check.h"

#include <stdlib.h>
#include <string.h>

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

/* The one-round-trip run_model_inline against put_tensor + run_model + unpack_tensor on the MLP
 * (1x64 -> 1x10): equal bit for bit, no key written, and its error codes. */
static void inline_run(void) {
    CHECK_OK(set_model_from_file(client, S("c_mlp"), S(INSITU_TEST_MODELS_DIR "/mlp_traced.pt"),
                                 S("TORCH"), S("CPU"), 0, 0, 0, S(""), NULL, NULL, 0, NULL, NULL,
                                 0));
    float x[64], three[10], one[10];
    for (int i = 0; i < 64; ++i) x[i] = (float)(i % 7) * 0.25f - 0.5f;
    const size_t in_shape[2] = {1, 64}, out_shape[2] = {1, 10};
    CHECK_OK(
        put_tensor(client, S("c_mx"), x, in_shape, 2, SRTensorTypeFloat, SRMemLayoutContiguous));
    const char* in[1] = {"c_mx"};
    const size_t in_len[1] = {4};
    const char* out[1] = {"c_my"};
    const size_t out_len[1] = {4};
    CHECK_OK(run_model(client, S("c_mlp"), in, in_len, 1, out, out_len, 1));
    CHECK_OK(unpack_tensor(client, S("c_my"), three, out_shape, 2, SRTensorTypeFloat,
                           SRMemLayoutContiguous));

    const void* ins[1] = {x};
    const size_t* in_dims[1] = {in_shape};
    const size_t in_n[1] = {2};
    const SRTensorType types[1] = {SRTensorTypeFloat};
    void* outs[1] = {one};
    const size_t* out_dims[1] = {out_shape};
    const size_t out_n[1] = {2};
    memset(one, 0, sizeof one);
    CHECK_OK(run_model_inline(client, S("c_mlp"), ins, in_dims, in_n, types, 1, outs, out_dims,
                              out_n, types, 1, SRMemLayoutContiguous));
    CHECK(memcmp(one, three, sizeof one) == 0);
    bool exists = true;
    CHECK_OK(key_exists(client, S("in0"), &exists));
    CHECK(!exists);
    CHECK_OK(key_exists(client, S("out0"), &exists));
    CHECK(!exists);

    CHECK_RC(run_model_inline(client, S("c_nosuch"), ins, in_dims, in_n, types, 1, outs, out_dims,
                              out_n, types, 1, SRMemLayoutContiguous),
             SRKeyError);
    CHECK_ERROR_TEXT("c_nosuch");
    const size_t short_shape[2] = {1, 32};
    const size_t* short_dims[1] = {short_shape};
    CHECK_RC(run_model_inline(client, S("c_mlp"), ins, short_dims, in_n, types, 1, outs, out_dims,
                              out_n, types, 1, SRMemLayoutContiguous),
             SRDatabaseError);
    CHECK_ERROR_TEXT("run_model 'c_mlp' failed");
    float small[5] = {0};
    void* small_outs[1] = {small};
    const size_t small_shape[2] = {1, 5};
    const size_t* small_dims[1] = {small_shape};
    CHECK_RC(run_model_inline(client, S("c_mlp"), ins, in_dims, in_n, types, 1, small_outs,
                              small_dims, out_n, types, 1, SRMemLayoutContiguous),
             SRParameterError);
    CHECK(small[0] == 0 && small[4] == 0);
    const SRTensorType doubles[1] = {SRTensorTypeDouble};
    double as_double[10];
    void* double_outs[1] = {as_double};
    CHECK_RC(run_model_inline(client, S("c_mlp"), ins, in_dims, in_n, types, 1, double_outs,
                              out_dims, out_n, doubles, 1, SRMemLayoutContiguous),
             SRTypeError);
    CHECK_RC(run_model_inline(client, S("c_mlp"), NULL, in_dims, in_n, types, 1, outs, out_dims,
                              out_n, types, 1, SRMemLayoutContiguous),
             SRParameterError);
    /* The connection still serves the next call. */
    memset(one, 0, sizeof one);
    CHECK_OK(run_model_inline(client, S("c_mlp"), ins, in_dims, in_n, types, 1, outs, out_dims,
                              out_n, types, 1, SRMemLayoutContiguous));
    CHECK(memcmp(one, three, sizeof one) == 0);
    CHECK_OK(delete_model(client, S("c_mlp")));
}
#endif

int main(void) {
    CHECK_OK(SimpleCreateClient(S("c_models"), &client));
    if (client == NULL) return check_report("test_c_models");
    errors();
#ifdef INSITU_HAVE_TORCH
    script();
    inline_run();
#endif
    CHECK_OK(DeleteCClient(&client));
    return check_report("test_c_models");
}
