// libFuzzer target: the dataset metadata decoder (SmartRedis's packed field layout). A buffer that
// decodes must re-encode to the same bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/metadata_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    try {
        auto field = insitu::core::decode_meta_field(in);
        if (insitu::core::encode_meta_field(field) != in) __builtin_trap();
    } catch (const insitu::core::MetaFormatError&) {
    }
    return 0;
}
