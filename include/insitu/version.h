#pragma once

#define INSITU_VERSION_MAJOR 0
#define INSITU_VERSION_MINOR 1
#define INSITU_VERSION_PATCH 0
#define INSITU_VERSION_STRING "0.1.0"
// Encoded as RedisAI does (major*10000 + minor*100 + patch), reported to Redis at load.
#define INSITU_VERSION_NUMBER \
    (INSITU_VERSION_MAJOR * 10000 + INSITU_VERSION_MINOR * 100 + INSITU_VERSION_PATCH)
