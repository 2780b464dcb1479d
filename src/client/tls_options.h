// Whether and how the client speaks TLS. On when SSDB's addresses are rediss:// URLs (then all
// must be: one database, one transport) or SR_TLS_CA_FILE is set; the server certificate is
// verified against
// SR_TLS_CA_FILE (the CA the driver generated for the experiment, or a site CA; the system's CAs
// when unset) and must name the host connected to unless SR_TLS_VERIFY_HOST=0. Unix sockets
// stay plaintext (the server offers no TLS there; the socket's folder is private).
#pragma once

#include <insitu/config_options.h>

#include <memory>
#include <vector>

#include "core/address.h"
#include "tls/tls_stream.h"

namespace insitu::client {

// Null when TLS is off. Throws ParameterException naming the option (mixed schemes, an
// unreadable CA file).
std::shared_ptr<const tls::ClientContext> resolve_tls(const ConfigOptions& cfg,
                                                      const std::vector<core::Address>& seeds);

}  // namespace insitu::client
