// Last-error state (per thread, so that concurrent clients on different threads do not see each
// other's errors) and the error-code names.
#include "error.h"

#include <cstdlib>

namespace insitu::capi {
namespace {
thread_local std::string last_error;
thread_local std::string last_location;
}  // namespace

void clear_last_error() noexcept {
    last_error.clear();
    last_location.clear();
}

SRError set_last_error(SRError code, const char* what, const char* where) noexcept {
    try {
        last_error = what;
        last_location = where;
    } catch (...) {  // no memory for the text: the code still reaches the caller
    }
    return code;
}

}  // namespace insitu::capi

extern "C" {

const char* SRGetLastError(void) {
    return insitu::capi::last_error.c_str();
}
const char* SRGetLastErrorLocation(void) {
    return insitu::capi::last_location.c_str();
}

const char* SRErrorName(SRError code) {
    switch (code) {
        case SRNoError:
            return "SRNoError";
        case SRBadAllocError:
            return "SRBadAllocError";
        case SRDatabaseError:
            return "SRDatabaseError";
        case SRInternalError:
            return "SRInternalError";
        case SRRuntimeError:
            return "SRRuntimeError";
        case SRParameterError:
            return "SRParameterError";
        case SRTimeoutError:
            return "SRTimeoutError";
        case SRKeyError:
            return "SRKeyError";
        case SRInvalidError:
            return "SRInvalidError";
        case SRTypeError:
            return "SRTypeError";
    }
    return "SRUnknownError";
}

void SRFreeBuffer(void* buffer) {
    std::free(buffer);
}

}  // extern "C"
