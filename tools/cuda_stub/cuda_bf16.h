#pragma once
// Declarations only (see cuda_runtime.h here): the bfloat16 types and conversions our kernels use.
#include "cuda_runtime.h"
struct __nv_bfloat16 { unsigned short x; };
struct __nv_bfloat162 { __nv_bfloat16 x, y; };
__device__ float __bfloat162float(__nv_bfloat16);
__device__ __nv_bfloat16 __float2bfloat16_rn(float);
__device__ float2 __bfloat1622float2(__nv_bfloat162);
__device__ __nv_bfloat162 __floats2bfloat162_rn(float, float);
