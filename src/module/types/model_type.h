// The AI__MODEL and AI_SCRIPT Redis data types: RDB save/load (a model is saved as the bytes it
// was stored with, in MODEL_CHUNK_SIZE chunks, and recreated through the backend on load, which
// also creates its device queue), AOF rewrite (AI.MODELSTORE / AI.SCRIPTSTORE), free, MEMORY USAGE.
#pragma once

#include <string>

#include "engine/model.h"
#include "engine/script.h"
#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

// Keyspace values: the object is shared with queued jobs. A model keeps the exact bytes it was
// stored with: AI.MODELGET BLOB, RDB and AOF give them back unchanged (a backend's own
// re-serialization differs, e.g. TorchScript renames archive entries).
struct ModelValue {
    engine::ModelPtr model;
    std::string blob;
};
struct ScriptValue {
    engine::ScriptPtr script;
};

int register_model_types(RedisModuleCtx* ctx);
RedisModuleType* model_type();
RedisModuleType* script_type();

// Opens `key` holding a model (or script). Returns nullptr after replying with an error
// ("ERR model key is empty" / WRONGTYPE). With `write`, an empty key is returned (value null).
RedisModuleKey* open_model_key(RedisModuleCtx* ctx, RedisModuleString* key, bool write,
                               ModelValue** out);
RedisModuleKey* open_script_key(RedisModuleCtx* ctx, RedisModuleString* key, bool write,
                                ScriptValue** out);

// Gives a stored object its AI.INFO stats entry under `key`.
void attach_stats(const std::string& key, ModelValue& v);
void attach_stats(const std::string& key, ScriptValue& v);

}  // namespace insitu::module
