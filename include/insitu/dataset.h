// A DataSet: named tensors plus metadata fields, stored and fetched as one unit by
// Client::put_dataset / get_dataset with SmartRedis 0.6.1's database layout, so that insitu and
// SmartRedis clients read each other's datasets.
//
// Metadata fields are typed lists: add_meta_scalar / add_meta_string append to a field (creating
// it on first use); a field keeps the type it was created with.
#pragma once

#include <insitu/errors.h>
#include <insitu/logging.h>
#include <insitu/tensor_types.h>

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace insitu {

// Metadata value types; numbered as SmartRedis's SRMetaDataType (the numbers are stored in the
// database as each field's type byte).
enum class MetaDataType : int {
    Invalid = 0,
    Double = 1,
    Float = 2,
    Int32 = 3,
    Int64 = 4,
    Uint32 = 5,
    Uint64 = 6,
    String = 7,
};

class DataSet {
  public:
    explicit DataSet(const std::string& name);

    // ---- tensors ------------------------------------------------------------------------------
    // Copies the tensor into the dataset (row-major). Throws ParameterException for a name used
    // already, an empty name, or an invalid type / layout / shape.
    void add_tensor(const std::string& name, const void* data, const std::vector<std::size_t>& dims,
                    TensorType type, MemoryLayout layout);
    // Memory owned by the dataset (valid while it lives), viewed as `layout`.
    void get_tensor(const std::string& name, void*& data, std::vector<std::size_t>& dims,
                    TensorType& type, MemoryLayout layout) const;
    void get_tensor(const std::string& name, void*& data, std::size_t*& dims, std::size_t& n_dims,
                    TensorType& type, MemoryLayout layout) const;
    // Into the caller's buffer; type and shape (element count for contiguous layouts) must match.
    void unpack_tensor(const std::string& name, void* data, const std::vector<std::size_t>& dims,
                       TensorType type, MemoryLayout layout) const;
    std::vector<std::string> get_tensor_names() const;
    TensorType get_tensor_type(const std::string& name) const;
    std::vector<std::size_t> get_tensor_dims(const std::string& name) const;

    // ---- metadata -----------------------------------------------------------------------------
    // Appends one value of `type` (read from `data`) to field `name`.
    void add_meta_scalar(const std::string& name, const void* data, MetaDataType type);
    void add_meta_string(const std::string& name, const std::string& data);
    // The field's values (memory owned by the dataset, valid until the field changes).
    void get_meta_scalars(const std::string& name, void*& data, std::size_t& length,
                          MetaDataType& type) const;
    std::vector<std::string> get_meta_strings(const std::string& name) const;
    bool has_field(const std::string& name) const;
    // Removes the field (nothing happens when it does not exist).
    void clear_field(const std::string& name);
    // User fields (not the internal ".tensor_names"), in name order.
    std::vector<std::string> get_metadata_field_names() const;
    MetaDataType get_metadata_field_type(const std::string& name) const;

    const std::string& get_name() const { return name_; }

    // Log lines under the dataset's name (SR_LOG_FILE, SR_LOG_LEVEL).
    void log_data(LogLevel level, const std::string& data) const {
        insitu::log_data(name_, level, data);
    }
    void log_warning(LogLevel level, const std::string& data) const {
        insitu::log_warning(name_, level, data);
    }
    void log_error(LogLevel level, const std::string& data) const {
        insitu::log_error(name_, level, data);
    }
    void set_name(const std::string& name);
    std::string to_string() const;

    // ---- for the client: the packed database form --------------------------------------------
    struct Tensor {
        std::string name;
        TensorType type = TensorType::Invalid;
        std::vector<std::size_t> dims;
        std::vector<unsigned char> data;  // row-major
    };
    const std::vector<Tensor>& tensors() const { return tensors_; }
    // Every field (".tensor_names" included) packed as SmartRedis stores it in the meta hash.
    std::vector<std::pair<std::string, std::string>> packed_fields() const;
    // Replaces field `name` with a packed buffer read from the database; throws
    // DatabaseException naming the field when the buffer is malformed.
    void add_packed_field(const std::string& name, std::string_view packed);
    // Adds a tensor received from the database (already row-major; `data` is moved in).
    void adopt_tensor(const std::string& name, TensorType type, std::vector<std::size_t> dims,
                      std::vector<unsigned char> data);

  private:
    struct Field {
        MetaDataType type = MetaDataType::Invalid;
        std::vector<unsigned char> scalars;  // native values back to back
        std::vector<std::string> strings;
    };
    struct View;

    const Tensor& find_tensor(const std::string& name) const;

    std::string name_;
    std::vector<Tensor> tensors_;
    std::map<std::string, Field> fields_;
    // Views handed out by get_tensor; shared so that copies of a dataset keep them alive.
    mutable std::vector<std::shared_ptr<View>> views_;
};

}  // namespace insitu
