// Gemma 3n MobileNetV5 vision tower on the CPU: the primitives against their formulas (TF-SAME padding picks
// the pixels timm picks, RmsNorm2d per pixel, multi-query attention against a loop), a tiny random tower with the
// real tensor names (every block kind, K/V downsampling, MSFA) against an independent re-implementation written
// from specs/gemma3n.md §3, batching, input sizes, and structure-inference errors that name the tensor.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>

#include <ATen/ATen.h>

#include "core/infer/infer_test_device.h"
#include "core/models/gemma3n/vision_blocks.h"
#include "core/models/gemma3n/vision_mobilenet.h"
#include "support/invalid_argument_message.h"

using namespace ll::models::gemma3n;
using Weights = std::map<std::string, at::Tensor>;

namespace {

double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

using ll::testing::messageOf;

at::Tensor conv(int64_t out, int64_t in, int64_t k) {
  return at::randn({out, in, k, k}) * (1.0 / std::sqrt(double(in * k * k)));
}
at::Tensor scaleVec(int64_t n) { return at::rand({n}) + 0.5; }

void addConvNorm(Weights& w, const std::string& p, int64_t out, int64_t in, int64_t k) {
  w[p + ".conv.weight"] = conv(out, in, k);
  w[p + ".bn.weight"] = scaleVec(out);
}

void addMqa(Weights& w, const std::string& p, int64_t c, int64_t heads, int64_t dk, int64_t dv, bool down) {
  w[p + "norm.weight"] = scaleVec(c);
  w[p + "attn.query.proj.weight"] = conv(heads * dk, c, 1);
  w[p + "attn.key.proj.weight"] = conv(dk, c, 1);
  w[p + "attn.value.proj.weight"] = conv(dv, c, 1);
  w[p + "attn.output.proj.weight"] = conv(c, heads * dv, 1);
  w[p + "layer_scale.gamma"] = scaleVec(c);
  if (down) {
    w[p + "attn.key.down_conv.weight"] = conv(c, 1, 3);
    w[p + "attn.key.norm.weight"] = scaleVec(c);
    w[p + "attn.value.down_conv.weight"] = conv(c, 1, 3);
    w[p + "attn.value.norm.weight"] = scaleVec(c);
  }
}

// A tiny tower with the real names: stem 8, stage 0 ER, stage 1 UIR (dw_start + dw_mid s2) + UIR without dw,
// stage 2 UIR s2 + MQA with K/V downsampling, stage 3 UIR s2 + MQA (dv != dk) + UIR, MSFA 40 -> 48 -> 32.
Weights tinyTower() {
  at::manual_seed(7);
  Weights w;
  w["conv_stem.conv.weight"] = conv(8, 3, 3);
  w["conv_stem.conv.bias"] = at::randn({8}) * 0.1;
  w["conv_stem.bn.weight"] = scaleVec(8);
  w["blocks.0.0.conv_exp.weight"] = conv(16, 8, 3);
  w["blocks.0.0.bn1.weight"] = scaleVec(16);
  w["blocks.0.0.conv_pwl.weight"] = conv(8, 16, 1);
  w["blocks.0.0.bn2.weight"] = scaleVec(8);
  addConvNorm(w, "blocks.1.0.dw_start", 8, 1, 3);
  addConvNorm(w, "blocks.1.0.pw_exp", 24, 8, 1);
  addConvNorm(w, "blocks.1.0.dw_mid", 24, 1, 5);
  addConvNorm(w, "blocks.1.0.pw_proj", 12, 24, 1);
  w["blocks.1.0.layer_scale.gamma"] = scaleVec(12);
  addConvNorm(w, "blocks.1.1.pw_exp", 24, 12, 1);
  addConvNorm(w, "blocks.1.1.pw_proj", 12, 24, 1);
  w["blocks.1.1.layer_scale.gamma"] = scaleVec(12);
  addConvNorm(w, "blocks.2.0.dw_start", 12, 1, 3);
  addConvNorm(w, "blocks.2.0.pw_exp", 24, 12, 1);
  addConvNorm(w, "blocks.2.0.dw_mid", 24, 1, 3);
  addConvNorm(w, "blocks.2.0.pw_proj", 16, 24, 1);
  w["blocks.2.0.layer_scale.gamma"] = scaleVec(16);
  addMqa(w, "blocks.2.1.", 16, 2, 4, 4, true);
  addConvNorm(w, "blocks.3.0.dw_start", 16, 1, 5);
  addConvNorm(w, "blocks.3.0.pw_exp", 32, 16, 1);
  addConvNorm(w, "blocks.3.0.dw_mid", 32, 1, 3);
  addConvNorm(w, "blocks.3.0.pw_proj", 24, 32, 1);
  w["blocks.3.0.layer_scale.gamma"] = scaleVec(24);
  addMqa(w, "blocks.3.1.", 24, 3, 4, 6, false);
  addConvNorm(w, "blocks.3.2.pw_exp", 48, 24, 1);
  addConvNorm(w, "blocks.3.2.pw_proj", 24, 48, 1);
  w["blocks.3.2.layer_scale.gamma"] = scaleVec(24);
  addConvNorm(w, "msfa.ffn.pw_exp", 48, 40, 1);
  addConvNorm(w, "msfa.ffn.pw_proj", 32, 48, 1);
  w["msfa.norm.weight"] = scaleVec(32);
  return w;
}

// ---- independent reference, written from the spec text with plain formulas ----
at::Tensor refNorm(const at::Tensor& x, const at::Tensor& w) {
  return x / at::sqrt((x * x).mean({1}, true) + 1e-6) * w.view({1, -1, 1, 1});
}
at::Tensor refGelu(const at::Tensor& x) {
  return 0.5 * x * (1 + at::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
}
// k x k conv, stride s: stride 1 pads (k-1)/2 on each side, stride 2 pads TF-SAME (floor(total/2) first).
at::Tensor refConv(const at::Tensor& x, const at::Tensor& w, int64_t s, bool depthwise, const at::Tensor& bias = {}) {
  const int64_t k = w.size(2), n = x.size(2);
  int64_t before = (k - 1) / 2, after = (k - 1) / 2;
  if (s == 2) {
    const int64_t total = std::max<int64_t>(((n + 1) / 2 - 1) * 2 + k - n, 0);
    before = total / 2;
    after = total - before;
  }
  const at::Tensor p = at::constant_pad_nd(x, {before, after, before, after});
  return at::conv2d(p, w, bias, at::IntArrayRef{s, s}, at::IntArrayRef{0, 0}, at::IntArrayRef{1, 1},
                    depthwise ? x.size(1) : 1);
}
at::Tensor refCna(const Weights& w, const std::string& p, const at::Tensor& x, int64_t s, bool dw, bool act) {
  at::Tensor y = refNorm(refConv(x, w.at(p + ".conv.weight"), s, dw), w.at(p + ".bn.weight"));
  return act ? refGelu(y) : y;
}
at::Tensor refUir(const Weights& w, const std::string& p, const at::Tensor& x, int64_t s) {
  at::Tensor y = w.count(p + "dw_start.conv.weight") ? refCna(w, p + "dw_start", x, 1, true, false) : x;
  y = refCna(w, p + "pw_exp", y, 1, false, true);
  if (w.count(p + "dw_mid.conv.weight")) y = refCna(w, p + "dw_mid", y, s, true, true);
  y = refCna(w, p + "pw_proj", y, 1, false, false) * w.at(p + "layer_scale.gamma").view({1, -1, 1, 1});
  return y.sizes() == x.sizes() ? y + x : y;
}
at::Tensor refMqa(const Weights& w, const std::string& p, const at::Tensor& x, int64_t heads) {
  const at::Tensor xn = refNorm(x, w.at(p + "norm.weight"));
  const int64_t b = x.size(0), h = x.size(2), wd = x.size(3);
  at::Tensor kin = xn, vin = xn;
  if (w.count(p + "attn.key.down_conv.weight")) {
    kin = refNorm(refConv(xn, w.at(p + "attn.key.down_conv.weight"), 2, true), w.at(p + "attn.key.norm.weight"));
    vin = refNorm(refConv(xn, w.at(p + "attn.value.down_conv.weight"), 2, true), w.at(p + "attn.value.norm.weight"));
  }
  const at::Tensor q = at::conv2d(xn, w.at(p + "attn.query.proj.weight"));
  const at::Tensor k = at::conv2d(kin, w.at(p + "attn.key.proj.weight")).flatten(2);    // [B, dk, M]
  const at::Tensor v = at::conv2d(vin, w.at(p + "attn.value.proj.weight")).flatten(2);  // [B, dv, M]
  const int64_t dk = k.size(1), dv = v.size(1);
  std::vector<at::Tensor> outs;
  for (int64_t hd = 0; hd < heads; ++hd) {
    const at::Tensor qh = q.slice(1, hd * dk, (hd + 1) * dk).flatten(2).transpose(1, 2);  // [B, N, dk]
    const at::Tensor a = at::softmax(at::bmm(qh, k) / std::sqrt(double(dk)), -1);         // [B, N, M]
    outs.push_back(at::bmm(a, v.transpose(1, 2)).transpose(1, 2).reshape({b, dv, h, wd}));
  }
  const at::Tensor o = at::conv2d(at::cat(outs, 1), w.at(p + "attn.output.proj.weight"));
  return x + o * w.at(p + "layer_scale.gamma").view({1, -1, 1, 1});
}
at::Tensor refTower(const Weights& w, const at::Tensor& px) {
  at::Tensor x = refGelu(refNorm(refConv(px, w.at("conv_stem.conv.weight"), 2, false, w.at("conv_stem.conv.bias")),
                                 w.at("conv_stem.bn.weight")));
  // Stage 0: edge residual, stride 2, no residual (spatial change).
  x = refNorm(at::conv2d(refGelu(refNorm(refConv(x, w.at("blocks.0.0.conv_exp.weight"), 2, false),
                                         w.at("blocks.0.0.bn1.weight"))),
                         w.at("blocks.0.0.conv_pwl.weight")),
              w.at("blocks.0.0.bn2.weight"));
  x = refUir(w, "blocks.1.0.", x, 2);
  x = refUir(w, "blocks.1.1.", x, 1);
  x = refUir(w, "blocks.2.0.", x, 2);
  const at::Tensor s2 = refMqa(w, "blocks.2.1.", x, 2);
  x = refUir(w, "blocks.3.0.", s2, 2);
  x = refMqa(w, "blocks.3.1.", x, 3);
  const at::Tensor s3 = refUir(w, "blocks.3.2.", x, 1);
  // MSFA: nearest 2x of stage 3 (repeat each pixel), concat, ffn, pool to 16, norm.
  const at::Tensor up = s3.repeat_interleave(s2.size(2) / s3.size(2), 2).repeat_interleave(s2.size(3) / s3.size(3), 3);
  at::Tensor y = refCna(w, "msfa.ffn.pw_exp", at::cat({s2, up}, 1), 1, false, true);
  y = refCna(w, "msfa.ffn.pw_proj", y, 1, false, false);
  const int64_t f = s2.size(2) / 16;
  if (f > 1) y = at::avg_pool2d(y, {f, f}, {f, f});
  return refNorm(y, w.at("msfa.norm.weight"));
}

}  // namespace

TEST(Gemma3nVisionPrimitives, TfSamePaddingAmounts) {
  EXPECT_EQ(tfSamePadding(768, 3, 2).before, 0);
  EXPECT_EQ(tfSamePadding(768, 3, 2).after, 1);
  EXPECT_EQ(tfSamePadding(96, 5, 2).before, 1);
  EXPECT_EQ(tfSamePadding(96, 5, 2).after, 2);
  EXPECT_EQ(tfSamePadding(5, 3, 2).before, 1);  // odd size: symmetric
  EXPECT_EQ(tfSamePadding(5, 3, 2).after, 1);
  EXPECT_EQ(tfSamePadding(7, 3, 1).before, 1);
  EXPECT_EQ(tfSamePadding(7, 3, 1).after, 1);
}

TEST(Gemma3nVisionPrimitives, StrideTwoConvPicksThePixelsTimmPicks) {
  const at::Tensor x = at::arange(16, at::kFloat).view({1, 1, 4, 4});
  at::Tensor centre = at::zeros({1, 1, 3, 3});
  centre[0][0][1][1] = 1;
  // TF-SAME pads only after (0, 1): the kernel centre lands on odd pixels 5, 7, 13, 15. Symmetric padding would
  // land on 0, 2, 8, 10.
  const at::Tensor a = conv2dSame(x, centre, at::Tensor(), 2, 1);
  EXPECT_TRUE(at::equal(a.flatten(), at::tensor({5.f, 7.f, 13.f, 15.f})));
  at::Tensor corner = at::zeros({1, 1, 3, 3});
  corner[0][0][0][0] = 1;
  const at::Tensor b = conv2dSame(x, corner, at::Tensor(), 2, 1);
  EXPECT_TRUE(at::equal(b.flatten(), at::tensor({0.f, 2.f, 8.f, 10.f})));
  // Depthwise (groups = channels) keeps the channels apart.
  const at::Tensor x2 = at::cat({x, x + 100}, 1);
  const at::Tensor d = conv2dSame(x2, at::cat({centre, corner}, 0), at::Tensor(), 2, 2);
  EXPECT_TRUE(at::equal(d[0][1].flatten(), at::tensor({100.f, 102.f, 108.f, 110.f})));
  // Stride 1 stays symmetric: identity kernel returns the input.
  EXPECT_TRUE(at::equal(conv2dSame(x, centre, at::Tensor(), 1, 1), x));
}

TEST(Gemma3nVisionPrimitives, RmsNorm2dNormalisesEachPixelOverChannels) {
  at::manual_seed(1);
  const at::Tensor x = at::randn({2, 5, 3, 4}) * 3;
  const at::Tensor w = at::rand({5}) + 0.5;
  const at::Tensor y = rmsNorm2d(x, w, 1e-6);
  for (int64_t b : {0, 1})
    for (int64_t i : {0, 2})
      for (int64_t j : {1, 3}) {
        double ms = 0;
        for (int64_t c = 0; c < 5; ++c) ms += std::pow(x[b][c][i][j].item<double>(), 2) / 5;
        for (int64_t c = 0; c < 5; ++c)
          EXPECT_NEAR(y[b][c][i][j].item<double>(),
                      x[b][c][i][j].item<double>() / std::sqrt(ms + 1e-6) * w[c].item<double>(), 1e-5);
      }
  const at::Tensor yb = rmsNorm2d(x.to(at::kBFloat16), w.to(at::kBFloat16), 1e-6);
  EXPECT_EQ(yb.scalar_type(), at::kBFloat16);  // no upcast, like timm
  EXPECT_LT(maxAbsDiff(yb, y), 0.1);
}

// normActScaleAdd against the ops it stands for, in bfloat16 on the test device (LAYOUTLENS_TEST_DEVICE=cuda on
// the GPU machine: the fused kernel, NCHW and channels-last; on the CPU the ops themselves). The kernel sums a
// pixel's squares in another order than ATen's reduction, so a rare pixel's mean square is one bfloat16 unit
// off, and with it that pixel: nearly every value equal, none further than that.
TEST(Gemma3nVisionPrimitives, NormActScaleAddEqualsTheChain) {
  const c10::Device device = ll::testing::testDevice();
  at::manual_seed(21);
  const auto bf16 = at::TensorOptions().dtype(at::kBFloat16).device(device);
  // On CUDA: 64 and 640 channels fused in both layouts; 24 channels on 7 x 9 pixels fused channels-last, the
  // ops NCHW (an odd pixel count); 20 channels on 5 x 5 the ops in both.
  for (auto [c, h, w] : {std::tuple<int64_t, int64_t, int64_t>{64, 24, 24}, {640, 12, 12}, {24, 7, 9}, {20, 5, 5}})
    for (bool channelsLast : {false, true}) {
      auto layout = [&](const at::Tensor& t) {
        return channelsLast ? t.contiguous(at::MemoryFormat::ChannelsLast) : t.contiguous();
      };
      const at::Tensor x = layout((at::randn({3, c, h, w}) * 2).to(bf16));
      const at::Tensor res = layout(at::randn({3, c, h, w}).to(bf16));
      const at::Tensor weight = (at::rand({c}) + 0.5).to(bf16), gamma = (at::rand({c}) * 0.2).to(bf16);
      struct Case { bool normalize, gelu, scale, residual; };
      for (const Case k : {Case{true, false, false, false}, Case{true, true, false, false}, Case{true, false, true, true},
                           Case{false, false, true, true}, Case{false, true, false, true}}) {
        at::Tensor chain = k.normalize ? rmsNorm2d(x, weight, 1e-6) : x;
        if (k.gelu) chain = geluTanh(chain);
        if (k.scale) chain = chain * gamma.view({1, -1, 1, 1});
        if (k.residual) chain = chain + res;
        const at::Tensor got = normActScaleAdd(x, k.normalize, k.normalize ? weight : at::Tensor(), 1e-6, k.gelu,
                                               k.scale ? gamma : at::Tensor(), k.residual ? res : at::Tensor());
        const std::string what = std::to_string(c) + " channels, " + (channelsLast ? "channels-last" : "NCHW") +
                                 (k.normalize ? " norm" : "") + (k.gelu ? " gelu" : "") + (k.scale ? " scale" : "") +
                                 (k.residual ? " residual" : "");
        ASSERT_EQ(got.sizes(), chain.sizes()) << what;
        EXPECT_EQ(got.scalar_type(), at::kBFloat16) << what;
        const at::Tensor a = got.to(at::kFloat), b = chain.to(at::kFloat);
        const int64_t differing = at::ne(a, b).sum().item<int64_t>();
        const double worst = ((a - b).abs() / (b.abs() + 1e-2)).max().item<double>();
        EXPECT_LE(differing, k.normalize ? a.numel() / 200 : 0) << what;  // no reduction: every bit the chain's
        EXPECT_LE(worst, 0.04) << what;
        EXPECT_EQ(got.is_contiguous(at::MemoryFormat::ChannelsLast), chain.is_contiguous(at::MemoryFormat::ChannelsLast)) << what;
      }
    }
}

TEST(Gemma3nVisionPrimitives, MultiQueryAttentionMatchesALoop) {
  at::manual_seed(2);
  const int64_t heads = 3, dk = 4, dv = 5, h = 3, w = 2, hk = 2, wk = 2;
  const at::Tensor q = at::randn({2, heads * dk, h, w}), k = at::randn({2, dk, hk, wk}), v = at::randn({2, dv, hk, wk});
  const at::Tensor out = multiQueryAttention(q, k, v, heads);
  ASSERT_EQ(out.sizes(), at::IntArrayRef({2, heads * dv, h, w}));
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t hd = 0; hd < heads; ++hd)
      for (int64_t n = 0; n < h * w; ++n) {
        std::vector<double> s(hk * wk);
        double mx = -1e30, sum = 0;
        for (int64_t m = 0; m < hk * wk; ++m) {
          double dot = 0;
          for (int64_t i = 0; i < dk; ++i)
            dot += q[b][hd * dk + i][n / w][n % w].item<double>() * k[b][i][m / wk][m % wk].item<double>();
          s[m] = dot / std::sqrt(double(dk));
          mx = std::max(mx, s[m]);
        }
        for (double& e : s) sum += (e = std::exp(e - mx));
        for (int64_t i = 0; i < dv; ++i) {
          double o = 0;
          for (int64_t m = 0; m < hk * wk; ++m) o += s[m] / sum * v[b][i][m / wk][m % wk].item<double>();
          EXPECT_NEAR(out[b][hd * dv + i][n / w][n % w].item<double>(), o, 1e-5);
        }
      }
}

