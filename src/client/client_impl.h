// Client::Impl, shared by the files that implement Client's members.
#pragma once

#include <insitu/client.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
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
    // Model blobs and script sources handed out as string_views; they live as long as the client.
    std::vector<std::unique_ptr<std::string>> owned_blobs;

    int model_timeout_ms = 3'600'000;             // SR_MODEL_TIMEOUT
    int thread_count = 4;                         // SR_THREAD_COUNT: threads of a list read
    std::optional<std::size_t> model_chunk_size;  // the server's MODEL_CHUNK_SIZE, once asked
    std::uint64_t bytes_moved = 0;
    // Set once a cluster answered CROSSSLOT to a direct run: that server (e.g. RedisAI) declares
    // the model key to Redis Cluster, so runs copy their tensors next to the model from then on.
    bool model_key_declared = false;
    std::unordered_map<int, std::string> shard_prefixes;  // by a shard's lowest slot
    // The shard (an index into router->shards(), modulo their count) whose model copies the
    // one-round-trip run_model uses; drawn at random once, so that clients spread over shards.
    std::size_t inline_shard = 0;
    bool inline_shard_drawn = false;

    OwnedTensor& fetch_tensor(const std::string& name, MemoryLayout layout, TensorType& type);

    // ---- cluster placement of models and scripts (models.cpp) ----
    const std::string& prefix_for_slot(int first_slot);
    // "{P}.key" for every shard (the key itself when standalone).
    std::vector<std::string> every_shard_key(const std::string& key);
    // The copy that get / exists / info read: the first shard's (the key when standalone).
    std::string first_shard_key(const std::string& key);
    // `command` (AI.MODELDEL / AI.SCRIPTDEL) on every shard's copy; KeyException only when no
    // shard had one.
    void delete_on_every_shard(const char* call, const char* command, const std::string& name,
                               const std::string& key);

    // ---- execution (execution.cpp) ----
    enum class RunKind { model, script };
    // run_model / run_script on already prefixed keys. `model_key` is the key without any shard
    // prefix; `function` is used for scripts only.
    void run(RunKind kind, const std::string& call, const std::string& name,
             const std::string& model_key, const std::string& function,
             const std::vector<std::string>& inputs, const std::vector<std::string>& outputs);

    // ---- the one-round-trip run_model (inference.cpp) ----
    // Outputs go into `outputs` (checked, of `out_bytes` each) or, with `allocate`, into memory
    // it returns; `n_out` outputs either way.
    void run_inline(const std::string& name, const std::vector<InputTensor>& inputs,
                    const std::vector<OutputTensor>& outputs,
                    const std::vector<std::size_t>& out_bytes, std::size_t n_out,
                    const OutputAllocator* allocate);

    // ---- the poll_* calls (poll.cpp) ----
    // Whether the server answers AI._WAIT: unknown until the first poll asks (once per client).
    std::optional<bool> wait_supported;
    // True once `AI._WAIT key <condition...>` holds, false after frequency_ms × tries; polls
    // `check` instead (poll.h) where the server has no AI._WAIT.
    bool wait_until(const std::string& key, const std::vector<std::string>& condition,
                    int frequency_ms, int tries, const std::function<bool()>& check);

    // ---- datasets (datasets.cpp) ----
    // Reads the datasets stored under each "<prefix>.{name}" key (any shard), pipelined per shard,
    // the shards of a cluster in parallel (up to thread_count threads). Results in key order.
    std::vector<DataSet> read_datasets(const std::vector<std::string>& dataset_keys,
                                       const std::string& call);
};

}  // namespace insitu
