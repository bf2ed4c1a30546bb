// FastRng: a small, fast, seedable PRNG for per-thread sampling (latency
// draws, error injection) on the request path.
//
// xoshiro256** (Blackman & Vigna) seeded through splitmix64, so any 64-bit
// seed (including 0) gives a well-mixed state.  Not cryptographic.
// Thread-safety: none; each worker thread owns its own instance.
#pragma once

#include <cstdint>
#include <limits>

namespace vitals {

class FastRng {
 public:
  using result_type = uint64_t;

  explicit FastRng(uint64_t seed) {
    for (auto& word : s_) word = SplitMix64(&seed);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1), 53 random bits.
  double NextDouble() { return double(Next() >> 11) * 0x1.0p-53; }
  // Uniform in (0, 1]; safe to pass to log().
  double NextDoubleOpenLow() { return double((Next() >> 11) + 1) * 0x1.0p-53; }

  // UniformRandomBitGenerator, so <random> distributions accept it too.
  static constexpr uint64_t min() { return 0; }
  static constexpr uint64_t max() { return std::numeric_limits<uint64_t>::max(); }
  uint64_t operator()() { return Next(); }

  static uint64_t SplitMix64(uint64_t* x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace vitals
