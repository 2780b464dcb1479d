// A certificate authority per experiment (issue #15): the driver makes a CA and a server
// certificate signed by it, the database servers present that certificate, and clients trust only
// that CA. Nothing here is secret on a command line: keys go straight to private files.
#pragma once

#include <string>
#include <vector>

namespace insitu::tls {

// Absolute paths of the files in `dir` (the CA key, ca.key, stays next to them and is used only
// to issue certificates).
struct ExperimentCerts {
    std::string dir, ca_cert, server_cert, server_key;
};

// Creates `dir` (0700; an existing one must be a directory of this user that neither group nor
// others can access, else std::runtime_error) and writes a fresh ECDSA P-256 CA (ca.crt, ca.key)
// and a server certificate signed by it (server.crt, server.key). Keys are 0600 from their first
// byte (written to a temporary name with O_EXCL, then renamed over the old file). The server
// certificate is for TLS servers and clients (the cluster bus and replicas connect as clients
// with it), with the names localhost, the host name, 127.0.0.1, ::1, every address of the host's
// interfaces and `extra_names` (an IP address becomes an IP name, anything else a DNS name).
// Throws std::runtime_error naming the file and OpenSSL's reason.
ExperimentCerts generate_experiment_certs(const std::string& dir,
                                          const std::vector<std::string>& extra_names = {});

// As generate_experiment_certs, but reuses what `dir` already holds, so a restarted driver keeps
// its CA and running clients keep working: a complete set (4 files, keys 0600, readable, server
// certificate signed by the CA, matching its key, unexpired and naming every name above) is kept
// as it is; a usable CA with a missing or unfit server certificate gets a new server certificate;
// otherwise everything is generated afresh.
ExperimentCerts ensure_experiment_certs(const std::string& dir,
                                        const std::vector<std::string>& extra_names = {});

}  // namespace insitu::tls
