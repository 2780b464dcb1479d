// Large blocks of the server's jemalloc (tensor BLOB arguments, their reply buffers): kept for
// reuse instead of returned to the kernel on every free (issue #19).
//
// jemalloc serves allocations of 8 MiB and more (opt.oversize_threshold) from a dedicated arena
// that purges every freed block at once (MADV_DONTNEED). A 64 MiB AI.TENSORSET allocates its
// query buffer and AI.TENSORGET its reply buffer there, so each of them faults 16384 fresh 4 KiB
// pages: a server started without MALLOC_CONF=thp:always (which makes those faults 2 MiB ones)
// moves 64 MiB tensors at about half the speed. At load the module finds that arena through
// `mallctl` and lets it keep freed blocks dirty for LARGE_ALLOC_RETAIN_MS (decayed by jemalloc's
// background thread, or by a module timer when that thread is off), so the next large buffer
// reuses pages that are already mapped. Nothing else in the server's allocator changes.
#pragma once

#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

// jemalloc's default dirty decay for every other arena: retained blocks go back to the kernel
// gradually over this many milliseconds after their last use.
inline constexpr long long k_default_large_alloc_retain_ms = 10000;

// Applies the tuning (retain_ms > 0) or leaves the allocator alone (0); logs what it did. Never
// fails the load: a server whose allocator is not a reachable jemalloc keeps its behaviour.
void tune_large_allocations(RedisModuleCtx* ctx, long long retain_ms);

// INFO MODULES section "ai_large_allocations": state, arena, retain time, bytes kept dirty.
void add_large_allocations_info(RedisModuleInfoCtx* ctx);

}  // namespace insitu::module
