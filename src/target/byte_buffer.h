// ByteBuffer: a growable byte queue for a connection's input or output.
//
// Bytes are appended at the end and consumed from the front; consumed space
// is reclaimed by sliding the live bytes down when more room is needed, so a
// keep-alive connection reuses one allocation for its whole life.
// Thread-safety: none (owned by one connection).
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>
#include <vector>

namespace vitals {

class ByteBuffer {
 public:
  std::string_view view() const { return {data_.data() + begin_, end_ - begin_}; }
  const char* data() const { return data_.data() + begin_; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return end_ == begin_; }
  size_t capacity() const { return data_.size(); }

  void Consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  // Room for at least min_space bytes at the end; returns where to write.
  char* PrepareWrite(size_t min_space) {
    if (data_.size() - end_ < min_space) {
      if (begin_ > 0) {
        std::memmove(data_.data(), data_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
      }
      if (data_.size() - end_ < min_space) {
        size_t want = data_.size() * 2;
        if (want < end_ + min_space) want = end_ + min_space;
        data_.resize(want);
      }
    }
    return data_.data() + end_;
  }
  size_t writable() const { return data_.size() - end_; }
  void Commit(size_t n) { end_ += n; }
  void Append(std::string_view s) {
    std::memcpy(PrepareWrite(s.size()), s.data(), s.size());
    end_ += s.size();
  }
  // Empties the buffer; frees memory above keep_bytes.
  void Clear(size_t keep_bytes) {
    begin_ = end_ = 0;
    if (data_.size() > keep_bytes) {
      data_.resize(keep_bytes);
      data_.shrink_to_fit();
    }
  }

 private:
  std::vector<char> data_;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace vitals
