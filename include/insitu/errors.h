// insitu's exception hierarchy. Each class maps 1:1 to an error code of the C API (the numbering
// of SmartRedis's SRError, so C and Fortran callers keep their meaning).
#pragma once

#include <stdexcept>
#include <string>

namespace insitu {

enum class ErrorCode : int {
    None = 0,
    BadAlloc = 1,
    Database = 2,  // the database answered with an error, or the connection failed
    Internal = 3,
    Runtime = 4,
    Parameter = 5,  // the caller passed an invalid argument
    Timeout = 6,    // a connection, command or poll ran out of time
    Key = 7,        // a key does not exist (or exists where it must not)
    Invalid = 8,
    Type = 9,  // a dtype or layout does not match
};

class Exception : public std::runtime_error {
  public:
    Exception(ErrorCode code, const std::string& what) : std::runtime_error(what), code_(code) {}
    ErrorCode code() const noexcept { return code_; }

  private:
    ErrorCode code_;
};

#define INSITU_DEFINE_EXCEPTION(name, code)                                          \
    class name : public Exception {                                                  \
      public:                                                                        \
        explicit name(const std::string& what) : Exception(ErrorCode::code, what) {} \
    };
INSITU_DEFINE_EXCEPTION(BadAllocException, BadAlloc)
INSITU_DEFINE_EXCEPTION(DatabaseException, Database)
INSITU_DEFINE_EXCEPTION(InternalException, Internal)
INSITU_DEFINE_EXCEPTION(RuntimeException, Runtime)
INSITU_DEFINE_EXCEPTION(ParameterException, Parameter)
INSITU_DEFINE_EXCEPTION(TimeoutException, Timeout)
INSITU_DEFINE_EXCEPTION(KeyException, Key)
INSITU_DEFINE_EXCEPTION(InvalidException, Invalid)
INSITU_DEFINE_EXCEPTION(TypeException, Type)
#undef INSITU_DEFINE_EXCEPTION

}  // namespace insitu
