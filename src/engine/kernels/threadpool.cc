#include "threadpool.h"

#include <algorithm>

namespace slimrt {

namespace {
// About 50-100 microseconds of polling before sleeping: longer than the gap between two ops of one invoke.
constexpr int kSpins = 20000;
constexpr uint64_t kMask20 = (uint64_t(1) << 20) - 1;

inline uint64_t gen_of(uint64_t s) { return s >> 40; }
inline int count_of(uint64_t s) { return int((s >> 20) & kMask20); }
inline int next_of(uint64_t s) { return int(s & kMask20); }
inline void relax() { std::this_thread::yield(); }
}  // namespace

ThreadPool::ThreadPool(int threads) : threads_(std::max(1, threads)) {
  // The calling thread is worker 0; the pool starts threads_ - 1 more.
  for (int i = 1; i < threads_; ++i) workers_.emplace_back(&ThreadPool::worker_main, this, i);
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true, std::memory_order_release);
  }
  cv_start_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::record_error() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!error_) error_ = std::current_exception();
}

bool ThreadPool::run_chunks(uint64_t gen, int id) {
  bool ran = false;
  for (;;) {
    uint64_t s = state_.load(std::memory_order_acquire);
    if (gen_of(s) != gen || next_of(s) >= count_of(s)) return ran;
    if (!state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
    // Chunk next_of(s) is ours: the job cannot finish before we do, so its fields stay as published.
    ran = true;
    const Fn* fn = job_.load(std::memory_order_relaxed);
    const int64_t chunk = job_chunk_.load(std::memory_order_relaxed);
    const int64_t begin = int64_t(next_of(s)) * chunk;
    const int64_t end = std::min(job_n_.load(std::memory_order_relaxed), begin + chunk);
    try {
      (*fn)(begin, end, id);
    } catch (...) {
      record_error();
    }
    if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == count_of(s)) {
      std::lock_guard<std::mutex> lock(mu_);  // pairs with the caller's predicate check before it sleeps
      cv_done_.notify_one();
    }
  }
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t, int)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  const int64_t max_chunks = std::max<int64_t>(1, n / grain);  // every chunk holds at least `grain` items
  int chunks = int(std::min<int64_t>({max_chunks, int64_t(threads_) * kChunksPerThread, int64_t(kMaxChunks)}));
  if (threads_ <= 1 || chunks <= 1) {
    fn(0, n, 0);
    return;
  }
  const int64_t chunk = (n + chunks - 1) / chunks;
  chunks = int((n + chunk - 1) / chunk);
  job_.store(&fn, std::memory_order_relaxed);
  job_n_.store(n, std::memory_order_relaxed);
  job_chunk_.store(chunk, std::memory_order_relaxed);
  done_.store(0, std::memory_order_relaxed);
  const uint64_t gen = (gen_of(state_.load(std::memory_order_relaxed)) + 1) & ((uint64_t(1) << 24) - 1);
  {
    // Publishing under the mutex pairs with the sleeping workers' predicate check: no lost wake-up.
    std::lock_guard<std::mutex> lock(mu_);
    error_ = nullptr;
    state_.store((gen << 40) | (uint64_t(chunks) << 20), std::memory_order_release);
  }
  cv_start_.notify_all();
  run_chunks(gen, 0);
  for (int i = 0; i < kSpins && done_.load(std::memory_order_acquire) < chunks; ++i) relax();
  std::unique_lock<std::mutex> lock(mu_);
  cv_done_.wait(lock, [&] { return done_.load(std::memory_order_acquire) >= chunks; });
  job_.store(nullptr, std::memory_order_relaxed);
  if (error_) std::rethrow_exception(error_);  // (the lock is released while the exception unwinds)
}

void ThreadPool::worker_main(int id) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t gen = gen_of(state_.load(std::memory_order_acquire));
    for (int i = 0; i < kSpins && gen == seen && !stop_.load(std::memory_order_relaxed); ++i) {
      relax();
      gen = gen_of(state_.load(std::memory_order_acquire));
    }
    if (gen == seen && !stop_.load(std::memory_order_relaxed)) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_start_.wait(lock, [&] {
        return stop_.load(std::memory_order_relaxed) || gen_of(state_.load(std::memory_order_acquire)) != seen;
      });
      gen = gen_of(state_.load(std::memory_order_acquire));
    }
    if (stop_.load(std::memory_order_acquire)) return;
    seen = gen;
    run_chunks(gen, id);
  }
}

}  // namespace slimrt
