/* The SmartRedis enumerations (SRError, SRTensorType, SRMemoryLayout, SRMetaDataType,
 * SRLoggingLevel) with SmartRedis's names and values; insitu's additions follow them. Shared by the
 * C API (insitu.h) and the SmartRedis-compatible C++ header (smartredis.h). */
#ifndef INSITU_SR_ENUMS_H
#define INSITU_SR_ENUMS_H

typedef enum {
    SRNoError = 0,
    SRBadAllocError = 1,
    SRDatabaseError = 2, /* the database replied with an error, or the connection failed */
    SRInternalError = 3,
    SRRuntimeError = 4,
    SRParameterError = 5, /* an invalid argument (null pointer, bad address, bad shape, ...) */
    SRTimeoutError = 6,
    SRKeyError = 7, /* the key does not exist */
    SRInvalidError = 8,
    SRTypeError = 9 /* dtype or layout mismatch */
} SRError;

typedef enum {
    SRTensorTypeInvalid = 0,
    SRTensorTypeDouble = 1,
    SRTensorTypeFloat = 2,
    SRTensorTypeInt8 = 3,
    SRTensorTypeInt16 = 4,
    SRTensorTypeInt32 = 5,
    SRTensorTypeInt64 = 6,
    SRTensorTypeUint8 = 7,
    SRTensorTypeUint16 = 8,
    /* insitu extensions */
    SRTensorTypeUint32 = 9,
    SRTensorTypeUint64 = 10,
    SRTensorTypeFloat16 = 11,
    SRTensorTypeBFloat16 = 12,
    SRTensorTypeBool = 13
} SRTensorType;

typedef enum {
    SRMemLayoutInvalid = 0,
    SRMemLayoutNested = 1,           /* row-major, pointer-of-pointers down to contiguous rows */
    SRMemLayoutContiguous = 2,       /* row-major (C order) */
    SRMemLayoutFortranNested = 3,    /* not supported (SRParameterError) */
    SRMemLayoutFortranContiguous = 4 /* column-major; stored row-major in the database */
} SRMemoryLayout;

typedef enum {
    SRMetadataTypeInvalid = 0,
    SRMetadataTypeDouble = 1,
    SRMetadataTypeFloat = 2,
    SRMetadataTypeInt32 = 3,
    SRMetadataTypeInt64 = 4,
    SRMetadataTypeUint32 = 5,
    SRMetadataTypeUint64 = 6,
    SRMetadataTypeString = 7
} SRMetaDataType;

typedef enum {
    LLInvalid = 0,
    LLQuiet = 1,    /* no logging at all */
    LLInfo = 2,     /* informational messages (the default) */
    LLDebug = 3,    /* plus per-call detail */
    LLDeveloper = 4 /* everything */
} SRLoggingLevel;

#endif
