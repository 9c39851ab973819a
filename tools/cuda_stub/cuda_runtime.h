#pragma once
// Declarations only, for tools/cuda_syntax_check.sh: enough of the CUDA runtime for clang to parse and
// type-check our .cu files (host and device side) on a machine without the CUDA toolkit. Nothing links
// against this; the GPU machine builds with nvcc and the real headers.
#define __align__(n) __attribute__((aligned(n)))
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __host__ __attribute__((host))
#define __shared__ __attribute__((shared))
#define __forceinline__ inline __attribute__((always_inline))
#define __launch_bounds__(...) __attribute__((launch_bounds(__VA_ARGS__)))
#include <__clang_cuda_builtin_vars.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

struct dim3 {
  unsigned x, y, z;
  dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};
struct uint4 { unsigned x, y, z, w; };
struct float2 { float x, y; };
struct float4 { float x, y, z, w; };
typedef struct CUstream_st* cudaStream_t;
enum cudaError_t { cudaSuccess = 0 };
typedef cudaError_t cudaError;
enum cudaDeviceAttr { cudaDevAttrMultiProcessorCount = 16, cudaDevAttrComputeCapabilityMajor = 75 };
enum cudaFuncAttribute { cudaFuncAttributeMaxDynamicSharedMemorySize = 8 };

__host__ cudaError_t cudaGetLastError();
__host__ const char* cudaGetErrorString(cudaError_t);
__host__ cudaError_t cudaDeviceGetAttribute(int*, cudaDeviceAttr, int);
__host__ cudaError_t cudaGetDevice(int*);
struct cudaFuncAttributes {
  int binaryVersion, ptxVersion, maxThreadsPerBlock, numRegs;
};
__host__ cudaError_t cudaFuncGetAttributes(cudaFuncAttributes*, const void*);
template <class T>
__host__ cudaError_t cudaFuncSetAttribute(T*, cudaFuncAttribute, int);
enum cudaLaunchAttributeID {
  cudaLaunchAttributeClusterDimension = 4,
  cudaLaunchAttributeProgrammaticStreamSerialization = 6
};
union cudaLaunchAttributeValue {
  struct { unsigned x, y, z; } clusterDim;
  int programmaticStreamSerializationAllowed;
};
struct cudaLaunchAttribute {
  cudaLaunchAttributeID id;
  cudaLaunchAttributeValue val;
};
struct cudaLaunchConfig_t {
  dim3 gridDim, blockDim;
  size_t dynamicSmemBytes;
  cudaStream_t stream;
  cudaLaunchAttribute* attrs;
  unsigned numAttrs;
};
template <class... Expected, class... Actual>
__host__ cudaError_t cudaLaunchKernelEx(const cudaLaunchConfig_t*, void (*)(Expected...), Actual&&...);
// The launch syntax <<<...>>> lowers to one of these, by the CUDA version clang assumes.
__host__ int cudaConfigureCall(dim3, dim3, size_t = 0, cudaStream_t = 0);
extern "C" __host__ int __cudaPushCallConfiguration(dim3, dim3, size_t = 0, void* = 0);

__device__ __host__ uint4 make_uint4(unsigned, unsigned, unsigned, unsigned);
__device__ __host__ float2 make_float2(float, float);
__device__ float rsqrtf(float);
__device__ float sqrtf(float);
__device__ float tanhf(float);
__device__ float expf(float);
__device__ float exp2f(float);
__device__ float __expf(float);
__device__ float fmaf(float, float, float);
__device__ float __fmul_rn(float, float);
__device__ float __fadd_rn(float, float);
__device__ float fmaxf(float, float);
__device__ float fminf(float, float);
__device__ float __shfl_xor_sync(unsigned, float, int, int = 32);
__device__ void __syncthreads();
__device__ void __syncwarp(unsigned = 0xffffffffu);
__device__ size_t __cvta_generic_to_shared(const void*);
template <class T>
__device__ T __ldg(const T*);
template <class T>
__device__ T __ldcg(const T*);
__device__ void __threadfence();
__device__ unsigned atomicAdd(unsigned*, unsigned);
