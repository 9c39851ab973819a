// A SAX handler that builds the DOM like nlohmann's own json_sax_dom_parser, except while it is inside
// /model/vocab or /model/merges, where it fills StreamedModelTables instead.
#include "core/infer/tokenizer/tokenizer_json_reader.h"

#include <stdexcept>

namespace ll::infer {

namespace {

using json = nlohmann::json;

class TokenizerJsonHandler : public nlohmann::json_sax<json> {
 public:
  explicit TokenizerJsonHandler(StreamedModelTables& tables) : tables_(tables) {}

  json root;
  std::string error;

  bool null() override { return value(nullptr); }
  bool boolean(bool v) override { return value(v); }
  bool number_integer(number_integer_t v) override {
    if (mode_ == Mode::Vocab) return vocabId(v);
    return value(v);
  }
  bool number_unsigned(number_unsigned_t v) override {
    if (mode_ == Mode::Vocab) return vocabId(static_cast<number_integer_t>(v));
    return value(v);
  }
  bool number_float(number_float_t v, const string_t&) override { return value(v); }
  bool string(string_t& v) override {
    if (mode_ == Mode::Merges) {  // the older "left right" form
      const size_t space = v.find(' ', 1);
      if (space == std::string::npos) return bad("merge \"" + v + "\" is not two tokens separated by a space");
      tables_.merges.emplace_back(v.substr(0, space), v.substr(space + 1));
      return true;
    }
    if (mode_ == Mode::MergePair) {
      pair_.push_back(std::move(v));
      return pair_.size() <= 2 || bad("a merge has more than two tokens");
    }
    if (mode_ == Mode::Vocab) return bad("model.vocab maps \"" + vocabKey_ + "\" to a string, not an id");
    return value(std::move(v));
  }
  bool binary(binary_t&) override { return bad("unexpected binary value"); }

  bool start_object(std::size_t) override {
    ++depth_;
    if (mode_ != Mode::Dom) return bad("model.vocab/merges entries must be plain ids or token pairs");
    if (atModelMember("vocab")) {
      mode_ = Mode::Vocab;
      tables_.haveVocab = true;
      return true;
    }
    stack_.push_back(value(json::value_t::object) ? last_ : nullptr);
    return stack_.back() != nullptr;
  }
  bool key(string_t& k) override {
    if (keys_.size() <= depth_) keys_.resize(depth_ + 1);
    if (mode_ == Mode::Vocab) {
      vocabKey_ = std::move(k);
      return true;
    }
    keys_[depth_] = k;
    object_element_ = &(*stack_.back())[k];
    return true;
  }
  bool end_object() override {
    --depth_;
    if (mode_ == Mode::Vocab) {
      mode_ = Mode::Dom;
      return true;
    }
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    ++depth_;
    if (mode_ == Mode::Merges) {
      mode_ = Mode::MergePair;
      pair_.clear();
      return true;
    }
    if (mode_ != Mode::Dom) return bad("model.vocab/merges entries must be plain ids or token pairs");
    if (atModelMember("merges")) {
      mode_ = Mode::Merges;
      tables_.haveMerges = true;
      return true;
    }
    stack_.push_back(value(json::value_t::array) ? last_ : nullptr);
    return stack_.back() != nullptr;
  }
  bool end_array() override {
    --depth_;
    if (mode_ == Mode::MergePair) {
      if (pair_.size() != 2) return bad("a merge is not a pair of tokens");
      tables_.merges.emplace_back(std::move(pair_[0]), std::move(pair_[1]));
      mode_ = Mode::Merges;
      return true;
    }
    if (mode_ == Mode::Merges) {
      mode_ = Mode::Dom;
      return true;
    }
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    if (error.empty()) error = std::string("is not valid JSON: ") + e.what();
    return false;
  }

 private:
  enum class Mode { Dom, Vocab, Merges, MergePair };

  // The container being opened (depth_ already counts it) is /model/<name>.
  bool atModelMember(const char* name) const {
    return depth_ == 3 && keys_.size() > 2 && keys_[1] == "model" && keys_[2] == name;
  }
  bool bad(const std::string& message) {
    if (error.empty()) error = message;
    return false;
  }
  bool vocabId(number_integer_t v) {
    if (v < 0 || v > INT32_MAX) return bad("model.vocab id of \"" + vocabKey_ + "\" is out of range");
    tables_.vocab.emplace(std::move(vocabKey_), static_cast<int32_t>(v));
    return true;
  }
  template <typename V>
  bool value(V&& v) {
    if (stack_.empty()) {
      root = json(std::forward<V>(v));
      last_ = &root;
    } else if (stack_.back()->is_array()) {
      stack_.back()->emplace_back(std::forward<V>(v));
      last_ = &stack_.back()->back();
    } else {
      *object_element_ = json(std::forward<V>(v));
      last_ = object_element_;
    }
    return true;
  }

  StreamedModelTables& tables_;
  Mode mode_ = Mode::Dom;
  size_t depth_ = 0;
  std::vector<std::string> keys_;  // the key most recently seen at each depth
  std::vector<json*> stack_;
  json* object_element_ = nullptr;
  json* last_ = nullptr;
  std::string vocabKey_;
  std::vector<std::string> pair_;
};

}  // namespace

nlohmann::json readTokenizerJson(const std::string& text, StreamedModelTables& tables) {
  TokenizerJsonHandler handler(tables);
  tables.vocab.reserve(text.size() / 40);
  if (!json::sax_parse(text, &handler) || !handler.error.empty()) {
    throw std::runtime_error(handler.error.empty() ? std::string("is not valid JSON") : handler.error);
  }
  return std::move(handler.root);
}

}  // namespace ll::infer
