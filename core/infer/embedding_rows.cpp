#include "core/infer/embedding_rows.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/infer/aligned.h"
#include "core/infer/fused_elementwise.h"

#if defined(LL_INFER_CUDA_KERNELS) && __has_include(<c10/cuda/CUDAStream.h>) && __has_include(<cuda_runtime_api.h>)
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>

#include "core/infer/cuda_kernels.h"
#define LL_HAVE_ROW_KERNELS 1
#endif

namespace ll::infer {
at::Tensor scaledEmbedding(const at::Tensor& table, const at::Tensor& ids, double scale, const at::Tensor& rangeRows,
                           int64_t rangeStart) {
  if (table.dim() != 2 || ids.dim() != 1 || ids.scalar_type() != at::kLong)
    throw std::invalid_argument("scaledEmbedding: needs a table [rows, D] and int64 ids [n]");
  const int64_t D = table.size(1), count = rangeRows.defined() ? rangeRows.size(0) : 0;
  if (rangeRows.defined() && (rangeRows.dim() != 2 || rangeRows.size(1) != D || rangeRows.scalar_type() != table.scalar_type()))
    throw std::invalid_argument("scaledEmbedding: the range's rows must be [count, D] in the table's dtype");
#ifdef LL_HAVE_ROW_KERNELS
  if (fusedKernelsWanted(table) && table.is_contiguous() && ids.is_contiguous() && ids.device() == table.device() &&
      D % 8 == 0 && aligned16(table.data_ptr()) &&
      (count == 0 || (rangeRows.is_contiguous() && rangeRows.device() == table.device() && aligned16(rangeRows.data_ptr())))) {
    at::Tensor out = at::empty({ids.size(0), D}, table.options());
    const c10::cuda::CUDAGuard guard(table.device());
    if (const char* e = kernels::scaledEmbedding(table.data_ptr(), ids.data_ptr<int64_t>(), ids.size(0), D,
                                                 static_cast<float>(scale), count > 0 ? rangeRows.data_ptr() : nullptr,
                                                 rangeStart, count, out.data_ptr(),
                                                 c10::cuda::getCurrentCUDAStream(table.device().index()).stream()))
      throw std::runtime_error(std::string("scaled embedding failed to launch: ") + e);
    return out;
  }
#endif
  at::Tensor out = at::embedding(table, ids) * scale;
  if (count > 0) {
    const at::Tensor local = ids - rangeStart;
    const at::Tensor inRange = local.ge(0).logical_and(local.lt(count));
    const at::Tensor rows = at::embedding(rangeRows, local.clamp(0, count - 1));
    out = at::where(inRange.unsqueeze(1), rows, out);
  }
  return out;
}

const void* deviceReadablePointer(const at::Tensor& hostTable, const c10::Device& device) {
#ifdef LL_HAVE_ROW_KERNELS
  if (!device.is_cuda() || !fusedKernelsCompiled() || !hostTable.defined() || hostTable.is_cuda() ||
      !hostTable.is_contiguous() || hostTable.dim() != 2 || (hostTable.size(1) * hostTable.element_size()) % 16 != 0)
    return nullptr;
  cudaPointerAttributes attributes{};
  if (cudaPointerGetAttributes(&attributes, hostTable.data_ptr()) != cudaSuccess) {
    (void)cudaGetLastError();  // pageable memory may report an error on older runtimes: not readable, and no error left set
    return nullptr;
  }
  if (attributes.type != cudaMemoryTypeHost || attributes.devicePointer == nullptr || !aligned16(attributes.devicePointer))
    return nullptr;
  return attributes.devicePointer;
#else
  (void)hostTable;
  (void)device;
  return nullptr;
#endif
}

void gatherHostRows(const at::Tensor& hostTable, const void* deviceView, const at::Tensor& rows, const at::Tensor& out) {
  if (deviceView == nullptr) throw std::logic_error("gatherHostRows: the device cannot read this table in place");
  if (rows.dim() != 1 || rows.scalar_type() != at::kLong || !rows.is_contiguous() || !out.is_contiguous() ||
      out.dim() != 2 || out.size(0) != rows.size(0) || out.size(1) != hostTable.size(1) ||
      out.scalar_type() != hostTable.scalar_type() || rows.device() != out.device())
    throw std::invalid_argument("gatherHostRows: rows int64 [n] and out [n, row] contiguous on one device");
#ifdef LL_HAVE_ROW_KERNELS
  const c10::cuda::CUDAGuard guard(out.device());
  if (const char* e = kernels::gatherRows(deviceView, hostTable.size(1) * hostTable.element_size(), rows.data_ptr<int64_t>(),
                                          rows.size(0), out.data_ptr(),
                                          c10::cuda::getCurrentCUDAStream(out.device().index()).stream()))
    throw std::runtime_error(std::string("gathering host rows failed to launch: ") + e);
#else
  throw std::logic_error("gatherHostRows: this build has no CUDA kernels");
#endif
}

}  // namespace ll::infer