TEST(Gemma3nVisionTower, InfersTheBlockStructureFromNames) {
  const auto enc = MobileNetV5Encoder::fromWeights(tinyTower(), at::kCPU, at::kFloat);
  using T = MobileNetV5Encoder::BlockType;
  const auto& st = enc->stages();
  ASSERT_EQ(st.size(), 4u);
  ASSERT_EQ(st[0].size(), 1u);
  ASSERT_EQ(st[1].size(), 2u);
  ASSERT_EQ(st[2].size(), 2u);
  ASSERT_EQ(st[3].size(), 3u);
  EXPECT_EQ(st[0][0].type, T::EdgeResidual);
  EXPECT_EQ(st[0][0].stride, 2);
  EXPECT_EQ(st[0][0].convExp.kernel(), 3);
  EXPECT_EQ(st[1][0].type, T::UniversalInvertedResidual);
  EXPECT_EQ(st[1][0].dwStart.stride, 1);  // the stride sits on dw_mid when both exist
  EXPECT_EQ(st[1][0].dwMid.stride, 2);
  EXPECT_EQ(st[1][0].dwMid.kernel(), 5);
  EXPECT_FALSE(st[1][0].residual);
  EXPECT_TRUE(st[1][1].residual);
  EXPECT_FALSE(st[1][1].dwStart.defined());
  EXPECT_EQ(st[2][1].type, T::MobileAttention);
  EXPECT_EQ(st[2][1].heads, 2);
  EXPECT_EQ(st[2][1].keyDown.stride, 2);
  EXPECT_TRUE(st[2][1].residual);
  EXPECT_EQ(st[3][1].heads, 3);
  EXPECT_FALSE(st[3][1].keyDown.defined());
  EXPECT_EQ(enc->outChannels(), 32);
  EXPECT_NE(enc->describe().find("MQA(h2,kv/2)"), std::string::npos) << enc->describe();
}

