// Built against an installed insitu (find_package or pkg-config): configuration errors must come
// back as typed exceptions, and a client must reach the database named on the command line.
#include <insitu/client.h>
#include <insitu/version.h>

#include <cstdio>

int main(int argc, char** argv) {
    auto cfg = insitu::ConfigOptions::create_empty();
    cfg->override_string_option("SSDB", argc > 1 ? argv[1] : "not an address");
    cfg->override_string_option("SR_DB_TYPE", "Standalone");
    cfg->override_integer_option("SR_CONN_TIMEOUT", 2);
    try {
        insitu::Client client(cfg.get(), "consumer");
        float x[3] = {1, 2, 3}, y[3] = {0, 0, 0};
        client.put_tensor("consumer.x", x, {3}, insitu::TensorType::Float, insitu::MemoryLayout::Contiguous);
        client.unpack_tensor("consumer.x", y, {3}, insitu::TensorType::Float, insitu::MemoryLayout::Contiguous);
        std::printf("insitu %s round trip %s\n", INSITU_VERSION_STRING, y[2] == 3 ? "ok" : "WRONG");
        return y[2] == 3 ? 0 : 1;
    } catch (const insitu::Exception& e) {
        std::printf("error %d: %s\n", static_cast<int>(e.code()), e.what());
        return 3;
    }
}
