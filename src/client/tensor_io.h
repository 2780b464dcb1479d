// AI.TENSORSET / AI.TENSORGET on one connection. The put side references the caller's bytes
// from the iovecs (no copy); the get side stops after the blob's header so that the caller can
// check dtype and shape and then receive the blob wherever it belongs.
#pragma once

#include <insitu/tensor_types.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client/connection.h"
#include "resp/writer.h"

namespace insitu::client {

// "AI.TENSORSET key DTYPE d0 d1 ... BLOB <blob>"; `blob` must outlive the writer's use.
void build_tensorset(resp::CommandWriter& w, std::string_view key, TensorType type,
                     const std::vector<std::size_t>& dims, std::string_view blob);

// "'name'" or "'name' (key 'prefix.name')" for messages.
std::string key_label(const std::string& name, const std::string& key);

// Throws for an error reply about `label`'s key: KeyException when the reply says the key does
// not exist, DatabaseException otherwise. Redirections must have been checked before.
[[noreturn]] void throw_reply_error(const std::string& error, const std::string& label,
                                    const std::string& what);

struct TensorMeta {
    TensorType type = TensorType::Invalid;
    std::string type_name;
    std::vector<std::size_t> dims;
    std::size_t blob_size = 0;
};

// Sends "AI.TENSORGET key META BLOB" and reads the reply up to the blob's payload. `name` is
// the caller's (unprefixed) name and `call` the API call, for messages. A missing key throws
// KeyException naming it. Afterwards exactly blob_size payload bytes remain: finish with read_blob
// or discard_blob.
TensorMeta begin_tensorget(Connection& c, const std::string& key, const std::string& name,
                           const char* call);
// The reading half of begin_tensorget, for pipelines that sent several "AI.TENSORGET key META
// BLOB" first. An error reply is consumed whole before anything is thrown.
TensorMeta read_tensorget_head(Connection& c, const std::string& key, const std::string& name,
                               const char* call);
// The META BLOB array whose header `top` was just read (the error cases already handled): dtype
// and shape, up to the blob's payload. Protocol errors throw with the reply unfinished.
TensorMeta read_tensor_meta(Connection& c, const Head& top);
void read_blob(Connection& c, void* dst, std::size_t n);
void discard_blob(Connection& c, std::size_t n);

// A put_tensor's command, ready to send: the key, the row-major bytes (a copy only for Nested and
// Fortran layouts) and the AI.TENSORSET that references them (movable: the writer keeps offsets).
struct PreparedPut {
    std::string key;
    TensorType type = TensorType::Invalid;
    std::vector<std::size_t> dims;
    std::string_view blob;  // the row-major bytes (the caller's or staging)
    std::unique_ptr<char[]> staging;
    resp::CommandWriter command;
};
// Checks a caller's tensor (ParameterException naming `call`) and builds its AI.TENSORSET.
void prepare_put(PreparedPut& out, std::string key, const void* data,
                 const std::vector<std::size_t>& dims, TensorType type, MemoryLayout layout,
                 const char* call);
// The rest of an unpack once the reply's head `m` was read: dtype and shape checked against the
// caller's (the blob drained and an exception naming `call` on a mismatch), then the blob received
// into `data` in the caller's layout.
void finish_unpack(Connection& c, const TensorMeta& m, const std::string& name,
                   const std::string& key, void* data, const std::vector<std::size_t>& dims,
                   TensorType type, MemoryLayout layout, const char* call);

// The rest of a read into memory from `allocate(type, dims)` once the head `m` was read (an
// unsupported dtype or inconsistent blob drained and refused, naming `call`).
void receive_allocated(
    Connection& c, const TensorMeta& m, const std::string& name, const std::string& key,
    const std::function<void*(TensorType, const std::vector<std::size_t>&)>& allocate,
    const char* call);

// "[2, 3]" for messages.
std::string dims_text(const std::vector<std::size_t>& dims);

}  // namespace insitu::client
