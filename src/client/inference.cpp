// The one-round-trip run_model: put + run + get as one AI.DAGEXECUTE
//   AI.DAGEXECUTE ROUTING <model key> TIMEOUT <ms>
//     |> AI.TENSORSET in0 <dtype> <dims> BLOB <bytes> ...
//     |> AI.MODELEXECUTE <model key> INPUTS n in0 .. OUTPUTS m out0 ..
//     |> AI.TENSORGET out0 META BLOB ...
// The in<i> / out<i> names are local to the request (never keys, never prefixed, never persisted).
// ROUTING names the model key, so in a cluster the request goes to the shard of the model copy it
// runs; nothing else routes it (RedisAI and insitu both accept this form).
#include <algorithm>
#include <exception>
#include <memory>
#include <random>

#include "client/client_impl.h"
#include "client/model_checks.h"
#include "client/server_errors.h"
#include "client/tensor_checks.h"
#include "client/tensor_io.h"
#include "core/layout.h"
#include "core/shard_prefix.h"
#include "core/text.h"

namespace insitu {
namespace {

using client::Connection;
using client::Head;

constexpr const char* k_call = "run_model";

// The caller's input bytes, row-major: its own memory when contiguous, else one staging copy.
struct InputBlob {
    std::unique_ptr<char[]> staging;
    std::string_view bytes;
};

InputBlob input_blob(const InputTensor& in) {
    client::check_type(in.type, k_call);
    client::check_layout(in.layout, k_call);
    client::check_data(in.data, k_call);
    const std::size_t bytes = client::check_dims(in.dims, in.type, k_call);
    InputBlob b;
    b.bytes = std::string_view(static_cast<const char*>(in.data), bytes);
    if (in.layout == MemoryLayout::Contiguous) return b;
    const std::size_t elem = element_size(in.type);
    b.staging.reset(new char[std::max<std::size_t>(bytes, 1)]);
    if (in.layout == MemoryLayout::Nested)
        core::gather_nested(in.data, b.staging.get(), in.dims, elem);
    else
        core::fortran_to_c(in.data, b.staging.get(), in.dims, elem);
    b.bytes = std::string_view(b.staging.get(), bytes);
    return b;
}

// Reads the DAG's reply: n_in TENSORSET statuses, the MODELEXECUTE status, then one META BLOB
// array (or NA) per output. The whole reply is always consumed before anything is thrown, so the
// connection stays usable; each output buffer is written only once its dtype and shape matched.
class ReplyReader {
  public:
    // Outputs go into `outputs` (with their sizes `out_bytes`), or, when `allocate` is set, into
    // memory it returns once each output's dtype and shape are known.
    ReplyReader(Connection& c, const std::string& what, const std::vector<OutputTensor>& outputs,
                const std::vector<std::size_t>& out_bytes, std::size_t n_in, std::size_t n_out,
                const Client::OutputAllocator* allocate, int timeout_ms)
        : c_(c),
          what_(what),
          outputs_(outputs),
          out_bytes_(out_bytes),
          n_in_(n_in),
          n_out_(n_out),
          allocate_(allocate),
          timeout_ms_(timeout_ms) {}

    void read() {
        Head top = c_.read_head();
        if (top.kind == '-') {
            // Refused as a whole (parse errors, a missing model): nothing else follows.
            c_.reply_done();
            client::check_retryable_error(top.line);
            throw_server_error(top.line);
        }
        if (top.kind == '+') {
            c_.reply_done();
            if (core::iequals(top.line, "TIMEDOUT"))
                throw TimeoutException(what_ + ": the request waited longer than " +
                                       std::to_string(timeout_ms_) +
                                       " ms (SR_MODEL_TIMEOUT) in the server's run queue");
            throw DatabaseException(what_ + ": unexpected reply '" + top.line + "'");
        }
        const std::size_t expected = n_in_ + 1 + n_out_;
        if (top.kind != '*' || top.value != static_cast<long long>(expected))
            protocol("expected an array of " + std::to_string(expected) + " replies");
        for (std::size_t i = 0; i < n_in_; ++i) read_status("input " + std::to_string(i));
        read_status("the model run");
        for (std::size_t i = 0; i < n_out_; ++i) read_output(i);
        c_.reply_done();
        if (error_) std::rethrow_exception(error_);
    }

  private:
    [[noreturn]] void protocol(const std::string& what) {
        // The reply is left unfinished: the router drops the connection.
        throw DatabaseException(what_ + ": unexpected AI.DAGEXECUTE reply from " +
                                c_.address().to_string() + ": " + what);
    }

