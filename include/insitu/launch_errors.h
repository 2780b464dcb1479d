// The driver's errors (Experiment, settings, entities, databases, launchers). Each derives from the
// std type the launch library threw before codes existed, so `catch (std::invalid_argument&)` and
// `catch (std::runtime_error&)` keep working, and from CodedError, so error_code() gives its code
// (Python maps the code to the class of insitu.error named like SmartSim's smartsim.error).
#pragma once

#include <insitu/errors.h>

#include <stdexcept>
#include <string>

namespace insitu {

// Bad settings or arguments (SmartSim's SSConfigError): code Parameter.
class ConfigError : public std::invalid_argument, public CodedError {
  public:
    explicit ConfigError(const std::string& what) : ConfigError(ErrorCode::Parameter, what) {}

  protected:
    ConfigError(ErrorCode code, const std::string& what)
        : std::invalid_argument(what), CodedError(code) {}
};

// A model, ensemble member, ML model, script or database of that name exists already.
class EntityExistsError : public ConfigError {
  public:
    explicit EntityExistsError(const std::string& what)
        : ConfigError(ErrorCode::EntityExists, what) {}
};

// A feature the launcher, run command or batch system does not have (SSUnsupportedError).
class UnsupportedError : public ConfigError {
  public:
    explicit UnsupportedError(const std::string& what)
        : ConfigError(ErrorCode::Unsupported, what) {}
};

// A process, step, database or launcher that failed (SmartSim's LauncherError): code Launcher,
// or the given code where a runtime failure has a more precise meaning (e.g. EntityExists for a
// second running database with one db_identifier).
class LaunchError : public std::runtime_error, public CodedError {
  public:
    explicit LaunchError(const std::string& what) : LaunchError(ErrorCode::Launcher, what) {}
    LaunchError(ErrorCode code, const std::string& what)
        : std::runtime_error(what), CodedError(code) {}
};

// A Slurm allocation that could not be granted or found.
class AllocationError : public LaunchError {
  public:
    explicit AllocationError(const std::string& what) : LaunchError(ErrorCode::Allocation, what) {}
};

// A start-up, answer or command that did not come within its time limit.
class LaunchTimeoutError : public LaunchError {
  public:
    explicit LaunchTimeoutError(const std::string& what) : LaunchError(ErrorCode::Timeout, what) {}
};

}  // namespace insitu
