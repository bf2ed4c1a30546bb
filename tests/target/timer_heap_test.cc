#include "target/timer_heap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "target/ring_queue.h"
#include "target/rng.h"

namespace vitals {
namespace {

TEST(TimerHeap, PopsInDeadlineOrderAndTiesFifo) {
  TimerHeap<int> heap;
  FastRng rng(3);
  std::vector<std::pair<int64_t, int>> pushed;
  for (int i = 0; i < 1000; ++i) {
    int64_t due = int64_t(rng.Next() % 50);  // many equal deadlines
    heap.Push(due, i);
    pushed.emplace_back(due, i);
  }
  std::stable_sort(pushed.begin(), pushed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [due, id] : pushed) {
    ASSERT_FALSE(heap.empty());
    EXPECT_EQ(heap.top().due_ns, due);
    auto e = heap.Pop();
    EXPECT_EQ(e.due_ns, due);
    EXPECT_EQ(e.payload, id);
  }
  EXPECT_TRUE(heap.empty());
}

TEST(RingQueue, FifoAcrossGrowthAndWrapAround) {
  RingQueue<int> q;
  int next_in = 0, next_out = 0;
  FastRng rng(5);
  for (int round = 0; round < 10000; ++round) {
    if (q.empty() || rng.Next() % 3 != 0) {
      q.push_back(next_in++);
    } else {
      ASSERT_EQ(q.front(), next_out++);
      q.pop_front();
    }
    ASSERT_EQ(q.size(), size_t(next_in - next_out));
  }
  while (!q.empty()) {
    ASSERT_EQ(q.front(), next_out++);
    q.pop_front();
  }
  q.push_back(42);
  q.clear();
  EXPECT_TRUE(q.empty());
}

}  // namespace
}  // namespace vitals
