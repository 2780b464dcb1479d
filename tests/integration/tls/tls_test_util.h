// Helpers for the TLS tests: a temporary folder, file contents, and verification of a
// certificate chain with OpenSSL directly (independently of the code under test).
#pragma once

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include "redis_server.h"

namespace insitu::tls_test {

struct TempDir {
    std::string path = insitu::testing::make_temp_dir("tls");
    TempDir() = default;
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline unsigned file_mode(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("cannot stat " + path);
    return st.st_mode & 07777;
}

struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

inline X509Ptr load_cert(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "r");
    if (!f) throw std::runtime_error("cannot open " + path);
    X509Ptr x(PEM_read_X509(f, nullptr, nullptr, nullptr));
    std::fclose(f);
    if (!x) throw std::runtime_error("not a PEM certificate: " + path);
    return x;
}

// X509_V_OK when `cert` chains to the CA in `ca_path` and suits `purpose`
// (X509_PURPOSE_SSL_SERVER / _CLIENT), else OpenSSL's verification error.
inline int verify_chain(const std::string& ca_path, const std::string& cert_path, int purpose) {
    X509Ptr ca = load_cert(ca_path), cert = load_cert(cert_path);
    std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(),
                                                                  X509_STORE_free);
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                        X509_STORE_CTX_free);
    if (!store || !ctx || X509_STORE_add_cert(store.get(), ca.get()) != 1 ||
        X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) != 1 ||
        X509_STORE_CTX_set_purpose(ctx.get(), purpose) != 1)
        throw std::runtime_error("cannot set up the verification of " + cert_path);
    if (X509_verify_cert(ctx.get()) == 1) return X509_V_OK;
    const int err = X509_STORE_CTX_get_error(ctx.get());
    return err == X509_V_OK ? X509_V_ERR_UNSPECIFIED : err;
}

// Runs a shell command (stderr merged into stdout): its exit status and output.
struct CommandResult {
    int status;
    std::string output;
};
inline CommandResult run_command(const std::string& cmd) {
    FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    if (!p) throw std::runtime_error("popen failed: " + cmd);
    std::string out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    const int st = ::pclose(p);
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

}  // namespace insitu::tls_test
