#include "client/tensor_io.h"

#include <insitu/errors.h>

#include "client/server_errors.h"
#include "core/text.h"

namespace insitu::client {
namespace {

[[noreturn]] void protocol(const Connection& c, const std::string& what) {
    throw DatabaseException("unexpected AI.TENSORGET reply from " + c.address().to_string() + ": " +
                            what);
}

}  // namespace

std::string dims_text(const std::vector<std::size_t>& dims) {
    std::string out = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) out += (i ? ", " : "") + std::to_string(dims[i]);
    return out + "]";
}

void build_tensorset(resp::CommandWriter& w, std::string_view key, TensorType type,
                     const std::vector<std::size_t>& dims, std::string_view blob) {
    w.begin(5 + dims.size());
    w.add("AI.TENSORSET");
    w.add(key);
    w.add(wire_name(type));
    for (std::size_t d : dims) w.add_number(static_cast<long long>(d));
    w.add("BLOB");
    w.add(blob);
}

std::string key_label(const std::string& name, const std::string& key) {
    return name == key ? "'" + key + "'" : "'" + name + "' (key '" + key + "')";
}

void throw_reply_error(const std::string& error, const std::string& label,
                       const std::string& what) {
    // The module's wording for a missing tensor ("tensor key is empty ...") and Redis's
    // ("no such key") both mean KeyException, which callers test for.
    if (classify_error(error) == ServerError::missing_key)
        throw KeyException(what + ": tensor " + label + " does not exist");
    throw DatabaseException(what + " on tensor " + label + " failed: " + error);
}

TensorMeta begin_tensorget(Connection& c, const std::string& key, const std::string& name,
                           const char* call) {
    // A tensor held in the server's shared-memory arena is then answered with its block.
    if (shm_active(c))
        c.send({"AI.TENSORGET", key, "META", "BLOB", "SHM"});
    else
        c.send({"AI.TENSORGET", key, "META", "BLOB"});
    return read_tensorget_head(c, key, name, call);
}

TensorMeta read_tensorget_head(Connection& c, const std::string& key, const std::string& name,
                               const char* call) {
    Head top = c.read_head();
    if (top.kind == '-') {
        c.reply_done();
        check_retryable_error(top.line);
        throw_reply_error(top.line, key_label(name, key), call);
    }
    return read_tensor_meta(c, top);
}

TensorMeta read_tensor_meta(Connection& c, const Head& top) {
    if (top.kind != '*' || top.value < 2 || top.value % 2 != 0)
        protocol(c, "expected a META BLOB array");
    TensorMeta m;
    bool have_type = false, have_shape = false;
    for (long long i = 0; i < top.value; i += 2) {
        std::string field = c.read_string();
        if (core::iequals(field, "dtype")) {
            m.type_name = c.read_string();
            m.type = parse_wire_name(m.type_name);
            have_type = true;
        } else if (core::iequals(field, "shape")) {
            Head h = c.read_head();
            if (h.kind != '*' || h.value < 0) protocol(c, "shape is not an array");
            for (long long d = 0; d < h.value; ++d) {
                Head dim = c.read_head();
                if (dim.kind != ':' || dim.value < 0) protocol(c, "bad dimension");
                m.dims.push_back(static_cast<std::size_t>(dim.value));
            }
            have_shape = true;
        } else if (core::iequals(field, "blob")) {
            // The blob must come last: dtype and shape are checked before any payload byte.
            if (i + 2 != top.value || !have_type || !have_shape)
                protocol(c, "blob before dtype and shape");
            Head h = c.read_head();
            if (h.kind != '$' || h.value < 0) protocol(c, "blob is not a bulk string");
            m.blob_size = static_cast<std::size_t>(h.value);
            return m;
        } else if (core::iequals(field, "shm")) {
            // [offset, size, tag] of the block holding the bytes, last like a blob.
            if (i + 2 != top.value || !have_type || !have_shape)
                protocol(c, "shm before dtype and shape");
            Head h = c.read_head();
            if (h.kind != '*' || h.value != 3) protocol(c, "shm is not [offset, size, tag]");
            long long v[3];
            for (auto& x : v) {
                Head n = c.read_head();
                if (n.kind != ':') protocol(c, "shm is not [offset, size, tag]");
                x = n.value;
            }
            if (v[0] < 0 || v[1] < 0) protocol(c, "negative shm offset or size");
            shm_begin_read(c, static_cast<std::size_t>(v[0]), static_cast<std::size_t>(v[1]),
                           static_cast<std::uint64_t>(v[2]));
            m.blob_size = static_cast<std::size_t>(v[1]);
            return m;
        } else {
            protocol(c, "unknown field '" + field + "'");
        }
    }
    protocol(c, "no blob in the reply");
}

void read_blob(Connection& c, void* dst, std::size_t n) {
    if (shm_finish_read(c, dst)) {
        c.reply_done();
        return;
    }
    c.read_into(dst, n);
    c.expect_crlf();
    c.reply_done();
}

void discard_blob(Connection& c, std::size_t n) {
    if (shm_finish_read(c, nullptr)) {
        c.reply_done();
        return;
    }
    c.skip(n);
    c.expect_crlf();
    c.reply_done();
}

}  // namespace insitu::client
