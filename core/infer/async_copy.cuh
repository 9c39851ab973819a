#pragma once
// Shared-memory staging for our kernels that stream data through shared memory (the split-KV decode
// attention's K and V; the gated MLP of e75ff7d, reverted, its weights): 16-byte copies global -> shared by
// cp.async, without a register round trip, committed and awaited in groups (one group a pipeline stage), and
// the warp-wide ldmatrix reads that turn a staged 16 x 16 tile into mma.sync fragments (tensor_core_mma.cuh).
// Included by .cu files only.
#include <cuda_runtime.h>

namespace ll::infer::kernels {

// The shared-memory address of a generic pointer into shared memory, as cp.async and ldmatrix take it.
__device__ __forceinline__ unsigned sharedAddress(const void* p) {
  return static_cast<unsigned>(__cvta_generic_to_shared(p));
}
// 16 bytes global -> shared; `inside` false: 16 zero bytes, nothing read (the address must still be valid).
__device__ __forceinline__ void copy16Async(unsigned shared, const void* global, bool inside) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(shared), "l"(global), "r"(inside ? 16 : 0)
               : "memory");
}
// Closes the group of copies issued since the last commit.
__device__ __forceinline__ void commitCopies() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
// Waits until at most `Pending` of this thread's committed groups are still in flight.
template <int Pending>
__device__ __forceinline__ void waitCopies() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(Pending) : "memory");
}
// Four 8 x 8 bf16 matrices; lanes 8j .. 8j + 7 give the row addresses of matrix j.
__device__ __forceinline__ void loadMatrices(unsigned (&r)[4], unsigned address) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(address)
               : "memory");
}
// The same, each matrix transposed on the way.
__device__ __forceinline__ void loadMatricesTransposed(unsigned (&r)[4], unsigned address) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(address)
               : "memory");
}

}  // namespace ll::infer::kernels
