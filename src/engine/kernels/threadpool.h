// A small fixed-size thread pool for data-parallel loops. With one thread, work runs inline on the caller.
//
// A loop is cut into chunks that the caller and the workers claim one at a time (an atomic counter), so a worker
// that the OS has not scheduled yet (a busy machine, or a worker still asleep) delays nothing: the others take its
// chunks. Ops run back to back for tens of microseconds each, so a futex wake-up per op would cost more than the
// work: idle workers spin briefly (yielding) before they sleep on a condition variable.
//
// Job publication is lock-free: one 64-bit word holds the job's generation, chunk count and next unclaimed chunk.
// A worker reads the job's fields after seeing a new generation, and runs a chunk only if its claim (a
// compare-and-swap on that word, checking the generation) succeeds; a successful claim proves the job was still
// running, so the fields it read were that job's.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace slimrt {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return threads_; }

  // Splits [0, n) into contiguous chunks of at least `grain` items (a few per thread, at most kMaxChunks) and runs
  // fn(begin, end, worker) for each; worker is in [0, size()) and no two calls with the same worker run at once
  // (per-worker scratch is safe). Returns when all chunks are done. Exceptions thrown by fn are rethrown on the
  // caller (the first one).
  void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t, int)>& fn);

  static constexpr int kChunksPerThread = 4;
  static constexpr int kMaxChunks = 1 << 12;

 private:
  using Fn = std::function<void(int64_t, int64_t, int)>;
  void worker_main(int id);
  // Claims and runs chunks of the job of generation `gen` until none is left; false if none was claimed.
  bool run_chunks(uint64_t gen, int id);
  void record_error();

  int threads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_start_, cv_done_;
  // The job: written by the caller before it publishes the generation in state_.
  std::atomic<const Fn*> job_{nullptr};
  std::atomic<int64_t> job_n_{0}, job_chunk_{0};
  // generation (24 bits) | chunk count (20 bits) | next chunk to claim (20 bits)
  std::atomic<uint64_t> state_{0};
  std::atomic<int> done_{0};     // chunks finished in the current job
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;  // guarded by mu_
};

}  // namespace slimrt