    [[noreturn]] void throw_server_error(const std::string& text) {
        if (client::classify_error(text) == client::ServerError::missing_key)
            throw KeyException(what_ + " failed: " + text);
        throw DatabaseException(what_ + " failed: " + text);
    }

    // Keeps the first error only: later ones are consequences of it (NA, ...).
    template <typename E>
    void fail(const std::string& message) {
        if (!error_) error_ = std::make_exception_ptr(E(message));
    }

    void record_server_error(const std::string& text) {
        if (error_) return;
        try {
            throw_server_error(text);
        } catch (...) {
            error_ = std::current_exception();
        }
    }

    void read_status(const std::string& step) {
        Head h = c_.read_head();
        if (h.kind == '-')
            record_server_error(h.line);
        else if (h.kind != '+')
            protocol("expected a status for " + step);
        else if (!core::iequals(h.line, "OK"))
            fail<DatabaseException>(what_ + ": " + step + " answered '" + h.line + "'");
    }

    void read_output(std::size_t i) {
        const std::string label = "output " + std::to_string(i);
        Head h = c_.read_head();
        if (h.kind == '-') return record_server_error(h.line);
        if (h.kind == '+') {  // NA: not produced after an earlier error
            fail<DatabaseException>(what_ + ": " + label + " was not produced ('" + h.line + "')");
            return;
        }
        client::TensorMeta m = client::read_tensor_meta(c_, h);
        if (allocate_) return read_allocated(i, label, m);
        const OutputTensor& out = outputs_[i];
        if (!error_) {
            if (m.type != out.type) {
                fail<TypeException>(what_ + ": " + label + " has dtype " + m.type_name +
                                    ", but its buffer is " + std::string(wire_name(out.type)));
            } else if (out.layout == MemoryLayout::Nested
                           ? m.dims != out.dims
                           : core::element_count(m.dims) != core::element_count(out.dims)) {
                fail<ParameterException>(what_ + ": " + label + " has shape " +
                                         client::dims_text(m.dims) + ", but its buffer has shape " +
                                         client::dims_text(out.dims));
            } else if (m.blob_size != out_bytes_[i]) {
                fail<DatabaseException>(what_ + ": " + label + " has a blob of " +
                                        std::to_string(m.blob_size) + " bytes, expected " +
                                        std::to_string(out_bytes_[i]));
            }
        }
        if (error_) return skip_blob(m);
        if (out.layout == MemoryLayout::Contiguous) {
            c_.read_into(out.data, m.blob_size);  // straight from the socket into the buffer
        } else {
            std::unique_ptr<char[]> tmp(new char[std::max<std::size_t>(m.blob_size, 1)]);
            c_.read_into(tmp.get(), m.blob_size);
            const std::size_t elem = element_size(out.type);
            if (out.layout == MemoryLayout::Nested)
                core::scatter_nested(tmp.get(), out.data, out.dims, elem);
            else
                core::c_to_fortran(tmp.get(), out.data, out.dims, elem);
        }
        c_.expect_crlf();
    }

    void skip_blob(const client::TensorMeta& m) {
        c_.skip(m.blob_size);
        c_.expect_crlf();
    }

    void read_allocated(std::size_t i, const std::string& label, const client::TensorMeta& m) {
        const std::size_t elem = element_size(m.type);
        if (!error_ && (elem == 0 || core::element_count(m.dims) * elem != m.blob_size))
            fail<DatabaseException>(what_ + ": " + label + " has dtype " + m.type_name +
                                    " and a blob of " + std::to_string(m.blob_size) +
                                    " bytes for shape " + client::dims_text(m.dims));
        if (error_) return skip_blob(m);
        void* dst = nullptr;
        try {
            dst = (*allocate_)(i, m.type, m.dims);
        } catch (...) {
            error_ = std::current_exception();
            return skip_blob(m);
        }
        if (dst == nullptr) {
            fail<BadAllocException>(what_ + ": no memory for " + label);
            return skip_blob(m);
        }
        c_.read_into(dst, m.blob_size);
        c_.expect_crlf();
    }

