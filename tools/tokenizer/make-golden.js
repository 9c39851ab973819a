#!/usr/bin/env node
// Writes tests/fixtures/tokenizer/golden.json: the ids (and decoded text) that Hugging Face's own tokenizers
// library gives for a fixed set of awkward strings, for the Qwen3 (Qwen2 BPE, dots.ocr's base), the dots.ocr
// (Qwen + its special tokens) and the Gemma 3 tokenizer.json files. The C++ golden test compares against it.
//   npm install --prefix build-tok/node tokenizers@0.23.2
//   bash tools/fetch-tokenizers.sh build-tok/tokenizers
//   NODE_PATH=build-tok/node/node_modules node tools/tokenizer/make-golden.js build-tok/tokenizers \
//       > tests/fixtures/tokenizer/golden.json
// With `--random N [SEED]` it appends N random strings (mixed scripts, marks, spaces, digits, specials) for a
// wider, uncommitted check: write that to build-tok/golden-random.json and run the golden test with
// LAYOUTLENS_TOKENIZER_GOLDEN pointing at it.
// Invalid UTF-8 cannot be passed to HF (its bindings take strings), so those cases give the raw bytes in hex
// and HF is run on the WHATWG-decoded string (one U+FFFD per maximal invalid subsequence), which is what
// our encoder does to invalid input.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Tokenizer } = require('tokenizers');

const dir = process.argv[2];
const randomIndex = process.argv.indexOf('--random');
const randomCount = randomIndex > 0 ? parseInt(process.argv[randomIndex + 1], 10) : 0;
let seed = randomIndex > 0 && process.argv[randomIndex + 2] ? parseInt(process.argv[randomIndex + 2], 10) : 1;
if (!dir) throw new Error('usage: make-golden.js TOKENIZER_DIR (with qwen3/ and gemma3/ from fetch-tokenizers.sh)');

// dots.ocr's special tokens (specs/dots-ocr.md §5.1); they take the ids Qwen3 uses for its tool/think tokens.
const dotsSpecialTokens = [
  ['<|imgpad|>', 151665], ['<|img|>', 151666], ['<|endofimg|>', 151667], ['<|systemprompt|>', 151668],
  ['<|endofsystemprompt|>', 151669], ['<|user|>', 151670], ['<|endofuser|>', 151671],
  ['<|assistant|>', 151672], ['<|endofassistant|>', 151673],
];

const promptLayoutAllEn = `Please output the layout information from the PDF image, including each layout element's bbox, its category, and the corresponding text content within the bbox.

1. Bbox format: [x1, y1, x2, y2]

2. Layout Categories: The possible categories are ['Caption', 'Footnote', 'Formula', 'List-item', 'Page-footer', 'Page-header', 'Picture', 'Section-header', 'Table', 'Text', 'Title'].

3. Text Extraction & Formatting Rules:
    - Picture: For the 'Picture' category, the text field should be omitted.
    - Formula: Format its text as LaTeX.
    - Table: Format its text as HTML.
    - All Others (Text, Title, etc.): Format their text as Markdown.

4. Constraints:
    - The output text must be the original text from the image, with no translation.
    - All layout elements must be sorted according to human reading order.

5. Final Output: The entire output must be a single JSON object.
`;

const cases = [
  ['ascii', 'Hello, world! This is a test.'],
  ['empty', ''],
  ['single_space', ' '],
  ['contractions', "I'm sure you'll see it's they've we'd I'LL DON'T 'S 'ſ"],
  ['numbers', 'Order 12345 costs $1,234.56 (3.14159e-10) on 2024-11-26; ٣٤٥ and ४२.'],
  ['cjk', '工程图纸的审查：尺寸公差±0.05mm，材料为Q235B。日本語のテキストも。한국어 텍스트.'],
  ['emoji', 'Done ✅ 👍🏽 👨‍👩‍👧‍👦 🇩🇪 — check ☑ and 🧪!'],
  ['code', 'def f(x):\n    return {"a": [1, 2, 3], \'b\': x ** 2}  # comment\n\tif x != None: pass\n'],
  ['latex', '$$\\int_0^\\infty e^{-x^2}\\,dx = \\frac{\\sqrt{\\pi}}{2}, \\quad \\mathbf{F} = m\\ddot{\\mathbf{x}}$$'],
  ['html_table', '<table><tr><td>M12</td><td></td><td></td><td></td><td></td><td></td><td></td><td>8.8</td></tr>' +
                 '<tr><td rowspan="2">Ø 25 H7</td>' + '<td></td>'.repeat(24) + '</tr></table>'],
  ['whitespace_runs', 'a' + ' '.repeat(40) + 'b\t\t\tc' + ' '.repeat(7) + '\n' + ' '.repeat(3) + 'd   '],
  ['newlines_crlf', 'line one\r\nline two\r\n\r\n\nline three\n\n\n\nend\r'],
  ['unicode_spaces', 'a\u00a0b\u3000c\u2028d\u0085e\u2009f\u200bg\u1680h\u202fi'],
  ['arabic', 'مرحبا بالعالم، هذا نص عربي مع أرقام ١٢٣ وتشكيل: كَتَبَ'],
  ['hindi', 'नमस्ते दुनिया, यह हिंदी पाठ है। क़ ज़ फ़'],
  ['nfc', 'cafe\u0301 Å \u212b \u1100\u1161\u11a8 e\u0323\u0302 \u0958 ﬁ'],
  ['rare_chars', '\u{20000}\u{2A6D6} \u{10FFFD} \u{E0041} \u{1D11E} \u0378x'],
  ['gemma_markers', 'literal ▁ and ▁▁ and <0x41> and <unused5> and [multimodal] and <mask>'],
  ['special_tokens_qwen', '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<|vision_start|><|image_pad|><|vision_end|><|endoftext|>'],
  ['special_tokens_gemma', '<start_of_turn>user\n<start_of_image><image_soft_token><end_of_image>Describe.<end_of_turn>\n<start_of_turn>model\n'],
  ['special_tokens_adjacent', '<|im_end|><|im_end|>x<eos><bos><|notatoken|> <|im_start|>'],
  ['dots_prompt', '<|user|><|img|>' + '<|imgpad|>'.repeat(6) + '<|endofimg|>' + promptLayoutAllEn + '<|endofuser|><|assistant|>'],
  ['dots_output', '[{"bbox": [163, 241, 1536, 705], "category": "Picture"}, {"bbox": [88, 80, 512, 120], "category": "Title", "text": "# Hydraulic Pump Assembly"}]<|endofassistant|>'],
  ['long_word', 'Pneumonoultramicroscopicsilicovolcanoconiosis ' + 'x'.repeat(300) + ' aGVsbG8gd29ybGQgdGhpcyBpcyBiYXNlNjQ='],
  ['invalid_utf8_mixed', null, '48656c6c6fe228a120776f726c64'],
  ['invalid_utf8_lone_bytes', null, 'fffe41c0af80'],
  ['invalid_utf8_truncated', null, '61e282'],
  ['invalid_utf8_surrogate', null, 'eda080eda0bdedb8806f6b'],
  ['invalid_utf8_above_max', null, 'f4908080f0908080'],
];

