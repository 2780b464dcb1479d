// Services the module offers to backend plugins' scripts (backend_abi.h's insitu_host_api):
// redis.execute runs a command under the server lock, redisAI.model_execute runs a stored model
// synchronously on the calling worker thread.
#pragma once

#include "backends/backend_abi.h"

namespace insitu::module {

const insitu_host_api* host_api();

}  // namespace insitu::module
