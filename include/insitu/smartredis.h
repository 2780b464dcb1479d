// SmartRedis's C++ API over insitu: a SmartRedis 0.6.1 program compiles against insitu with its
// includes ("client.h", "dataset.h", "configoptions.h", "logger.h") replaced by this one header.
// It provides namespace SmartRedis (Client, DataSet, ConfigOptions, LogContext, the exceptions,
// the free log functions) taking and returning the C enumerations SRTensorType, SRMemoryLayout,
// SRMetaDataType and SRLoggingLevel, as SmartRedis's does. Everything forwards to insitu::Client /
// insitu::DataSet (same values, see tensor_types.h), so the two APIs can be mixed.
#pragma once

#include <insitu/client.h>
#include <insitu/config_options.h>
#include <insitu/dataset.h>
#include <insitu/errors.h>
#include <insitu/logging.h>
#include <insitu/sr_enums.h>

// SmartRedis's headers bring these in; its examples rely on them.
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace SmartRedis {

using ConfigOptions = insitu::ConfigOptions;
using Exception = insitu::Exception;
using BadAllocException = insitu::BadAllocException;
using DatabaseException = insitu::DatabaseException;
using InternalException = insitu::InternalException;
using RuntimeException = insitu::RuntimeException;
using ParameterException = insitu::ParameterException;
using TimeoutException = insitu::TimeoutException;
using KeyException = insitu::KeyException;
using InvalidException = insitu::InvalidException;
using TypeException = insitu::TypeException;

typedef std::unordered_map<std::string, std::string> parsed_reply_map;
typedef std::unordered_map<std::string, parsed_reply_map> parsed_reply_nested_map;

namespace detail {
inline insitu::TensorType to_insitu(SRTensorType t) {
    return static_cast<insitu::TensorType>(t);
}
inline insitu::MemoryLayout to_insitu(SRMemoryLayout l) {
    return static_cast<insitu::MemoryLayout>(l);
}
inline insitu::MetaDataType to_insitu(SRMetaDataType t) {
    return static_cast<insitu::MetaDataType>(t);
}
inline insitu::LogLevel to_insitu(SRLoggingLevel l) {
    return static_cast<insitu::LogLevel>(l);
}
}  // namespace detail

inline void log_data(const std::string& context, SRLoggingLevel level, const std::string& data) {
    insitu::log_data(context, detail::to_insitu(level), data);
}
inline void log_warning(const std::string& context, SRLoggingLevel level, const std::string& data) {
    insitu::log_warning(context, detail::to_insitu(level), data);
}
inline void log_error(const std::string& context, SRLoggingLevel level, const std::string& data) {
    insitu::log_error(context, detail::to_insitu(level), data);
}

class LogContext : public insitu::LogContext {
  public:
    using insitu::LogContext::log_data;
    using insitu::LogContext::log_error;
    using insitu::LogContext::log_warning;
    using insitu::LogContext::LogContext;
    void log_data(SRLoggingLevel level, const std::string& data) const {
        insitu::LogContext::log_data(detail::to_insitu(level), data);
    }
    void log_warning(SRLoggingLevel level, const std::string& data) const {
        insitu::LogContext::log_warning(detail::to_insitu(level), data);
    }
    void log_error(SRLoggingLevel level, const std::string& data) const {
        insitu::LogContext::log_error(detail::to_insitu(level), data);
    }
};

class DataSet : public insitu::DataSet {
  public:
    explicit DataSet(const std::string& name) : insitu::DataSet(name) {}
    DataSet(insitu::DataSet&& d) : insitu::DataSet(std::move(d)) {}  // NOLINT: implicit on purpose

    using insitu::DataSet::add_meta_scalar;
    using insitu::DataSet::add_tensor;
    using insitu::DataSet::get_meta_scalars;
    using insitu::DataSet::get_tensor;
    using insitu::DataSet::log_data;
    using insitu::DataSet::log_error;
    using insitu::DataSet::log_warning;
    using insitu::DataSet::unpack_tensor;

    void add_tensor(const std::string& name, void* data, const std::vector<size_t>& dims,
                    const SRTensorType type, const SRMemoryLayout mem_layout) {
        insitu::DataSet::add_tensor(name, data, dims, detail::to_insitu(type),
                                    detail::to_insitu(mem_layout));
    }
    void get_tensor(const std::string& name, void*& data, std::vector<size_t>& dims,
                    SRTensorType& type, const SRMemoryLayout mem_layout) const {
        insitu::TensorType t{};
        insitu::DataSet::get_tensor(name, data, dims, t, detail::to_insitu(mem_layout));
        type = static_cast<SRTensorType>(t);
    }
    void get_tensor(const std::string& name, void*& data, size_t*& dims, size_t& n_dims,
                    SRTensorType& type, const SRMemoryLayout mem_layout) const {
        insitu::TensorType t{};
        insitu::DataSet::get_tensor(name, data, dims, n_dims, t, detail::to_insitu(mem_layout));
        type = static_cast<SRTensorType>(t);
    }
    void unpack_tensor(const std::string& name, void* data, const std::vector<size_t>& dims,
                       const SRTensorType type, const SRMemoryLayout mem_layout) const {
        insitu::DataSet::unpack_tensor(name, data, dims, detail::to_insitu(type),
                                       detail::to_insitu(mem_layout));
    }
    void add_meta_scalar(const std::string& name, const void* data, const SRMetaDataType type) {
        insitu::DataSet::add_meta_scalar(name, data, detail::to_insitu(type));
    }
    void get_meta_scalars(const std::string& name, void*& data, size_t& length,
                          SRMetaDataType& type) const {
        insitu::MetaDataType t{};
        insitu::DataSet::get_meta_scalars(name, data, length, t);
        type = static_cast<SRMetaDataType>(t);
    }
    SRTensorType get_tensor_type(const std::string& name) const {
        return static_cast<SRTensorType>(insitu::DataSet::get_tensor_type(name));
    }
    SRMetaDataType get_metadata_field_type(const std::string& name) const {
        return static_cast<SRMetaDataType>(insitu::DataSet::get_metadata_field_type(name));
    }
    void log_data(SRLoggingLevel level, const std::string& data) const {
        insitu::DataSet::log_data(detail::to_insitu(level), data);
    }
    void log_warning(SRLoggingLevel level, const std::string& data) const {
        insitu::DataSet::log_warning(detail::to_insitu(level), data);
    }
    void log_error(SRLoggingLevel level, const std::string& data) const {
        insitu::DataSet::log_error(detail::to_insitu(level), data);
    }
};

class Client : public insitu::Client {
  public:
    explicit Client(const char* logger_name) : insitu::Client(logger_name) {}
    explicit Client(const std::string& logger_name = "default") : insitu::Client(logger_name) {}
    explicit Client(const ConfigOptions* cfgopts, const std::string& logger_name = "default")
        : insitu::Client(cfgopts, logger_name) {}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    // SmartRedis's deprecated form; the cluster flag overrides SR_DB_TYPE.
    [[deprecated("use Client(logger_name) with SR_DB_TYPE")]] Client(
        bool cluster, const std::string& logger_name = "default")
        : insitu::Client(cluster, logger_name) {}
#pragma GCC diagnostic pop

    using insitu::Client::get_tensor;
    using insitu::Client::log_data;
    using insitu::Client::log_error;
    using insitu::Client::log_warning;
    using insitu::Client::put_tensor;
    using insitu::Client::unpack_tensor;

    void put_tensor(const std::string& name, void* data, const std::vector<size_t>& dims,
                    const SRTensorType type, const SRMemoryLayout mem_layout) {
        insitu::Client::put_tensor(name, data, dims, detail::to_insitu(type),
                                   detail::to_insitu(mem_layout));
    }
    void get_tensor(const std::string& name, void*& data, std::vector<size_t>& dims,
                    SRTensorType& type, const SRMemoryLayout mem_layout) {
        insitu::TensorType t{};
        insitu::Client::get_tensor(name, data, dims, t, detail::to_insitu(mem_layout));
        type = static_cast<SRTensorType>(t);
    }
    void get_tensor(const std::string& name, void*& data, size_t*& dims, size_t& n_dims,
                    SRTensorType& type, const SRMemoryLayout mem_layout) {
        insitu::TensorType t{};
        insitu::Client::get_tensor(name, data, dims, n_dims, t, detail::to_insitu(mem_layout));
        type = static_cast<SRTensorType>(t);
    }
    void unpack_tensor(const std::string& name, void* data, const std::vector<size_t>& dims,
                       const SRTensorType type, const SRMemoryLayout mem_layout) {
        insitu::Client::unpack_tensor(name, data, dims, detail::to_insitu(type),
                                      detail::to_insitu(mem_layout));
    }
    DataSet get_dataset(const std::string& name) {
        return insitu::Client::get_dataset(name);
    }
    std::vector<DataSet> get_datasets_from_list(const std::string& list_name) {
        return as_smartredis(insitu::Client::get_datasets_from_list(list_name));
    }
    std::vector<DataSet> get_dataset_list_range(const std::string& list_name, int start_index,
                                                int end_index) {
        return as_smartredis(
            insitu::Client::get_dataset_list_range(list_name, start_index, end_index));
    }
    void log_data(SRLoggingLevel level, const std::string& data) const {
        insitu::Client::log_data(detail::to_insitu(level), data);
    }
    void log_warning(SRLoggingLevel level, const std::string& data) const {
        insitu::Client::log_warning(detail::to_insitu(level), data);
    }
    void log_error(SRLoggingLevel level, const std::string& data) const {
        insitu::Client::log_error(detail::to_insitu(level), data);
    }

  private:
    static std::vector<DataSet> as_smartredis(std::vector<insitu::DataSet>&& in) {
        std::vector<DataSet> out;
        out.reserve(in.size());
        for (auto& d : in) out.emplace_back(std::move(d));
        return out;
    }
};

}  // namespace SmartRedis