// Deterministic pseudo-random strings built from pieces that stress the pre-tokenizer, NFC, byte fallback and
// added-token matching.
function random() { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; }
const alphabet = ['a', 'Z', 'é', 'e\u0301', 'ß', 'ſ', "'s", "'T", "'ll", ' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u3000',
  '\u0085', '\u2028', '0', '42', '٣', '工', '程', 'カ', '한', '\u1100\u1161', 'ا', 'ب', '\u064e', 'न', '\u094d', '\u093f',
  '😀', '👍🏽', '\u200d', '🇩🇪', '\u{20000}', '\u{10FFFD}', '\ufffd', '.', ',', '<', '>', '</td>', '<td>', '{', '"', '\\', '$',
  '▁', '<|im_end|>', '<|imgpad|>', '<bos>', '<start_of_turn>', '\n\n\n', '<unused3>', '<0x41>', '-', '_', '#'];
function randomString() {
  const n = 1 + Math.floor(random() * 40);
  let s = '';
  for (let i = 0; i < n; ++i) s += alphabet[Math.floor(random() * alphabet.length)];
  return s;
}
for (let i = 0; i < randomCount; ++i) cases.push([`random_${i}`, randomString()]);

function loadDots(qwenJsonPath) {
  const json = JSON.parse(fs.readFileSync(qwenJsonPath, 'utf8'));
  const ids = new Set(dotsSpecialTokens.map(([, id]) => id));
  json.added_tokens = json.added_tokens.filter((t) => !ids.has(t.id));
  for (const [content, id] of dotsSpecialTokens) {
    json.added_tokens.push({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  }
  const tmp = path.join(os.tmpdir(), `dots-tokenizer-${process.pid}.json`);
  fs.writeFileSync(tmp, JSON.stringify(json));
  const tok = Tokenizer.fromFile(tmp);
  fs.unlinkSync(tmp);
  return tok;
}

async function main() {
  const tokenizers = {
    qwen3: Tokenizer.fromFile(path.join(dir, 'qwen3/tokenizer.json')),
    dots: loadDots(path.join(dir, 'qwen3/tokenizer.json')),
    gemma3: Tokenizer.fromFile(path.join(dir, 'gemma3/tokenizer.json')),
  };
  const prefixes = {};
  const out = { generator: 'tools/tokenizer/make-golden.js', reference: 'npm tokenizers@0.23.2',
                dots_special_tokens: dotsSpecialTokens, prefix: prefixes, cases: [] };
  for (const [name, text, hex] of cases) {
    const input = hex ? new TextDecoder('utf-8').decode(Buffer.from(hex, 'hex')) : text;
    const entry = hex ? { name, hex } : { name, text };
    for (const [key, tok] of Object.entries(tokenizers)) {
      const plain = (await tok.encode(input, null, { addSpecialTokens: false })).getIds();
      const full = (await tok.encode(input, null, { addSpecialTokens: true })).getIds();
      const prefix = full.slice(0, full.length - plain.length);
      if (JSON.stringify(full.slice(prefix.length)) !== JSON.stringify(plain)) throw new Error(`${key}/${name}: special tokens are not a prefix`);
      if (prefixes[key] === undefined) prefixes[key] = prefix;
      if (JSON.stringify(prefixes[key]) !== JSON.stringify(prefix)) throw new Error(`${key}/${name}: prefix differs`);
      const result = { ids: plain };
      const decoded = await tok.decode(plain, false);
      const decodedSkip = await tok.decode(plain, true);
      if (decoded !== input) result.decoded = decoded;
      if (decodedSkip !== decoded) result.decoded_skip = decodedSkip;
      if (key === 'dots' && JSON.stringify(result) === JSON.stringify(entry.qwen3)) continue;  // same as Qwen
      entry[key] = result;
    }
    out.cases.push(entry);
  }
  // One case per line keeps the file small and its diffs readable.
  const lines = out.cases.map((c) => '    ' + JSON.stringify(c));
  const head = { ...out };
  delete head.cases;
  process.stdout.write(JSON.stringify(head, null, 2).replace(/\n}$/, ',\n  "cases": [\n') + lines.join(',\n') + '\n  ]\n}\n');
}
main().catch((e) => { console.error('make-golden: ' + e.message); process.exit(1); });