TEST(Gemma3nVisionTower, ForwardMatchesTheSpecReimplementation) {
  const Weights w = tinyTower();
  const auto enc = MobileNetV5Encoder::fromWeights(w, at::kCPU, at::kFloat);
  at::manual_seed(11);
  const at::Tensor px = at::rand({1, 3, 256, 256});
  std::map<std::string, at::Tensor> debug;
  const at::Tensor out = enc->forward(px, &debug);
  ASSERT_EQ(out.sizes(), at::IntArrayRef({1, 32, 16, 16}));
  EXPECT_EQ(debug.at("stem").sizes(), at::IntArrayRef({1, 8, 128, 128}));
  EXPECT_EQ(debug.at("stage0").sizes(), at::IntArrayRef({1, 8, 64, 64}));
  EXPECT_EQ(debug.at("stage1").sizes(), at::IntArrayRef({1, 12, 32, 32}));
  EXPECT_EQ(debug.at("stage2").sizes(), at::IntArrayRef({1, 16, 16, 16}));
  EXPECT_EQ(debug.at("stage3").sizes(), at::IntArrayRef({1, 24, 8, 8}));
  EXPECT_EQ(debug.at("msfa").scalar_type(), at::kFloat);
  const at::Tensor ref = refTower(w, px);
  // Relative to the output's size: oneDNN picks its float32 convolution algorithms by host, and ~30 layers
  // deep one GPU host's CPU gave 1.4e-3 at an absmax of 4.1 where this machine gives < 1e-4. A wrong op (eps,
  // activation, a lost residual) is off by far more than 5e-4 of the absmax.
  const double absmax = ref.abs().max().item<double>();
  EXPECT_LT(maxAbsDiff(out, ref), 5e-4 * std::max(1.0, absmax)) << "absmax " << absmax;
  EXPECT_TRUE(at::equal(debug.at("msfa"), out));
}

