#include "client/tls_options.h"

#include <insitu/errors.h>

#include "client/credentials.h"
#include "core/text.h"

namespace insitu::client {

std::shared_ptr<const tls::ClientContext> resolve_tls(const ConfigOptions& cfg,
                                                      const std::vector<core::Address>& seeds) {
    const std::string ssdb_opt = option_name(cfg, "SSDB");
    const std::string ca_opt = option_name(cfg, "SR_TLS_CA_FILE");
    std::size_t tls = 0, tcp = 0;
    for (const auto& s : seeds) {
        if (s.kind != core::Address::Kind::tcp) continue;
        ++tcp;
        if (s.tls) ++tls;
    }
    // A CA asks for TLS too (so that SmartSim-style code passing db.get_address()'s host:port
    // works against a TLS database): never plaintext with a CA set.
    const bool ca_given = !cfg.get_string_option_or("SR_TLS_CA_FILE", "").empty();
    if (tls == 0 && !(ca_given && tcp > 0)) return nullptr;
    if (tls != 0 && tls != tcp)
        throw ParameterException(ssdb_opt +
                                 " mixes rediss:// (TLS) and plain addresses; a database "
                                 "serves one or the other");
    tls::ClientOptions o;
    o.ca_file = cfg.get_string_option_or("SR_TLS_CA_FILE", "");
    const std::string verify = cfg.get_string_option_or("SR_TLS_VERIFY_HOST", "1");
    if (verify == "0" || core::iequals(verify, "false") || core::iequals(verify, "no"))
        o.verify_host = false;
    else if (!(verify == "1" || core::iequals(verify, "true") || core::iequals(verify, "yes")))
        throw ParameterException(option_name(cfg, "SR_TLS_VERIFY_HOST") + " must be 1 or 0, not '" +
                                 verify + "'");
    try {
        return std::make_shared<const tls::ClientContext>(std::move(o));
    } catch (const tls::Error& e) {
        throw ParameterException(std::string(e.what()) + " (" + ca_opt + ")");
    }
}

}  // namespace insitu::client
