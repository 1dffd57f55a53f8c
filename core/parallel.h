// Data parallelism for the indexer: the same function over every index of a
// range, on a few threads. The range is handed out one index at a time, so
// uneven items (a long article beside short ones) balance themselves.
#pragma once

#include <cstddef>
#include <functional>

namespace kb {

// Threads worth using for CPU-bound work here: the machine's cores (at least
// 1), or KB_THREADS when set (1 turns parallelism off, for profiling).
size_t worker_threads();

// Calls fn(i) for every i in [0, n) on up to `threads` threads, the caller's
// among them, and returns when all calls have returned. Calls for different
// i may run at the same time; the first exception thrown is rethrown here
// after the others have finished.
void parallel_for(size_t n, size_t threads, const std::function<void(size_t)>& fn);

}  // namespace kb
