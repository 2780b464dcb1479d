// insitu's exception hierarchy. Codes 0-9 map 1:1 to an error code of the C API (the numbering
// of SmartRedis's SRError, so C and Fortran callers keep their meaning); codes 10 and up are the
// driver's (the launch library, include/insitu/launch_errors.h), which has no C or Fortran API.
#pragma once

#include <new>
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
    // The driver's codes (launch errors); not SRError values.
    Launcher = 10,      // a process, step or launcher failed
    Allocation = 11,    // a Slurm allocation could not be granted or found
    EntityExists = 12,  // an entity (model, ensemble, database) of that name already exists
    Unsupported = 13,   // a feature the launcher or platform does not have
};

// Carries an ErrorCode beside a std exception type: the launch errors derive from the std type
// that callers already catch and from this, so error_code() reads their code.
class CodedError {
  public:
    explicit CodedError(ErrorCode code) noexcept : code_(code) {}
    CodedError(const CodedError&) = default;
    CodedError& operator=(const CodedError&) = default;
    virtual ~CodedError() = default;
    virtual ErrorCode code() const noexcept { return code_; }

  private:
    ErrorCode code_;
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

// The code of any exception: insitu::Exception and CodedError carry theirs; std::invalid_argument
// is a bad argument (Parameter) and std::bad_alloc is BadAlloc; any other exception is Internal,
// as the C API reports an exception insitu did not classify.
inline ErrorCode error_code(const std::exception& e) noexcept {
    if (auto* x = dynamic_cast<const Exception*>(&e)) return x->code();
    if (auto* c = dynamic_cast<const CodedError*>(&e)) return c->code();
    if (dynamic_cast<const std::invalid_argument*>(&e)) return ErrorCode::Parameter;
    if (dynamic_cast<const std::bad_alloc*>(&e)) return ErrorCode::BadAlloc;
    return ErrorCode::Internal;
}

// The code's name without a prefix ("Parameter", "Launcher", ...); "Unknown" for other values.
inline const char* error_code_name(ErrorCode code) noexcept {
    switch (code) {
        case ErrorCode::None:
            return "None";
        case ErrorCode::BadAlloc:
            return "BadAlloc";
        case ErrorCode::Database:
            return "Database";
        case ErrorCode::Internal:
            return "Internal";
        case ErrorCode::Runtime:
            return "Runtime";
        case ErrorCode::Parameter:
            return "Parameter";
        case ErrorCode::Timeout:
            return "Timeout";
        case ErrorCode::Key:
            return "Key";
        case ErrorCode::Invalid:
            return "Invalid";
        case ErrorCode::Type:
            return "Type";
        case ErrorCode::Launcher:
            return "Launcher";
        case ErrorCode::Allocation:
            return "Allocation";
        case ErrorCode::EntityExists:
            return "EntityExists";
        case ErrorCode::Unsupported:
            return "Unsupported";
    }
    return "Unknown";
}

}  // namespace insitu
