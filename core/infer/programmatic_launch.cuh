#pragma once
// Programmatic dependent launch for our decode-step kernels (compute capability 9.0 and up). A decode step is
// hundreds of small dependent kernels, each paying a launch gap after its predecessor ends. Launched with
// launchKernel, a kernel's blocks are scheduled while its predecessor still runs and wait in
// awaitPreviousKernel() -- the first statement of every kernel of ours -- until the predecessor has finished
// and its writes are visible: the order of a plain launch without the gap. A predecessor that is not ours
// (cuBLAS, ATen) simply counts as finished when it ends. LAYOUTLENS_PROGRAMMATIC_LAUNCH=0 launches plainly
// (A/B runs). Included by .cu files only.
#include <cuda_runtime.h>

#include <utility>

namespace ll::infer::kernels {

// Waits for the stream's previous kernel (nothing to wait for after a plain launch), then lets the next
// kernel, if launched programmatically, be scheduled: it too waits before touching memory.
__device__ __forceinline__ void awaitPreviousKernel() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;\n" ::: "memory");
  asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
#endif
}

// Whether launchKernel may launch `kernel` programmatically on the calling thread's current device: not switched
// off, compute capability 9.0 or later, and the kernel's code built for 9.0 or later (code built for an older
// target, e.g. PTX JIT-compiled for the card, has no griddepcontrol.wait and would not wait). Cached per device
// and kernel. Defined in cuda_kernels.cu.
bool programmaticLaunchEnabled(const void* kernel);

// kernel<<<grid, block, sharedBytes, stream>>>(args...), programmatically where enabled. A failed launch is
// reported by cudaGetLastError, as after <<<>>>.
template <class... Params, class... Args>
void launchKernel(void (*kernel)(Params...), dim3 grid, dim3 block, size_t sharedBytes, cudaStream_t stream,
                  Args&&... args) {
  cudaLaunchAttribute attribute;
  attribute.id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attribute.val.programmaticStreamSerializationAllowed = 1;
  cudaLaunchConfig_t config = {};
  config.gridDim = grid;
  config.blockDim = block;
  config.dynamicSmemBytes = sharedBytes;
  config.stream = stream;
  config.attrs = &attribute;
  config.numAttrs = programmaticLaunchEnabled(reinterpret_cast<const void*>(kernel)) ? 1 : 0;
  (void)cudaLaunchKernelEx(&config, kernel, std::forward<Args>(args)...);
}

}  // namespace ll::infer::kernels