TEST(Gemma3nVisionTower, BatchOfTwoEqualsTwoSingles) {
  const auto enc = MobileNetV5Encoder::fromWeights(tinyTower(), at::kCPU, at::kFloat);
  at::manual_seed(12);
  const at::Tensor px = at::rand({2, 3, 256, 256});
  const at::Tensor both = enc->forward(px);
  EXPECT_LT(maxAbsDiff(both[0], enc->forward(px.slice(0, 0, 1))[0]), 1e-5);
  EXPECT_LT(maxAbsDiff(both[1], enc->forward(px.slice(0, 1, 2))[0]), 1e-5);
  EXPECT_GT(maxAbsDiff(both[0], both[1]), 1e-3);
}

TEST(Gemma3nVisionTower, LargerInputsStillGiveSixteenBySixteen) {
  const Weights w = tinyTower();
  const auto enc = MobileNetV5Encoder::fromWeights(w, at::kCPU, at::kFloat);
  at::manual_seed(13);
  const at::Tensor px = at::rand({1, 3, 512, 512});  // stage 2 is 32x32: average pool 2
  const at::Tensor out = enc->forward(px);
  ASSERT_EQ(out.sizes(), at::IntArrayRef({1, 32, 16, 16}));
  EXPECT_LT(maxAbsDiff(out, refTower(w, px)), 1e-4);
  // 384: stage 2 is 24x24, not a multiple of 16 -> bilinear resize instead of pooling.
  EXPECT_EQ(enc->forward(at::rand({1, 3, 384, 384})).sizes(), at::IntArrayRef({1, 32, 16, 16}));
}

