#pragma once
// Whether a pointer allows 16-byte accesses (eight bfloat16 at a time): the condition of our vectorised kernels
// (bf16_vectors.cuh), checked on the host before a launch by the launchers and by the libtorch side that picks
// a kernel or the op chain. Null counts as aligned (an absent optional input). Neither libtorch nor CUDA here.
#include <cstdint>

namespace ll::infer {

inline bool aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

}  // namespace ll::infer
