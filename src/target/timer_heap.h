// TimerHeap: the per-loop min-heap of deadlines that delays responses.
//
// Entries are never removed early; a cancelled timer stays in the heap and
// its owner recognises it as stale when it pops (by `generation`).  The loop
// waits until top().due_ns, so delays cost no thread and no sleep.
// Thread-safety: none (one per event loop).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace vitals {

template <typename Payload>
class TimerHeap {
 public:
  struct Entry {
    int64_t due_ns;
    uint64_t seq;  // insertion order breaks ties, so equal deadlines fire FIFO
    Payload payload;
  };

  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  const Entry& top() const { return heap_.front(); }  // REQUIRES: !empty()

  void Push(int64_t due_ns, Payload payload) {
    heap_.push_back(Entry{due_ns, next_seq_++, payload});
    std::push_heap(heap_.begin(), heap_.end(), Later);
  }
  Entry Pop() {  // REQUIRES: !empty()
    std::pop_heap(heap_.begin(), heap_.end(), Later);
    Entry e = heap_.back();
    heap_.pop_back();
    return e;
  }

 private:
  // std heap functions build a max-heap; "later" as less-than gives a min-heap.
  static bool Later(const Entry& a, const Entry& b) {
    return a.due_ns != b.due_ns ? a.due_ns > b.due_ns : a.seq > b.seq;
  }
  std::vector<Entry> heap_;
  uint64_t next_seq_ = 0;
};

}  // namespace vitals