TEST(Gemma3nVisionTower, BFloat16RunsInBFloat16AndStaysClose) {
  const Weights w = tinyTower();
  const auto f32 = MobileNetV5Encoder::fromWeights(w, at::kCPU, at::kFloat);
  const auto bf16 = MobileNetV5Encoder::fromWeights(w, at::kCPU, at::kBFloat16);
  at::manual_seed(14);
  const at::Tensor px = at::rand({1, 3, 256, 256});
  const at::Tensor a = f32->forward(px), b = bf16->forward(px);
  EXPECT_EQ(b.scalar_type(), at::kBFloat16);
  const double cos = at::cosine_similarity(a.flatten(), b.to(at::kFloat).flatten(), 0).item<double>();
  EXPECT_GT(cos, 0.99);
}

// The tower in bfloat16 on the test device (the fused norm kernel on CUDA), NCHW and channels-last, against
// float32 on the CPU.
TEST(Gemma3nVisionTower, BFloat16OnTheTestDeviceStaysCloseInEitherLayout) {
  const Weights w = tinyTower();
  const auto f32 = MobileNetV5Encoder::fromWeights(w, at::kCPU, at::kFloat);
  at::manual_seed(15);
  const at::Tensor px = at::rand({2, 3, 256, 256});
  const at::Tensor a = f32->forward(px);
  const c10::Device device = ll::testing::testDevice();
  for (bool channelsLast : {false, true}) {
    const auto bf16 = MobileNetV5Encoder::fromWeights(w, device, at::kBFloat16, 1e-6, channelsLast);
    const at::Tensor b = bf16->forward(px.to(device)).to(at::kCPU, at::kFloat);
    const double cos = at::cosine_similarity(a.flatten(), b.flatten(), 0).item<double>();
    EXPECT_GT(cos, 0.99) << (channelsLast ? "channels-last" : "NCHW");
  }
}

