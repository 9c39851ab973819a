#pragma once
// Declarations only, for tools/cuda_syntax_check.sh: the part of CUDA's WMMA API (tensor-core fragments) that
// core/infer/split_kv_decode_kernel.cu uses, with the real names and signatures. The GPU machine builds with
// the CUDA toolkit's header.
#include "cuda_runtime.h"

namespace nvcuda {
namespace wmma {

struct row_major;
struct col_major;
struct matrix_a;
struct matrix_b;
struct accumulator;
enum layout_t { mem_row_major, mem_col_major };

template <typename Use, int m, int n, int k, typename T, typename Layout = void>
class fragment {
 public:
  enum { num_elements = 8 };
  T x[num_elements];
};

template <typename Use, int m, int n, int k, typename T, typename Layout>
__device__ void fill_fragment(fragment<Use, m, n, k, T, Layout>& a, const T& v);
template <typename Use, int m, int n, int k, typename T, typename Layout>
__device__ void load_matrix_sync(fragment<Use, m, n, k, T, Layout>& a, const T* p, unsigned ldm);
template <int m, int n, int k, typename T>
__device__ void store_matrix_sync(T* p, const fragment<accumulator, m, n, k, T>& a, unsigned ldm, layout_t layout);
template <int m, int n, int k, typename Ta, typename La, typename Tb, typename Lb, typename Tc>
__device__ void mma_sync(fragment<accumulator, m, n, k, Tc>& d, const fragment<matrix_a, m, n, k, Ta, La>& a,
                         const fragment<matrix_b, m, n, k, Tb, Lb>& b, const fragment<accumulator, m, n, k, Tc>& c);

}  // namespace wmma
}  // namespace nvcuda
