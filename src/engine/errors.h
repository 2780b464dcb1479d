// Errors raised while parsing or executing an AI.* command. The message is the exact reply text
// (RedisAI 1.2.7 wording where the peer has one), so the Redis adapter replies with it verbatim.
#pragma once

#include <stdexcept>
#include <string>

namespace insitu::engine {

struct CommandError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Reply texts shared by several commands.
namespace msg {
inline constexpr const char* invalid_dtype = "ERR invalid data type";
inline constexpr const char* bad_shape = "ERR invalid or negative value found in tensor shape";
inline constexpr const char* blob_arg =
    "ERR a single binary string should come after the BLOB argument in 'AI.TENSORSET' command";
inline constexpr const char* values_count =
    "ERR wrong number of values was given in 'AI.TENSORSET' command";
inline constexpr const char* blob_length = "ERR data length does not match tensor shape and type";
inline constexpr const char* bool_values = "ERR BOOL tensor elements must be 0 or 1";
inline constexpr const char* string_count =
    "ERR Number of string elements in data blob does not match tensor length";
inline constexpr const char* invalid_value = "ERR invalid value";
inline constexpr const char* string_nul = "ERR C-string value contains null character";
inline constexpr const char* both_formats = "ERR both BLOB and VALUES specified";
inline constexpr const char* bad_format = "ERR unsupported data format";
inline constexpr const char* empty_tensor_key = "ERR tensor key is empty or in a different shard";
// insitu additions (the peer crashed or allocated 2^64 bytes instead of answering)
inline constexpr const char* shape_overflow = "ERR tensor shape is too large (size overflows)";
inline constexpr const char* too_many_dims = "ERR too many dimensions in tensor shape (max 32)";
inline constexpr const char* shm_args =
    "ERR SHM takes a block offset and tag: AI.TENSORSET key type dims... SHM <offset> <tag>";
inline constexpr const char* shm_string = "ERR SHM does not carry STRING tensors (use BLOB)";
inline constexpr const char* shm_get = "ERR SHM needs META and BLOB in 'AI.TENSORGET' command";
}  // namespace msg

}  // namespace insitu::engine
