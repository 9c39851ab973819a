#pragma once
// Declarations of the generated Unicode normalisation tables (unicode_nfc_tables.cpp); only unicode_nfc.cpp
// reads them.
#include <cstddef>
#include <cstdint>

namespace ll::infer::nfc_tables {

// Canonical combining class: kCccStage2[kCccStage1[cp >> 8] * 256 + (cp & 0xFF)].
extern const uint8_t kCccStage1[4352];
extern const uint8_t kCccStage2[];
// Bit set of code points that fail the NFC quick check (NFC_QC No/Maybe, or a non-zero combining class):
// bit (cp & 7) of kUnstableStage2[kUnstableStage1[cp >> 8] * 32 + ((cp & 0xFF) >> 3)].
extern const uint8_t kUnstableStage1[4352];
extern const uint8_t kUnstableStage2[];
// Full (recursive) canonical decompositions, Hangul excluded (algorithmic): sorted code points, and for the
// i-th one the slice kDecompositionData[kDecompositionOffsets[i] .. kDecompositionOffsets[i + 1]).
extern const size_t kDecompositionCount;
extern const uint32_t kDecompositionCodePoints[];
extern const uint16_t kDecompositionOffsets[];
extern const uint32_t kDecompositionData[];
// Primary composites: sorted keys (first << 21 | second) and the composed code point.
extern const size_t kCompositionCount;
extern const uint64_t kCompositionKeys[];
extern const uint32_t kCompositionValues[];

}  // namespace ll::infer::nfc_tables
