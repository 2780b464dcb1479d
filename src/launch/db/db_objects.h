// ML models and scripts attached to entities: validation, the backends they need, storing them
// into a running database through the insitu client, and the manifest that hands them to a
// co-located database's start-up step (`insitu run-colocated --db-objects <file>`).
#pragma once

#include <insitu/client.h>
#include <insitu/db_objects.h>
#include <insitu/entity.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "launch/db/db_command.h"

namespace insitu::launch {

// Checks (and normalises: backend and device upper-cased) what add_ml_model / add_script were
// given. `entity` names the owner in errors. Throws std::invalid_argument.
void check_db_model(const std::string& entity, DBModel& m);
void check_db_script(const std::string& entity, DBScript& s);
std::string absolute_path(const std::string& path);

// Backends (TORCH, ONNX, TFLITE, TF) the objects need; scripts need TORCH.
std::set<std::string> backends_needed(const std::vector<DBModel>& models,
                                      const std::vector<DBScript>& scripts);
// The plugin directory next to the module (the module's default BACKENDSPATH).
std::string backends_dir();
// "libinsitu_backend_torch.so" for "TORCH".
std::string backend_plugin_file(const std::string& backend);

// Before anything starts: every file exists and every needed backend plugin is built. Throws
// std::runtime_error naming the entity and the model or script.
void check_db_objects_ready(const Model& m);

// An insitu client as the launcher's admin user (`auth`; none for an insecure database), over
// TLS when the database serves it (auth.tls_ca), standalone or clustered by the address count.
std::unique_ptr<Client> admin_client(const std::vector<std::string>& addresses, const DbAuth& auth,
                                     const std::string& logger_name);

// AI.CONFIG LOADBACKEND on every address (a backend already loaded is a no-op). Long loads show
// progress on stderr. Throws naming the backend and the shard.
// `auth`: the admin credentials (empty for an insecure database).
void preload_backends(const std::vector<std::string>& addresses,
                      const std::set<std::string>& backends, const DbAuth& auth = {});

// Stores every object through an insitu client (on every shard of a cluster). Errors name the
// entity and the object.
void store_db_objects(const std::vector<std::string>& addresses, const std::string& entity,
                      const std::vector<DBModel>& models, const std::vector<DBScript>& scripts,
                      const DbAuth& auth = {});

struct DBObjects {
    std::vector<DBModel> models;
    std::vector<DBScript> scripts;
};
// Writes the manifest for `m` to `path`; in-memory models and sources go to files beside it, so
// that the manifest (and any command line) stays small.
void write_db_manifest(const Model& m, const std::string& path);
DBObjects read_db_manifest(const std::string& path);

}  // namespace insitu::launch
