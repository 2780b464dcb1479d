// Argument grammar of AI.TENSORSET and AI.TENSORGET, independent of Redis (fuzzable in-process).
// `args` excludes the command name: args[0] is the key.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "engine/tensor.h"

namespace insitu::engine {

struct TensorSetArgs {
    TensorType dtype = TensorType::Invalid;
    std::vector<std::int64_t> dims;
    // shm (insitu): "SHM <offset> <tag>", a block of the server's shared-memory arena that a
    // client on the same host filled (engine/shm_arena.h).
    enum class Source { zeros, blob, values, shm } source = Source::zeros;
    std::size_t data_index = 0;  // args index of the BLOB payload, first value or SHM offset
    std::size_t count = 1;       // number of elements
    std::size_t nbytes = 0;      // blob size for fixed-size dtypes (0 for STRING)
};

// Limits that protect the server. `alloc_limit` bounds tensors the server allocates itself
// (zero-filled or from VALUES); a BLOB is bounded by Redis's proto-max-bulk-len already.
struct TensorLimits {
    std::size_t alloc_limit = std::size_t{1} << 30;
};

// Throws CommandError with the reply text on any grammar or shape error.
TensorSetArgs parse_tensorset(std::span<const std::string_view> args, const TensorLimits& limits);

// Checks a BLOB payload against the parsed shape and dtype (length, BOOL bytes, STRING NULs).
void validate_blob(const TensorSetArgs& a, std::string_view blob);

// Builds the blob for Source::values or Source::zeros.
BlobPtr build_blob(const TensorSetArgs& a, std::span<const std::string_view> args);

struct TensorGetArgs {
    bool meta = false;
    bool blob = false;
    bool values = false;
    // insitu: "SHM" with META BLOB: a tensor held in the shared-memory arena is answered with
    // its block ("shm" [offset, size, tag]) instead of its bytes; other tensors as BLOB.
    bool shm = false;
};
TensorGetArgs parse_tensorget(std::span<const std::string_view> args);

// For STRING tensors: the elements of a validated blob (each without its NUL).
std::vector<std::string_view> split_strings(std::string_view blob);

}  // namespace insitu::engine
