// SmartRedis 0.6.1's C++ examples (put/get tensors, datasets, aggregation lists, models,
// scripts, logging, exceptions), written with SmartRedis's names; the only change from the peer is
// the include. Exits non-zero on the first mismatch.
#include <insitu/smartredis.h>

#include <cmath>
#include <fstream>

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
    if (!ok) {
        std::cout << "FAILED: " << what << std::endl;
        ++failures;
    }
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

}  // namespace

int main(int argc, char* argv[]) {
    (void)argc;
    (void)argv;
    // -- put_get_1D (SmartRedis doc example): the client reads SSDB and SR_DB_TYPE.
    SmartRedis::Client client("compat_cpp");
    size_t dim1 = 10;
    std::vector<size_t> dims = {dim1};
    std::vector<double> input_tensor(dim1, 0);
    for (size_t i = 0; i < dim1; i++) input_tensor[i] = 2.0 * rand() / RAND_MAX - 1.0;
    std::string key = "1d_tensor";
    client.put_tensor(key, input_tensor.data(), dims, SRTensorTypeDouble, SRMemLayoutContiguous);

    std::vector<double> unpack_tensor(dim1, 0);
    client.unpack_tensor(key, unpack_tensor.data(), {dim1}, SRTensorTypeDouble,
                         SRMemLayoutContiguous);
    check(unpack_tensor == input_tensor, "unpack_tensor returns what put_tensor stored");

    void* get_data = nullptr;
    std::vector<size_t> get_dims;
    SRTensorType get_type = SRTensorTypeInvalid;
    client.get_tensor(key, get_data, get_dims, get_type, SRMemLayoutContiguous);
    check(get_type == SRTensorTypeDouble, "get_tensor reports SRTensorTypeDouble");
    check(get_dims == dims, "get_tensor dims");
    check(std::memcmp(get_data, input_tensor.data(), dim1 * sizeof(double)) == 0,
          "get_tensor data");

    // -- 3D float tensor, nested layout.
    size_t d1 = 2, d2 = 3, d3 = 4;
    float*** nested = new float**[d1];
    for (size_t i = 0; i < d1; i++) {
        nested[i] = new float*[d2];
        for (size_t j = 0; j < d2; j++) {
            nested[i][j] = new float[d3];
            for (size_t k = 0; k < d3; k++) nested[i][j][k] = float(i * 100 + j * 10 + k);
        }
    }
    client.put_tensor("3d_tensor", (void*)nested, {d1, d2, d3}, SRTensorTypeFloat,
                      SRMemLayoutNested);
    std::vector<float> flat(d1 * d2 * d3);
    client.unpack_tensor("3d_tensor", flat.data(), {d1 * d2 * d3}, SRTensorTypeFloat,
                         SRMemLayoutContiguous);
    check(flat[1 * 12 + 2 * 4 + 3] == 123.f, "a nested tensor is stored row-major");
    for (size_t i = 0; i < d1; i++) {
        for (size_t j = 0; j < d2; j++) delete[] nested[i][j];
        delete[] nested[i];
    }
    delete[] nested;

    // -- DataSet with tensors and metadata (SmartRedis's dataset example).
    SmartRedis::DataSet dataset("compat_dataset");
    dataset.add_tensor("tensor_1", input_tensor.data(), dims, SRTensorTypeDouble,
                       SRMemLayoutContiguous);
    double meta_dbl = 3.5;
    int64_t meta_i64 = -7;
    dataset.add_meta_scalar("meta_dbl", &meta_dbl, SRMetadataTypeDouble);
    dataset.add_meta_scalar("meta_i64", &meta_i64, SRMetadataTypeInt64);
    dataset.add_meta_string("meta_str", "a string");
    client.put_dataset(dataset);
    check(client.dataset_exists("compat_dataset"), "dataset_exists after put_dataset");

    SmartRedis::DataSet retrieved = client.get_dataset("compat_dataset");
    check(retrieved.get_tensor_type("tensor_1") == SRTensorTypeDouble,
          "DataSet::get_tensor_type is an SRTensorType");
    check(retrieved.get_metadata_field_type("meta_i64") == SRMetadataTypeInt64,
          "DataSet::get_metadata_field_type is an SRMetaDataType");
    std::vector<double> ds_out(dim1);
    retrieved.unpack_tensor("tensor_1", ds_out.data(), {dim1}, SRTensorTypeDouble,
                            SRMemLayoutContiguous);
    check(ds_out == input_tensor, "dataset tensor round trip");
    void* scalars = nullptr;
    size_t n_scalars = 0;
    SRMetaDataType scalar_type = SRMetadataTypeInvalid;
    retrieved.get_meta_scalars("meta_dbl", scalars, n_scalars, scalar_type);
    check(n_scalars == 1 && scalar_type == SRMetadataTypeDouble &&
              static_cast<double*>(scalars)[0] == 3.5,
          "get_meta_scalars");
    check(retrieved.get_meta_strings("meta_str") == std::vector<std::string>{"a string"},
          "get_meta_strings");

    // -- aggregation list.
    client.append_to_list("compat_list", dataset);
    std::vector<SmartRedis::DataSet> from_list = client.get_datasets_from_list("compat_list");
    check(from_list.size() == 1 && from_list[0].get_name() == "compat_dataset",
          "get_datasets_from_list returns SmartRedis::DataSet objects");

#ifdef HAVE_TORCH
    // -- model and script (SmartRedis's mnist-style example with the test MLP).
    client.set_model_from_file("compat_mlp", std::string(MODELS_DIR) + "/mlp_traced.pt", "TORCH",
                               "CPU");
    std::string stored = read_file(std::string(MODELS_DIR) + "/mlp_traced.pt");
    check(client.get_model("compat_mlp") == stored, "get_model returns the stored bytes");
    std::vector<float> x(64, 0.25f), y(10, 0.f);
    std::string in_key = "compat_mlp_in", out_key = "compat_mlp_out";
    client.put_tensor(in_key, x.data(), {1, 64}, SRTensorTypeFloat, SRMemLayoutContiguous);
    client.run_model("compat_mlp", {in_key}, {out_key});
    client.unpack_tensor(out_key, y.data(), {1, 10}, SRTensorTypeFloat, SRMemLayoutContiguous);
    bool finite = true;
    for (float v : y) finite = finite && std::isfinite(v);
    check(finite && client.tensor_exists(out_key), "run_model wrote its output");

    client.set_script_from_file("compat_script", "CPU", std::string(MODELS_DIR) + "/script.txt");
    std::vector<float> a(6, 1.f), b(6, 2.f), c(6, 0.f);
    client.put_tensor("compat_a", a.data(), {2, 3}, SRTensorTypeFloat, SRMemLayoutContiguous);
    client.put_tensor("compat_b", b.data(), {2, 3}, SRTensorTypeFloat, SRMemLayoutContiguous);
    client.run_script("compat_script", "scale_add", {"compat_a", "compat_b"}, {"compat_c"});
    client.unpack_tensor("compat_c", c.data(), {2, 3}, SRTensorTypeFloat, SRMemLayoutContiguous);
    check(c == std::vector<float>(6, 3.f), "run_script scale_add");
#endif

    // -- exceptions carry SmartRedis's class names.
    bool key_error = false;
    try {
        std::vector<double> missing(dim1);
        client.unpack_tensor("no_such_tensor", missing.data(), {dim1}, SRTensorTypeDouble,
                             SRMemLayoutContiguous);
    } catch (const SmartRedis::KeyException& e) {
        key_error = std::string(e.what()).find("no_such_tensor") != std::string::npos;
    }
    check(key_error, "a missing tensor is a SmartRedis::KeyException naming the key");
    bool type_error = false;
    try {
        std::vector<float> wrong(dim1);
        client.unpack_tensor(key, wrong.data(), {dim1}, SRTensorTypeFloat, SRMemLayoutContiguous);
    } catch (const SmartRedis::Exception& e) {
        type_error = dynamic_cast<const SmartRedis::TypeException*>(&e) != nullptr;
    }
    check(type_error, "a dtype mismatch is a SmartRedis::TypeException");

    // -- logging (SR_LOG_FILE / SR_LOG_LEVEL=INFO; tests/compat/check_log.py reads the file).
    client.log_data(LLInfo, "client info line");
    client.log_data(LLDebug, "client debug line");
    client.log_warning(LLInfo, "client warning line");
    client.log_error(LLInfo, "client error line");
    SmartRedis::LogContext context("ctx_cpp");
    context.log_data(LLInfo, "context info line");
    SmartRedis::log_data("ctx_cpp", LLDebug, "free debug line");
    SmartRedis::DataSet logging_dataset("ds_cpp");
    logging_dataset.log_warning(LLInfo, "dataset warning line");

    // -- clean up what this program stored (the fixture database is shared).
    for (const auto& k : {"1d_tensor", "3d_tensor", "compat_mlp_in", "compat_mlp_out", "compat_a",
                          "compat_b", "compat_c"}) {
        if (client.tensor_exists(k)) client.delete_tensor(k);
    }
    client.delete_dataset("compat_dataset");
    client.delete_list("compat_list");

    if (failures != 0) {
        std::cout << failures << " check(s) failed" << std::endl;
        return 1;
    }
    std::cout << "SmartRedis C++ example: OK" << std::endl;
    return 0;
}
