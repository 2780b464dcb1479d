// Client::Impl, shared by the files that implement Client's members.
#pragma once

#include <insitu/client.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/key_prefix.h"
#include "client/logger.h"
#include "client/router.h"

namespace insitu {

struct Client::Impl {
    // `force_cluster` (the deprecated constructor) overrides SR_DB_TYPE.
    Impl(const ConfigOptions& cfg, const std::string& logger_name,
         std::optional<bool> force_cluster);

    // Tensor memory handed out by get_tensor; like the peer, it lives as long as the client.
    struct OwnedTensor {
        std::unique_ptr<std::byte[]> data;
        std::vector<std::size_t> dims;
        std::vector<void*> nested;  // pointer levels of a Nested view
        void* view = nullptr;       // what get_tensor hands out
    };

    std::string logger_name;
    std::unique_ptr<client::Logger> log;
    std::unique_ptr<client::KeyPrefixer> prefix;
    std::unique_ptr<client::Router> router;
    std::vector<std::unique_ptr<OwnedTensor>> owned;

    OwnedTensor& fetch_tensor(const std::string& name, MemoryLayout layout, TensorType& type);
};

}  // namespace insitu
