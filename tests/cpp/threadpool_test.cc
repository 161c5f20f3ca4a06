// The thread pool: every index is run exactly once, chunks respect the grain, a worker id is never used by two
// chunks at once, exceptions reach the caller, and back-to-back jobs (the pattern of an invoke) do not mix.
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "harness.h"
#include "kernels/threadpool.h"

using slimrt::ThreadPool;

TEST(threadpool_covers_every_index_once) {
  for (int threads = 1; threads <= 4; ++threads) {
    ThreadPool pool(threads);
    for (int iter = 0; iter < 300 * t.scale; ++iter, ++t.cases) {
      const int64_t n = t.coin(0.1) ? t.uniform(0, 3) : t.uniform(1, 5000);
      const int64_t grain = t.uniform(1, 300);
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      std::vector<std::atomic<int>> busy(static_cast<size_t>(threads));
      std::atomic<int> bad_grain{0}, bad_worker{0}, overlap{0};
      pool.parallel_for(n, grain, [&](int64_t b, int64_t e, int w) {
        if (w < 0 || w >= threads) {
          ++bad_worker;
          return;
        }
        if (busy[size_t(w)].fetch_add(1) != 0) ++overlap;
        if (e - b < grain && e != n) ++bad_grain;
        for (int64_t i = b; i < e; ++i) hits[size_t(i)].fetch_add(1);
        if (b % 97 == 3) std::this_thread::yield();
        busy[size_t(w)].fetch_sub(1);
      });
      bool once = true;
      for (auto& h : hits) once = once && h.load() == 1;
      t.check(once, threads, " threads, n ", n, " grain ", grain, ": an index was not run exactly once");
      t.check(bad_worker == 0 && overlap == 0, threads, " threads: worker ids out of range or used concurrently");
      t.check(bad_grain == 0, threads, " threads, n ", n, " grain ", grain, ": a chunk below the grain");
    }
  }
}

TEST(threadpool_rethrows_and_keeps_working) {
  ThreadPool pool(3);
  for (int iter = 0; iter < 100 * t.scale; ++iter, ++t.cases) {
    const int64_t n = t.uniform(2, 1000);
    const int64_t bad = t.uniform(0, int(n) - 1);
    bool caught = false;
    try {
      pool.parallel_for(n, 1, [&](int64_t b, int64_t e, int) {
        if (bad >= b && bad < e) throw std::runtime_error("chunk failed");
      });
    } catch (const std::runtime_error&) {
      caught = true;
    }
    t.check(caught, "n ", n, ": the exception of index ", bad, " did not reach the caller");
    std::atomic<int64_t> sum{0};
    pool.parallel_for(n, 1, [&](int64_t b, int64_t e, int) {
      for (int64_t i = b; i < e; ++i) sum += i;
    });
    t.check(sum == n * (n - 1) / 2, "n ", n, ": the job after a failed one summed ", sum.load());
  }
}

// Many tiny jobs back to back, with the workers given time to fall asleep now and then.
TEST(threadpool_back_to_back_jobs) {
  ThreadPool pool(2);
  int64_t total = 0, want = 0;
  for (int iter = 0; iter < 20000 * t.scale; ++iter) {
    const int64_t n = 1 + iter % 17;
    std::atomic<int64_t> s{0};
    pool.parallel_for(n, 1, [&](int64_t b, int64_t e, int) { s += e - b; });
    total += s.load();
    want += n;
    if (iter % 5000 == 4999) std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  ++t.cases;
  t.check(total == want, "back-to-back jobs covered ", total, " items, expected ", want);
}