    Connection& c_;
    const std::string& what_;
    const std::vector<OutputTensor>& outputs_;
    const std::vector<std::size_t>& out_bytes_;
    std::size_t n_in_, n_out_;
    const Client::OutputAllocator* allocate_;
    int timeout_ms_;
    std::exception_ptr error_;
};

}  // namespace

void Client::run_model_inline(const std::string& name, const std::vector<InputTensor>& inputs,
                              const std::vector<OutputTensor>& outputs) {
    std::vector<std::size_t> out_bytes;
    for (const OutputTensor& out : outputs) {
        client::check_type(out.type, k_call);
        client::check_layout(out.layout, k_call);
        client::check_data(out.data, k_call);
        out_bytes.push_back(client::check_dims(out.dims, out.type, k_call));
    }
    impl_->run_inline(name, inputs, outputs, out_bytes, outputs.size(), nullptr);
}

void Client::run_model_into(const std::string& name, const std::vector<InputTensor>& inputs,
                            std::size_t n_outputs, const OutputAllocator& allocate) {
    if (!allocate) throw ParameterException("run_model: no output allocator given");
    impl_->run_inline(name, inputs, {}, {}, n_outputs, &allocate);
}

void Client::Impl::run_inline(const std::string& name, const std::vector<InputTensor>& inputs,
                              const std::vector<OutputTensor>& outputs,
                              const std::vector<std::size_t>& out_bytes, std::size_t n_out,
                              const OutputAllocator* allocate) {
    client::check_name(name, k_call);
    if (inputs.empty() || n_out == 0)
        throw ParameterException(std::string(k_call) +
                                 ": a model needs at least one input and one output");
    std::vector<InputBlob> blobs;
    blobs.reserve(inputs.size());
    for (const InputTensor& in : inputs) blobs.push_back(input_blob(in));

    Impl& impl = *this;
    std::string key = impl.prefix->get_model_key(name);
    if (impl.router->is_cluster()) {
        auto shards = impl.router->shards();
        if (shards.empty()) throw DatabaseException("the cluster has no shard serving slots");
        if (!impl.inline_shard_drawn) {
            impl.inline_shard = std::random_device{}();
            impl.inline_shard_drawn = true;
        }
        const auto& s = shards[impl.inline_shard % shards.size()];
        key = core::shard_prefixed_key(impl.prefix_for_slot(s.first_slot), key);
    }
    const std::string what = std::string(k_call) + " '" + name + "'";
    const std::string timeout = std::to_string(impl.model_timeout_ms);

    std::vector<std::string> in_names, out_names;
    std::size_t nargs = 5 + 7 + inputs.size() + n_out + 5 * n_out;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        in_names.push_back("in" + std::to_string(i));
        nargs += 6 + inputs[i].dims.size();
    }
    for (std::size_t i = 0; i < n_out; ++i) out_names.push_back("out" + std::to_string(i));

    resp::CommandWriter w;
    w.begin(nargs);
    w.add("AI.DAGEXECUTE");
    w.add("ROUTING");
    w.add(key);
    w.add("TIMEOUT");
    w.add(timeout);
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        w.add("|>");
        w.add("AI.TENSORSET");
        w.add(in_names[i]);
        w.add(wire_name(inputs[i].type));
        for (std::size_t d : inputs[i].dims) w.add_number(static_cast<long long>(d));
        w.add("BLOB");
        w.add(blobs[i].bytes);  // large blobs are referenced, not copied
    }
    w.add("|>");
    w.add("AI.MODELEXECUTE");
    w.add(key);
    w.add("INPUTS");
    w.add_number(static_cast<long long>(inputs.size()));
    for (const auto& n : in_names) w.add(n);
    w.add("OUTPUTS");
    w.add_number(static_cast<long long>(n_out));
    for (const auto& n : out_names) w.add(n);
    for (const auto& n : out_names) {
        w.add("|>");
        w.add("AI.TENSORGET");
        w.add(n);
        w.add("META");
        w.add("BLOB");
    }

    // Like run_model: the run may take as long as the queue TIMEOUT plus SR_CMD_TIMEOUT.
    const auto wait_ms = static_cast<int>(std::min<long long>(
        1'000'000'000LL,
        static_cast<long long>(impl.model_timeout_ms) + impl.router->timing().cmd_timeout.count()));
    impl.log->debug([&] { return what + " in one round trip on " + core::printable_key(key); });
    impl.router->on_key(key, [&](Connection& c) {
        c.set_reply_timeout(wait_ms);
        c.send(w);
        ReplyReader(c, what, outputs, out_bytes, inputs.size(), n_out, allocate,
                    impl.model_timeout_ms)
            .read();
    });
}

}  // namespace insitu
