// DataSet: tensors kept row-major in memory, metadata as typed value lists.
#include <insitu/dataset.h>

#include <algorithm>
#include <cstring>

#include "client/tensor_checks.h"
#include "client/tensor_io.h"
#include "core/layout.h"
#include "core/metadata_codec.h"

namespace insitu {
namespace {

constexpr const char* k_tensor_names = ".tensor_names";

std::size_t scalar_size(MetaDataType type) {
    return core::meta_scalar_size(static_cast<core::MetaType>(type));
}

std::string_view meta_type_name(MetaDataType t) {
    switch (t) {
        case MetaDataType::Double:
            return "DOUBLE";
        case MetaDataType::Float:
            return "FLOAT";
        case MetaDataType::Int32:
            return "INT32";
        case MetaDataType::Int64:
            return "INT64";
        case MetaDataType::Uint32:
            return "UINT32";
        case MetaDataType::Uint64:
            return "UINT64";
        case MetaDataType::String:
            return "STRING";
        default:
            return "INVALID";
    }
}

}  // namespace

// A get_tensor view: a private copy (the caller may write through it, like the peer's clone).
struct DataSet::View {
    std::unique_ptr<unsigned char[]> data;
    std::vector<std::size_t> dims;
    std::vector<void*> nested;
    void* out = nullptr;
};

DataSet::DataSet(const std::string& name) : name_(name) {}

void DataSet::set_name(const std::string& name) {
    name_ = name;
}

const DataSet::Tensor& DataSet::find_tensor(const std::string& name) const {
    for (const auto& t : tensors_)
        if (t.name == name) return t;
    throw KeyException("dataset '" + name_ + "' has no tensor '" + name + "'");
}

void DataSet::add_tensor(const std::string& name, const void* data,
                         const std::vector<std::size_t>& dims, TensorType type,
                         MemoryLayout layout) {
    client::check_type(type, "add_tensor");
    client::check_layout(layout, "add_tensor");
    client::check_data(data, "add_tensor");
    const std::size_t bytes = client::check_dims(dims, type, "add_tensor");
    if (name.empty()) throw ParameterException("add_tensor: the tensor name must not be empty");
    for (const auto& t : tensors_)
        if (t.name == name)
            throw ParameterException("add_tensor: dataset '" + name_ + "' has a tensor '" + name +
                                     "' already");
    Tensor t{name, type, dims, std::vector<unsigned char>(bytes)};
    const std::size_t elem = element_size(type);
    if (layout == MemoryLayout::Contiguous)
        std::memcpy(t.data.data(), data, bytes);
    else if (layout == MemoryLayout::Nested)
        core::gather_nested(data, t.data.data(), dims, elem);
    else
        core::fortran_to_c(data, t.data.data(), dims, elem);
    tensors_.push_back(std::move(t));
}

void DataSet::adopt_tensor(const std::string& name, TensorType type, std::vector<std::size_t> dims,
                           std::vector<unsigned char> data) {
    for (auto& t : tensors_) {
        if (t.name != name) continue;
        t = Tensor{name, type, std::move(dims), std::move(data)};
        return;
    }
    tensors_.push_back(Tensor{name, type, std::move(dims), std::move(data)});
}

void DataSet::get_tensor(const std::string& name, void*& data, std::vector<std::size_t>& dims,
                         TensorType& type, MemoryLayout layout) const {
    client::check_layout(layout, "DataSet::get_tensor");
    const Tensor& t = find_tensor(name);
    auto v = std::make_shared<View>();
    v->dims = t.dims;
    v->data.reset(new unsigned char[std::max<std::size_t>(t.data.size(), 1)]);
    const std::size_t elem = element_size(t.type);
    if (layout == MemoryLayout::FortranContiguous)
        core::c_to_fortran(t.data.data(), v->data.get(), t.dims, elem);
    else
        std::memcpy(v->data.get(), t.data.data(), t.data.size());
    v->out = layout == MemoryLayout::Nested
                 ? core::build_nested_view(v->data.get(), v->dims, elem, v->nested)
                 : v->data.get();
    views_.push_back(v);
    data = v->out;
    dims = t.dims;
    type = t.type;
}

void DataSet::get_tensor(const std::string& name, void*& data, std::size_t*& dims,
                         std::size_t& n_dims, TensorType& type, MemoryLayout layout) const {
    std::vector<std::size_t> d;
    get_tensor(name, data, d, type, layout);
    dims = views_.back()->dims.data();
    n_dims = views_.back()->dims.size();
}

void DataSet::unpack_tensor(const std::string& name, void* data,
                            const std::vector<std::size_t>& dims, TensorType type,
                            MemoryLayout layout) const {
    client::check_type(type, "DataSet::unpack_tensor");
    client::check_layout(layout, "DataSet::unpack_tensor");
    client::check_data(data, "DataSet::unpack_tensor");
    client::check_dims(dims, type, "DataSet::unpack_tensor");
    const Tensor& t = find_tensor(name);
    if (t.type != type)
        throw TypeException("DataSet::unpack_tensor: tensor '" + name + "' of dataset '" + name_ +
                            "' has dtype " + std::string(wire_name(t.type)) +
                            ", but the buffer is " + std::string(wire_name(type)));
    bool shape_ok = layout == MemoryLayout::Nested
                        ? t.dims == dims
                        : core::element_count(t.dims) == core::element_count(dims);
    if (!shape_ok)
        throw ParameterException("DataSet::unpack_tensor: tensor '" + name + "' has shape " +
                                 client::dims_text(t.dims) + ", but the buffer has shape " +
                                 client::dims_text(dims));
    const std::size_t elem = element_size(type);
    if (layout == MemoryLayout::Contiguous)
        std::memcpy(data, t.data.data(), t.data.size());
    else if (layout == MemoryLayout::Nested)
        core::scatter_nested(t.data.data(), data, dims, elem);
    else
        core::c_to_fortran(t.data.data(), data, t.dims, elem);
}

std::vector<std::string> DataSet::get_tensor_names() const {
    std::vector<std::string> out;
    for (const auto& t : tensors_) out.push_back(t.name);
    return out;
}

TensorType DataSet::get_tensor_type(const std::string& name) const {
    return find_tensor(name).type;
}

std::vector<std::size_t> DataSet::get_tensor_dims(const std::string& name) const {
    return find_tensor(name).dims;
}

void DataSet::add_meta_scalar(const std::string& name, const void* data, MetaDataType type) {
    const std::size_t size = scalar_size(type);
    if (size == 0)
        throw ParameterException("add_meta_scalar: " + std::string(meta_type_name(type)) +
                                 " is not a scalar metadata type");
    if (data == nullptr) throw ParameterException("add_meta_scalar: data must not be null");
    if (name.empty() || name == k_tensor_names)
        throw ParameterException("add_meta_scalar: invalid field name '" + name + "'");
    auto [it, created] = fields_.try_emplace(name);
    Field& f = it->second;
    if (created) f.type = type;
    if (f.type != type)
        throw ParameterException("add_meta_scalar: field '" + name + "' holds " +
                                 std::string(meta_type_name(f.type)) + " values, not " +
                                 std::string(meta_type_name(type)));
    auto p = static_cast<const unsigned char*>(data);
    f.scalars.insert(f.scalars.end(), p, p + size);
}

void DataSet::add_meta_string(const std::string& name, const std::string& data) {
    if (name.empty() || name == k_tensor_names)
        throw ParameterException("add_meta_string: invalid field name '" + name + "'");
    auto [it, created] = fields_.try_emplace(name);
    Field& f = it->second;
    if (created) f.type = MetaDataType::String;
    if (f.type != MetaDataType::String)
        throw ParameterException("add_meta_string: field '" + name + "' holds " +
                                 std::string(meta_type_name(f.type)) + " values");
    f.strings.push_back(data);
}

void DataSet::get_meta_scalars(const std::string& name, void*& data, std::size_t& length,
                               MetaDataType& type) const {
    auto it = fields_.find(name);
    if (it == fields_.end())
        throw KeyException("dataset '" + name_ + "' has no metadata field '" + name + "'");
    const Field& f = it->second;
    if (f.type == MetaDataType::String)
        throw TypeException("get_meta_scalars: field '" + name + "' holds strings");
    data = const_cast<unsigned char*>(f.scalars.data());
    length = f.scalars.size() / scalar_size(f.type);
    type = f.type;
}

std::vector<std::string> DataSet::get_meta_strings(const std::string& name) const {
    if (name == k_tensor_names) return get_tensor_names();
    auto it = fields_.find(name);
    if (it == fields_.end())
        throw KeyException("dataset '" + name_ + "' has no metadata field '" + name + "'");
    if (it->second.type != MetaDataType::String)
        throw TypeException("get_meta_strings: field '" + name + "' holds " +
                            std::string(meta_type_name(it->second.type)) + " values");
    return it->second.strings;
}

bool DataSet::has_field(const std::string& name) const {
    if (name == k_tensor_names) return !tensors_.empty();
    return fields_.count(name) > 0;
}

void DataSet::clear_field(const std::string& name) {
    fields_.erase(name);
}

std::vector<std::string> DataSet::get_metadata_field_names() const {
    std::vector<std::string> out;
    for (const auto& [n, f] : fields_) out.push_back(n);
    return out;
}

MetaDataType DataSet::get_metadata_field_type(const std::string& name) const {
    if (name == k_tensor_names && !tensors_.empty()) return MetaDataType::String;
    auto it = fields_.find(name);
    if (it == fields_.end())
        throw KeyException("dataset '" + name_ + "' has no metadata field '" + name + "'");
    return it->second.type;
}

std::vector<std::pair<std::string, std::string>> DataSet::packed_fields() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [n, f] : fields_) {
        if (f.type == MetaDataType::String)
            out.emplace_back(n, core::encode_meta_strings(f.strings));
        else
            out.emplace_back(
                n, core::encode_meta_scalars(static_cast<core::MetaType>(f.type), f.scalars.data(),
                                             f.scalars.size() / scalar_size(f.type)));
    }
    if (!tensors_.empty())
        out.emplace_back(k_tensor_names, core::encode_meta_strings(get_tensor_names()));
    return out;
}

