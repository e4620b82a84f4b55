// Documents for the summarize workload: a text file, a PDF, or a built-in corpus, cut to
// an exact number of tokens by the server's own tokenizer when it has one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hakari::load {

// Token ids of a text and back, as a server's tokenizer does it (llama.cpp and vLLM
// /tokenize and /detokenize); implemented elsewhere over HTTP. tokenize() adds no special
// tokens (no BOS), so a count is the text's own. nullopt: the server could not answer.
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual std::optional<std::vector<std::int64_t>> tokenize(std::string_view text) = 0;
  virtual std::optional<std::string> detokenize(const std::vector<std::int64_t>& ids) = 0;
  virtual std::string name() const = 0;  // "llama.cpp /tokenize"
};

struct Document {
  std::string text;
  std::int64_t tokens = 0;  // exact when method names a tokenizer, else an estimate
  std::string source;       // "report.pdf", "built-in corpus (en: wikitext-2)"
  std::string method;       // "llama.cpp /tokenize" or "estimate (~4 characters a token)"
};

// Text documents are capped well below the 2 GiB of any file: a prompt never needs more.
inline constexpr std::uint64_t kMaxTextDocumentBytes = std::uint64_t{256} << 20;

// The text of a document. A ".pdf" (or any file starting "%PDF-") is read through
// poppler-cpp, every page in reading order, pages apart by a blank line; anything else is
// UTF-8 text (a byte order mark is dropped; invalid UTF-8 is refused with its byte
// offset). Throws LoadError naming the path.
std::string read_document(const std::string& path);

// The built-in corpus, read by path from the shared datasets folder (never copied into
// the repository): "en" is wikitext-2-raw/wiki.test.raw with its tokenization undone
// ("guest @-@ starring" -> "guest-starring"); "ja" is the unique JSQuAD contexts of
// jglue-jsquad/valid-v1.3.json, each without its "title [SEP]" prefix, apart by blank
// lines. Throws LoadError naming the missing file.
std::string builtin_corpus(std::string_view lang, const std::string& datasets_dir);
// "built-in corpus (en: wikitext-2)", "built-in corpus (ja: JSQuAD contexts)"
std::string builtin_corpus_source(std::string_view lang);

// Exactly `tokens` tokens of `text` by the tokenizer: tokenize (the text repeated, apart
// by blank lines, when it is too short), keep the first N ids, detokenize, and check by
// tokenizing the result again (a cut inside a character can round-trip to one token more
// or less; the nearest cut that gives N is taken, else the count it gives is recorded).
// Without a tokenizer, or when it fails, an estimate by characters (the ratio, and why, in
// `method`). Throws std::invalid_argument when tokens < 1 or the text is empty.
Document cut_to_tokens(std::string_view text, std::int64_t tokens, Tokenizer* tokenizer, std::string source);

// Byte offset of the first byte that is not part of well-formed UTF-8 (overlong forms,
// surrogates and code points above U+10FFFF are not), or nullopt when all is valid.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

}  // namespace hakari::load
