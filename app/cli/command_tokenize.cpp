// `layoutlens-cli tokenize`: encodes text to ids or decodes ids to text with a Hugging Face tokenizer.json,
// so prompts and model output can be inspected (and compared with other tools) without loading a model.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "core/infer/tokenizer/tokenizer.h"

namespace {

using namespace ll::cli;
namespace fs = std::filesystem;

const char* kTokenizeHelp =
    "usage: layoutlens-cli tokenize --tokenizer PATH (--text T | --file F) [--decode] [--no-special]\n"
    "                               [--special TOKEN=ID ...]\n"
    "\n"
    "Encodes UTF-8 text and prints the ids as a JSON array, or with --decode reads a JSON array of ids and\n"
    "prints the text.\n"
    "\n"
    "options:\n"
    "  --tokenizer PATH   a tokenizer.json, or a model folder holding one (its tokenizer_config.json is\n"
    "                     read too when present)\n"
    "  --text T           the input text (or, with --decode, the JSON array of ids)\n"
    "  --file F           read the input from file F instead ('-' reads standard input)\n"
    "  --decode           decode ids to text instead of encoding\n"
    "  --no-special       encoding: do not add the tokenizer's special tokens (e.g. Gemma's <bos>);\n"
    "                     decoding: leave special tokens out of the text\n"
    "  --special TOKEN=ID add a special token with a fixed id (repeatable), e.g. dots.ocr's\n"
    "                     --special '<|imgpad|>=151665' on top of a Qwen tokenizer.json\n"
    "  -h, --help         show this help\n"
    "\n"
    "exit codes: 0 ok, 2 bad arguments, 3 unreadable input or ids that are not a JSON array of integers,\n"
    "            6 tokenizer file missing or not a supported tokenizer.json\n";

bool readAll(std::istream& in, std::string& out) {
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return !in.bad();
}

int runTokenize(const std::vector<std::string>& args) {
  std::string tokenizerPath, text, file;
  bool haveText = false, decode = false, noSpecial = false;
  std::vector<std::pair<std::string, int32_t>> specials;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const auto value = [&]() -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
    if (a == "-h" || a == "--help") {
      std::cout << kTokenizeHelp;
      return kExitOk;
    } else if (a == "--tokenizer" || a == "--text" || a == "--file" || a == "--special") {
      const std::string* v = value();
      if (!v) return fail(kExitUsage, "tokenize: " + a + " needs a value; see `layoutlens-cli tokenize --help`");
      if (a == "--tokenizer") tokenizerPath = *v;
      if (a == "--text") text = *v, haveText = true;
      if (a == "--file") file = *v;
      if (a == "--special") {
        const size_t eq = v->rfind('=');
        int32_t id = -1;
        try {
          size_t used = 0;
          if (eq != std::string::npos && eq > 0) id = std::stoi(v->substr(eq + 1), &used);
          if (used != v->size() - eq - 1) id = -1;
        } catch (const std::exception&) {
          id = -1;
        }
        if (id < 0) return fail(kExitUsage, "tokenize: --special wants TOKEN=ID with a non-negative id, got '" + *v + "'");
        specials.emplace_back(v->substr(0, eq), id);
      }
    } else if (a == "--decode") {
      decode = true;
    } else if (a == "--no-special") {
      noSpecial = true;
    } else {
      return fail(kExitUsage, "tokenize: unknown option '" + a + "'; see `layoutlens-cli tokenize --help`");
    }
  }
  if (tokenizerPath.empty()) return fail(kExitUsage, "tokenize: --tokenizer PATH is required");
  if (haveText == !file.empty()) return fail(kExitUsage, "tokenize: give exactly one of --text and --file");

  if (!file.empty()) {
    bool ok;
    if (file == "-") {
      ok = readAll(std::cin, text);
    } else {
      std::ifstream in(file, std::ios::binary);
      ok = in && readAll(in, text);
    }
    if (!ok) return fail(kExitInputError, "tokenize: cannot read '" + file + "'; check the path and permissions");
  }

  std::string jsonPath = tokenizerPath, configPath;
  std::error_code ec;
  if (fs::is_directory(tokenizerPath, ec)) jsonPath = (fs::path(tokenizerPath) / "tokenizer.json").string();
  if (!fs::is_regular_file(jsonPath, ec)) {
    return fail(kExitModelError, "tokenize: no tokenizer.json at '" + jsonPath + "'; pass the file or its model folder");
  }
  const fs::path sibling = fs::path(jsonPath).parent_path() / "tokenizer_config.json";
  if (fs::is_regular_file(sibling, ec)) configPath = sibling.string();

  std::optional<ll::infer::Tokenizer> tokenizer;
  try {
    tokenizer.emplace(ll::infer::Tokenizer::fromFile(jsonPath, configPath));
    if (!specials.empty()) tokenizer->addSpecialTokens(specials);
  } catch (const std::exception& e) {
    return fail(kExitModelError, std::string("tokenize: ") + e.what());
  }

  if (!decode) {
    std::cout << nlohmann::json(tokenizer->encode(text, !noSpecial)).dump() << std::endl;
    return kExitOk;
  }
  std::vector<int32_t> ids;
  try {
    const nlohmann::json parsed = nlohmann::json::parse(text);
    if (!parsed.is_array()) throw std::runtime_error("not an array");
    for (const auto& v : parsed) {
      if (!v.is_number_integer()) throw std::runtime_error("not an integer");
      ids.push_back(v.get<int32_t>());
    }
  } catch (const std::exception&) {
    return fail(kExitInputError, "tokenize: --decode expects a JSON array of integer ids, e.g. [9707, 11]");
  }
  std::cout << tokenizer->decode(ids, noSpecial) << std::endl;
  return kExitOk;
}

}  // namespace

LL_REGISTER_COMMAND("tokenize", "encode text to token ids or decode ids with a tokenizer.json", runTokenize);