void DataSet::add_packed_field(const std::string& name, std::string_view packed) {
    core::MetaField m;
    try {
        m = core::decode_meta_field(packed);
    } catch (const core::MetaFormatError& e) {
        throw DatabaseException("dataset '" + name_ + "': metadata field '" + name +
                                "' is malformed: " + e.what());
    }
    if (name == k_tensor_names) return;  // the tensors themselves say which exist
    Field f;
    f.type = static_cast<MetaDataType>(m.type);
    f.scalars = std::move(m.scalars);
    f.strings = std::move(m.strings);
    fields_[name] = std::move(f);
}

std::string DataSet::to_string() const {
    std::string out = "DataSet '" + name_ + "':\nTensors:\n";
    if (tensors_.empty()) out += "  none\n";
    for (const auto& t : tensors_)
        out += "  " + t.name + ": " + std::string(wire_name(t.type)) + " " +
               client::dims_text(t.dims) + "\n";
    out += "Metadata:\n";
    if (fields_.empty()) out += "  none\n";
    for (const auto& [n, f] : fields_) {
        std::size_t count = f.type == MetaDataType::String ? f.strings.size()
                                                           : f.scalars.size() / scalar_size(f.type);
        out += "  " + n + ": " + std::string(meta_type_name(f.type)) + " x" +
               std::to_string(count) + "\n";
    }
    return out;
}

}  // namespace insitu
