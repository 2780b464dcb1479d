// The C logger: log contexts and the exception-free log functions (SmartRedis's c_logger.h).
#include <insitu/insitu.h>
#include <insitu/logging.h>

#include <cstdio>

#include "error.h"
#include "handles.h"

using namespace insitu;
using namespace insitu::capi;

namespace {

enum class Kind { data, warning, error };

void write(Kind kind, const std::string& context, SRLoggingLevel level, const std::string& data) {
    auto l = static_cast<LogLevel>(level);
    switch (kind) {
        case Kind::data:
            return insitu::log_data(context, l, data);
        case Kind::warning:
            return insitu::log_warning(context, l, data);
        case Kind::error:
            return insitu::log_error(context, l, data);
    }
}

// Logs through the object behind a handle: a client (its own logger), a dataset or a context.
template <class Object>
void write_to(const Object& o, Kind kind, SRLoggingLevel level, const std::string& data) {
    auto l = static_cast<LogLevel>(level);
    switch (kind) {
        case Kind::data:
            return o.log_data(l, data);
        case Kind::warning:
            return o.log_warning(l, data);
        case Kind::error:
            return o.log_error(l, data);
    }
}

void write_handle(const void* p, Kind kind, SRLoggingLevel level, const std::string& data) {
    if (p == nullptr) throw ParameterException("log context handle is null");
    void* h = const_cast<void*>(p);
    switch (*static_cast<const Tag*>(p)) {
        case Tag::client:
            return write_to(client(h), kind, level, data);
        case Tag::dataset:
            return write_to(dataset_handle(h).dataset, kind, level, data);
        case Tag::log_context:
            return write_to(handle<LogContextHandle>(h, Tag::log_context, "log context").context,
                            kind, level, data);
        default:
            throw ParameterException("log context is not a client, dataset or log context");
    }
}

// Logging must not fail the caller: problems go to stderr, as the peer does.
template <class F>
void noexcept_log(const char* where, F&& body) noexcept {
    SRError code = guard(where, body);
    if (code != SRNoError) std::fprintf(stderr, "insitu: %s: %s\n", where, SRGetLastError());
}

void log_handle(const char* where, Kind kind, const void* context, SRLoggingLevel level,
                const char* data, size_t n) noexcept {
    noexcept_log(where, [&] { write_handle(context, kind, level, str(data, n, "data")); });
}

void log_string(const char* where, Kind kind, const char* context, size_t context_n,
                SRLoggingLevel level, const char* data, size_t n) noexcept {
    noexcept_log(where, [&] {
        write(kind, str(context, context_n, "context"), level, str(data, n, "data"));
    });
}

}  // namespace

extern "C" {

SRError SmartRedisCLogContext(const char* context, size_t context_length, void** new_logcontext) {
    return guard("SmartRedisCLogContext", [&] {
        void** o = out(new_logcontext, "new_logcontext");
        *o = new LogContextHandle(str(context, context_length, "context"));
    });
}

SRError DeallocateLogContext(void** logcontext) {
    return guard("DeallocateLogContext", [&] {
        if (logcontext == nullptr || *logcontext == nullptr) return;
        auto* h = &handle<LogContextHandle>(*logcontext, Tag::log_context, "log context");
        h->tag = Tag{};
        delete h;
        *logcontext = nullptr;
    });
}

void log_data_noexcept(const void* context, SRLoggingLevel level, const char* data, size_t n) {
    log_handle("log_data", Kind::data, context, level, data, n);
}
void log_warning_noexcept(const void* context, SRLoggingLevel level, const char* data, size_t n) {
    log_handle("log_warning", Kind::warning, context, level, data, n);
}
void log_error_noexcept(const void* context, SRLoggingLevel level, const char* data, size_t n) {
    log_handle("log_error", Kind::error, context, level, data, n);
}
void log_data_noexcept_string(const char* context, size_t context_n, SRLoggingLevel level,
                              const char* data, size_t n) {
    log_string("log_data_string", Kind::data, context, context_n, level, data, n);
}
void log_warning_noexcept_string(const char* context, size_t context_n, SRLoggingLevel level,
                                 const char* data, size_t n) {
    log_string("log_warning_string", Kind::warning, context, context_n, level, data, n);
}
void log_error_noexcept_string(const char* context, size_t context_n, SRLoggingLevel level,
                               const char* data, size_t n) {
    log_string("log_error_string", Kind::error, context, context_n, level, data, n);
}

}  // extern "C"
