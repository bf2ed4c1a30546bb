// RingQueue: a FIFO on one growable power-of-two array, for a connection's
// queue of pending responses.  Unlike std::deque it never allocates once it
// has reached the connection's pipelining depth.
// Thread-safety: none.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace vitals {

template <typename T>
class RingQueue {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  T& front() { return items_[head_]; }  // REQUIRES: !empty()
  const T& front() const { return items_[head_]; }

  void push_back(const T& v) {
    if (size_ == items_.size()) Grow();
    items_[(head_ + size_) & (items_.size() - 1)] = v;
    ++size_;
  }
  void pop_front() {  // REQUIRES: !empty()
    head_ = (head_ + 1) & (items_.size() - 1);
    --size_;
  }
  void clear() { head_ = size_ = 0; }

 private:
  void Grow() {
    std::vector<T> bigger(items_.empty() ? 4 : items_.size() * 2);
    for (size_t i = 0; i < size_; ++i)
      bigger[i] = std::move(items_[(head_ + i) & (items_.size() - 1)]);
    items_ = std::move(bigger);
    head_ = 0;
  }
  std::vector<T> items_;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace vitals
