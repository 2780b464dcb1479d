// The error vocabulary: the code of every exception type (client and driver), the names of the
// codes, and that each driver error is still caught where its std base was caught before.
#include <gtest/gtest.h>
#include <insitu/errors.h>
#include <insitu/launch_errors.h>

#include <new>
#include <set>
#include <stdexcept>
#include <string>

using namespace insitu;

namespace {

// Throws `e` and reports whether a handler for H caught it.
template <class H, class E>
bool caught_as(const E& e) {
    try {
        throw e;
    } catch (const H&) {
        return true;
    } catch (...) {
        return false;
    }
}

}  // namespace

TEST(Errors, ClientCodesKeepSmartRedisNumbering) {
    // SRError's values: C and Fortran callers compare against these numbers.
    EXPECT_EQ(static_cast<int>(ErrorCode::None), 0);
    EXPECT_EQ(static_cast<int>(ErrorCode::BadAlloc), 1);
    EXPECT_EQ(static_cast<int>(ErrorCode::Database), 2);
    EXPECT_EQ(static_cast<int>(ErrorCode::Internal), 3);
    EXPECT_EQ(static_cast<int>(ErrorCode::Runtime), 4);
    EXPECT_EQ(static_cast<int>(ErrorCode::Parameter), 5);
    EXPECT_EQ(static_cast<int>(ErrorCode::Timeout), 6);
    EXPECT_EQ(static_cast<int>(ErrorCode::Key), 7);
    EXPECT_EQ(static_cast<int>(ErrorCode::Invalid), 8);
    EXPECT_EQ(static_cast<int>(ErrorCode::Type), 9);
    EXPECT_EQ(static_cast<int>(ErrorCode::Launcher), 10);
    EXPECT_EQ(static_cast<int>(ErrorCode::Allocation), 11);
    EXPECT_EQ(static_cast<int>(ErrorCode::EntityExists), 12);
    EXPECT_EQ(static_cast<int>(ErrorCode::Unsupported), 13);
}

TEST(Errors, CodeOfEachDriverError) {
    EXPECT_EQ(error_code(ConfigError("x")), ErrorCode::Parameter);
    EXPECT_EQ(error_code(EntityExistsError("x")), ErrorCode::EntityExists);
    EXPECT_EQ(error_code(UnsupportedError("x")), ErrorCode::Unsupported);
    EXPECT_EQ(error_code(LaunchError("x")), ErrorCode::Launcher);
    EXPECT_EQ(error_code(LaunchError(ErrorCode::EntityExists, "x")), ErrorCode::EntityExists);
    EXPECT_EQ(error_code(AllocationError("x")), ErrorCode::Allocation);
    EXPECT_EQ(error_code(LaunchTimeoutError("x")), ErrorCode::Timeout);
    // The member function agrees with the free function.
    EXPECT_EQ(AllocationError("x").code(), ErrorCode::Allocation);
    EXPECT_EQ(LaunchTimeoutError("x").code(), ErrorCode::Timeout);
}

TEST(Errors, CodeOfClientAndStdExceptions) {
    EXPECT_EQ(error_code(KeyException("x")), ErrorCode::Key);
    EXPECT_EQ(error_code(TimeoutException("x")), ErrorCode::Timeout);
    EXPECT_EQ(error_code(ParameterException("x")), ErrorCode::Parameter);
    EXPECT_EQ(error_code(std::invalid_argument("x")), ErrorCode::Parameter);
    EXPECT_EQ(error_code(std::bad_alloc()), ErrorCode::BadAlloc);
    // Anything insitu did not classify is Internal, as the C API reports it.
    EXPECT_EQ(error_code(std::runtime_error("x")), ErrorCode::Internal);
    EXPECT_EQ(error_code(std::out_of_range("x")), ErrorCode::Internal);
}

TEST(Errors, CodeThroughABaseReference) {
    // Code that caught the std type still reads the precise code.
    try {
        throw EntityExistsError("model m already has a script named s");
    } catch (const std::invalid_argument& e) {
        EXPECT_EQ(error_code(e), ErrorCode::EntityExists);
        EXPECT_STREQ(e.what(), "model m already has a script named s");
    }
    try {
        throw LaunchTimeoutError("late");
    } catch (const std::exception& e) {
        EXPECT_EQ(error_code(e), ErrorCode::Timeout);
    }
}

TEST(Errors, DriverErrorsAreCaughtAsTheirStdBase) {
    EXPECT_TRUE(caught_as<std::invalid_argument>(ConfigError("x")));
    EXPECT_TRUE(caught_as<std::invalid_argument>(EntityExistsError("x")));
    EXPECT_TRUE(caught_as<std::invalid_argument>(UnsupportedError("x")));
    EXPECT_TRUE(caught_as<ConfigError>(EntityExistsError("x")));
    EXPECT_TRUE(caught_as<ConfigError>(UnsupportedError("x")));
    EXPECT_TRUE(caught_as<std::runtime_error>(LaunchError("x")));
    EXPECT_TRUE(caught_as<std::runtime_error>(AllocationError("x")));
    EXPECT_TRUE(caught_as<std::runtime_error>(LaunchTimeoutError("x")));
    EXPECT_TRUE(caught_as<LaunchError>(AllocationError("x")));
    EXPECT_TRUE(caught_as<LaunchError>(LaunchTimeoutError("x")));
    EXPECT_TRUE(caught_as<std::exception>(ConfigError("x")));
    EXPECT_TRUE(caught_as<std::exception>(LaunchError("x")));
    EXPECT_TRUE(caught_as<CodedError>(ConfigError("x")));
    EXPECT_TRUE(caught_as<CodedError>(LaunchTimeoutError("x")));
    // Each keeps the one std base it had: old handlers for the other type still pass them on.
    EXPECT_FALSE(caught_as<std::runtime_error>(ConfigError("x")));
    EXPECT_FALSE(caught_as<std::invalid_argument>(LaunchError("x")));
    EXPECT_FALSE(caught_as<insitu::Exception>(LaunchError("x")));
}

TEST(Errors, CodeNames) {
    EXPECT_STREQ(error_code_name(ErrorCode::Parameter), "Parameter");
    EXPECT_STREQ(error_code_name(ErrorCode::Timeout), "Timeout");
    EXPECT_STREQ(error_code_name(ErrorCode::Launcher), "Launcher");
    EXPECT_STREQ(error_code_name(ErrorCode::Allocation), "Allocation");
    EXPECT_STREQ(error_code_name(ErrorCode::EntityExists), "EntityExists");
    EXPECT_STREQ(error_code_name(ErrorCode::Unsupported), "Unsupported");
    EXPECT_STREQ(error_code_name(static_cast<ErrorCode>(99)), "Unknown");
    std::set<std::string> names;
    for (int c = 0; c <= 13; ++c) names.insert(error_code_name(static_cast<ErrorCode>(c)));
    EXPECT_EQ(names.size(), 14u) << "every code has its own name";
    EXPECT_EQ(names.count("Unknown"), 0u);
}
