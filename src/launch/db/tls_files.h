// TLS for a database insitu starts (tls=True / --tls): a CA and a server certificate generated
// for each start (tls/certs.h) in <secrets dir>/tls, the server directives that make every shard
// serve TLS only (client port, cluster bus, replication), and the CA applications verify with.
#pragma once

#include <string>
#include <vector>

namespace insitu::launch {

// <secrets dir>/tls
std::string tls_dir_of(const std::string& secrets_dir);
// <secrets dir>/tls/ca.crt
std::string tls_ca_file_of(const std::string& secrets_dir);
// A fresh CA and server certificate, naming this host and `hosts` (Slurm nodes: their names
// and addresses), so that clients can check the host they connect to.
void generate_tls(const std::string& secrets_dir, const std::vector<std::string>& hosts);
// An SSDB value: the addresses joined with ',', TCP ones as rediss:// when `tls` (a Unix socket
// stays plaintext).
std::string ssdb_value(const std::vector<std::string>& addresses, bool tls);
// Server directives: TLS only on `port` (the plaintext port off), the bus and replication too.
std::string render_tls_config(const std::string& secrets_dir, int port, bool cluster);

}  // namespace insitu::launch