TEST(Gemma3nVisionTower, StructureErrorsNameTheTensor) {
  {
    Weights w = tinyTower();
    w.erase("blocks.1.0.pw_exp.bn.weight");
    EXPECT_NE(messageOf([&] { MobileNetV5Encoder::fromWeights(w, at::kCPU, at::kFloat); })
                  .find("'blocks.1.0.pw_exp.bn.weight'"),
              std::string::npos);
  }
  {
    Weights w = tinyTower();
    w.erase("blocks.2.1.attn.value.down_conv.weight");
    EXPECT_NE(messageOf([&] { MobileNetV5Encoder::fromWeights(w, at::kCPU, at::kFloat); })
                  .find("blocks.2.1.attn.value.down_conv.weight"),
              std::string::npos);
  }
  {
    Weights w = tinyTower();
    w.erase("msfa.norm.weight");
    EXPECT_NE(messageOf([&] { MobileNetV5Encoder::fromWeights(w, at::kCPU, at::kFloat); }).find("msfa.norm.weight"),
              std::string::npos);
  }
  {
    Weights w = tinyTower();
    w["blocks.1.1.pw_proj.conv.weight"] = conv(12, 20, 1);  // wrong input channels
    EXPECT_NE(messageOf([&] { MobileNetV5Encoder::fromWeights(w, at::kCPU, at::kFloat); })
                  .find("blocks.1.1.pw_proj.conv.weight"),
              std::string::npos);
  }
  {
    Weights w = tinyTower();
    w["blocks.1.1.se.conv_reduce.weight"] = conv(4, 12, 1);  // a layout this port does not know
    EXPECT_NE(messageOf([&] { MobileNetV5Encoder::fromWeights(w, at::kCPU, at::kFloat); })
                  .find("blocks.1.1.se.conv_reduce.weight"),
              std::string::npos);
  }
  {
    // Checkpoint names with the prefix are accepted; other model parts are ignored.
    Weights w;
    for (auto& [k, v] : tinyTower()) w[std::string(MobileNetV5Encoder::kCheckpointPrefix) + k] = v;
    w["model.embed_vision.embedding.weight"] = at::zeros({4, 4});
    EXPECT_NO_THROW(MobileNetV5Encoder::fromWeights(w, at::kCPU, at::kFloat));
  }
  const auto enc = MobileNetV5Encoder::fromWeights(tinyTower(), at::kCPU, at::kFloat);
  EXPECT_NE(messageOf([&] { enc->forward(at::rand({1, 4, 256, 256})); }).find("pixels must be [B, 3, H, W]"),
            std::string::npos);
}
