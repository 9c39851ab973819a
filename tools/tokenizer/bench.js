#!/usr/bin/env node
// The Hugging Face side of tools/tokenizer/bench.sh: the same measurements as tokenizer-bench
// (bench_tokenizer.cpp) with npm `tokenizers` (HF's Rust library), printed as one JSON line.
//   usage: NODE_PATH=.../node_modules node bench.js TOKENIZER_JSON TEXT_FILE [REPEATS]
'use strict';
const fs = require('fs');
const { Tokenizer } = require('tokenizers');

async function main() {
  const [tokPath, textPath, repeatsArg] = process.argv.slice(2);
  const repeats = Math.max(1, parseInt(repeatsArg || '3', 10));
  const text = fs.readFileSync(textPath, 'utf8');
  const bytes = Buffer.byteLength(text, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const lineInputs = lines.map((l) => l + '\n');
  const now = () => Number(process.hrtime.bigint()) / 1e9;

  // Process CPU time (all threads): steadier than wall time on a shared machine.
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  let t0 = now();
  let c0 = cpu();
  const tok = Tokenizer.fromFile(tokPath);
  const load = now() - t0;
  const loadCpu = cpu() - c0;
  const opts = { addSpecialTokens: false };
  t0 = now();
  c0 = cpu();
  let ids = (await tok.encode(text, null, opts)).getIds();
  const cold = now() - t0;
  const coldCpu = cpu() - c0;
  let whole = cold, wholeCpu = Infinity, linesBest = Infinity, decodeBest = Infinity, lineTokens = 0;
  for (let r = 0; r < repeats; ++r) {
    t0 = now();
    c0 = cpu();
    ids = (await tok.encode(text, null, opts)).getIds();
    whole = Math.min(whole, now() - t0);
    wholeCpu = Math.min(wholeCpu, cpu() - c0);
    t0 = now();
    lineTokens = 0;
    for (const l of lineInputs) lineTokens += (await tok.encode(l, null, opts)).getLength();
    linesBest = Math.min(linesBest, now() - t0);
    t0 = now();
    await tok.decode(ids, false);
    decodeBest = Math.min(decodeBest, now() - t0);
  }
  const mb = bytes / 1e6;
  console.log(JSON.stringify({ impl: 'hf-tokenizers', bytes, tokens: ids.length, line_tokens: lineTokens, load_s: load, load_cpu_s: loadCpu,
    encode_cold_cpu_mb_s: mb / coldCpu, encode_cpu_mb_s: mb / wholeCpu,
    encode_cold_mb_s: mb / cold, encode_mb_s: mb / whole, encode_lines_mb_s: mb / linesBest, decode_mb_s: mb / decodeBest }));
}
main().catch((e) => { console.error('bench.js: ' + e.message); process.exit(1); });
