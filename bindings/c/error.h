// Error handling shared by the C API functions: every entry point runs its body through guard(),
// which turns the C++ exception into its SRError code (1:1 with insitu::ErrorCode) and records the
// text and location for SRGetLastError()/SRGetLastErrorLocation().
#pragma once

#include <insitu/errors.h>
#include <insitu/insitu.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

namespace insitu::capi {

void clear_last_error() noexcept;
SRError set_last_error(SRError code, const char* what, const char* where) noexcept;

template <class F>
SRError guard(const char* where, F&& body) noexcept {
    clear_last_error();
    try {
        body();
        return SRNoError;
    } catch (const Exception& e) {
        return set_last_error(static_cast<SRError>(e.code()), e.what(), where);
    } catch (const std::bad_alloc&) {
        return set_last_error(SRBadAllocError, "out of memory", where);
    } catch (const std::exception& e) {
        return set_last_error(SRInternalError, e.what(), where);
    } catch (...) {
        return set_last_error(SRInternalError, "unknown exception", where);
    }
}

// A pointer + length string from the caller; NULL is only accepted with length 0.
inline std::string str(const char* p, std::size_t n, const char* what) {
    if (p == nullptr && n != 0)
        throw ParameterException(std::string(what) + " is null but its length is " +
                                 std::to_string(n));
    return p == nullptr ? std::string() : std::string(p, n);
}

// Output pointers must be writable.
template <class T>
T* out(T* p, const char* what) {
    if (p == nullptr) throw ParameterException(std::string(what) + " must not be null");
    return p;
}

// A malloc'ed NUL-terminated copy the caller releases with SRFreeBuffer.
inline char* malloc_copy(const std::string& s) {
    char* p = static_cast<char*>(std::malloc(s.size() + 1));
    if (p == nullptr)
        throw BadAllocException("no memory for a " + std::to_string(s.size()) + "-byte string");
    std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    return p;
}

}  // namespace insitu::capi
