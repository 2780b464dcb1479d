// A C++ driver against an installed insitu (insitu::launch): consumer_driver EXP_DIR starts a
// standalone database with the Experiment API (the module found relative to the installed
// library, no INSITU_MODULE), stores and reads a tensor, runs an application, and stops.
#include <insitu/client.h>
#include <insitu/experiment.h>

#include <cstdio>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: consumer_driver EXP_DIR\n");
        return 2;
    }
    try {
        insitu::Experiment exp("consumer", argv[1]);
        auto db = exp.create_database(0, 1);
        exp.start(db);
        std::string address = db->get_address().at(0);
        auto cfg = insitu::ConfigOptions::create_empty();
        cfg->override_string_option("SSDB", address);
        cfg->override_string_option("SR_DB_TYPE", "Standalone");
        // Secure by default: the application user's password file (docs/security.md).
        cfg->override_string_option("SR_DB_USER", "app");
        cfg->override_string_option("SR_DB_PASSWORD_FILE", db->secrets_dir() + "/app");
        insitu::Client client(cfg.get(), "driver");
        double x[2] = {4.5, -1}, y[2] = {0, 0};
        client.put_tensor("driver.x", x, {2}, insitu::TensorType::Double,
                          insitu::MemoryLayout::Contiguous);
        client.unpack_tensor("driver.x", y, {2}, insitu::TensorType::Double,
                             insitu::MemoryLayout::Contiguous);
        // An application gets the database address and its credentials in its environment.
        auto app = exp.create_model(
            "app",
            exp.create_run_settings(
                "/bin/sh", {"-c", "test -n \"$SSDB\" && test -r \"$SR_DB_PASSWORD_FILE\""}, ""));
        exp.start(app);
        auto rc = exp.get_returncodes(*app).at(0);
        exp.stop(db);
        bool ok = y[0] == 4.5 && y[1] == -1 && rc && *rc == 0;
        std::printf("C++ driver: database %s, round trip [%g %g], application exit %d: %s\n",
                    address.c_str(), y[0], y[1], rc ? *rc : -1, ok ? "ok" : "WRONG");
        return ok ? 0 : 1;
    } catch (const std::exception& e) {
        std::printf("driver error: %s\n", e.what());
        return 3;
    }
}
