#include "hakari/load/document.h"

#include "hakari/load/dataset.h"
#include "hakari/load/load_error.h"

#include <fmt/format.h>
#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <unordered_set>

namespace hakari::load {
namespace {

constexpr std::int64_t kMaxCutTokens = 10'000'000;
constexpr std::uint64_t kMaxCorpusBytes = std::uint64_t{64} << 20;

bool ends_with_ignoring_case(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  const std::string_view tail = s.substr(s.size() - suffix.size());
  return std::equal(tail.begin(), tail.end(), suffix.begin(),
                    [](char a, char b) { return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b; });
}

bool starts_like_pdf(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return false;
  char head[5] = {};
  return std::fread(head, 1, sizeof head, f.get()) == sizeof head && std::string_view(head, sizeof head) == "%PDF-";
}

std::string_view trim_end(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r' || s.back() == '\f'))
    s.remove_suffix(1);
  return s;
}

std::string_view trim(std::string_view s) {
  s = trim_end(s);
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r' || s.front() == '\f'))
    s.remove_prefix(1);
  return s;
}

// poppler reports through one process-wide hook; the last message explains a refusal.
std::mutex poppler_mutex;
void keep_poppler_message(const std::string& message, void* closure) {
  std::string_view text = message;
  if (text.starts_with("error: ")) text.remove_prefix(7);
  *static_cast<std::string*>(closure) = std::string(text);
}

std::string read_pdf(const std::string& path) {
  // poppler reads the file itself; the cap every other file has is checked first.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw load_error(path, fmt::format("cannot open: {}", std::strerror(errno)));
  if (S_ISDIR(st.st_mode)) throw load_error(path, "is a directory, not a file");
  if (static_cast<std::uint64_t>(st.st_size) > kMaxFileBytes) throw load_error(path, "too large (at most 2 GiB)");
  std::lock_guard lock(poppler_mutex);
  std::string poppler_said;
  poppler::set_debug_error_function(&keep_poppler_message, &poppler_said);
  struct Restore {
    ~Restore() { poppler::set_debug_error_function(nullptr, nullptr); }
  } restore;

  const std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(path));
  if (!doc) {
    throw load_error(path, poppler_said.empty() ? std::string("not a readable PDF")
                                                : fmt::format("not a readable PDF ({})", trim(poppler_said)));
  }
  if (doc->is_locked()) throw load_error(path, "the PDF is locked with a password");
  std::string text;
  const int pages = doc->pages();
  for (int i = 0; i < pages; ++i) {
    const std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) continue;
    // Reading order, as pdftotext gives it: neither the content stream's raw order nor a
    // physical layout padded with spaces.
    const poppler::byte_array utf8 = page->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout).to_utf8();
    const std::string_view page_text = trim(std::string_view(utf8.data(), utf8.size()));
    if (page_text.empty()) continue;
    if (!text.empty()) text.append("\n\n");
    text.append(page_text);
  }
  if (text.empty())
    throw load_error(
        path, fmt::format("no text in its {} page{} (a scanned PDF needs OCR first)", pages, pages == 1 ? "" : "s"));
  if (const auto bad = first_invalid_utf8(text))
    throw load_error(path, fmt::format("the PDF's text is not valid UTF-8 (at byte {} of the text)", *bad));
  return text;
}

std::string read_text_document(const std::string& path) {
  std::string text = read_file_bounded(path, kMaxTextDocumentBytes);
  std::size_t bom = 0;
  if (text.starts_with("\xEF\xBB\xBF")) {
    bom = 3;
  } else if (text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF")) {
    throw load_error(path, "UTF-16 text; convert it to UTF-8");
  }
  if (const auto bad = first_invalid_utf8(text)) {
    throw load_error(path, fmt::format("invalid UTF-8 at byte {}", *bad));
  }
  if (const auto nul = text.find('\0'); nul != std::string::npos)
    throw load_error(
        path,
        fmt::format("a NUL byte at byte {}: not a text file (a PDF must be named .pdf or start with %PDF-)", nul));
  text.erase(0, bom);
  if (trim(text).empty()) throw load_error(path, "the document is empty");
  return text;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(s.size());
  std::size_t start = 0;
  for (std::size_t hit; (hit = s.find(from, start)) != std::string::npos; start = hit + from.size()) {
    out.append(s, start, hit - start);
    out.append(to);
  }
  out.append(s, start, std::string::npos);
  s.swap(out);
}

// wikitext-2-raw keeps its tokenizer's spacing ("guest @-@ starring", "actor , who");
// undone here so the text reads, and tokenizes, as ordinary English.
std::string wikitext_paragraphs(std::string_view raw) {
  std::string out;
  std::size_t start = 0;
  while (start < raw.size()) {
    std::size_t end = raw.find('\n', start);
    if (end == std::string_view::npos) end = raw.size();
    std::string_view line = trim(raw.substr(start, end - start));
    start = end + 1;
    if (line.empty()) continue;
    if (line.starts_with("= ") && line.ends_with(" =")) {
      // A heading: " = = Career = = " -> "Career".
      while (!line.empty() && (line.front() == '=' || line.front() == ' ')) line.remove_prefix(1);
      while (!line.empty() && (line.back() == '=' || line.back() == ' ')) line.remove_suffix(1);
      if (line.empty()) continue;
    }
    std::string paragraph(line);
    for (const auto& [from, to] : {std::pair{" @-@ ", "-"},
                                   {" @,@ ", ","},
                                   {" @.@ ", "."},
                                   {" , ", ", "},
                                   {" . ", ". "},
                                   {" ; ", "; "},
                                   {" : ", ": "},
                                   {" ! ", "! "},
                                   {" ? ", "? "},
                                   {" 's ", "'s "},
                                   {" n't ", "n't "},
                                   {"( ", "("},
                                   {" )", ")"}}) {
      replace_all(paragraph, from, to);
    }
    for (const char* end_mark : {" .", " !", " ?"}) {
      if (std::string_view(paragraph).ends_with(end_mark)) paragraph.erase(paragraph.size() - 2, 1);
    }
    if (!out.empty()) out.append("\n\n");
    out.append(paragraph);
  }
  return out;
}

std::string jsquad_contexts(const std::string& path, std::string_view json_text) {
  json::Value root;
  try {
    root = json::Parser(json_text, "file").parse_document();
  } catch (const json::SyntaxError& e) {
    const auto [line, column] = line_and_column(json_text, e.offset());
    throw load_error_at(path, line, column, e.what());
  }
  std::string out;
  std::unordered_set<std::string_view> seen;
  const json::Value* data = root.find("data");
  if (data == nullptr || data->type != json::Value::Type::array)
    throw load_error(path, "no \"data\" array (not the JSQuAD file)");
  for (const json::Value& article : data->items) {
    const json::Value* paragraphs = article.find("paragraphs");
    if (paragraphs == nullptr || paragraphs->type != json::Value::Type::array) continue;
    for (const json::Value& paragraph : paragraphs->items) {
      const json::Value* context = paragraph.find("context");
      if (context == nullptr || context->type != json::Value::Type::string) continue;
      // "梅雨 [SEP] 梅雨（つゆ、ばいう）は、..." — the title is there for the QA model only.
      std::string_view text = context->text;
      if (const auto sep = text.find(" [SEP] "); sep != std::string_view::npos) text.remove_prefix(sep + 7);
      text = trim(text);
      if (text.empty() || !seen.insert(text).second) continue;
      if (!out.empty()) out.append("\n\n");
      out.append(text);
    }
  }
  if (out.empty()) throw load_error(path, "no contexts found");
  return out;
}

// Twelfths of a token a character costs, for an estimate without a tokenizer: English runs
// about 4 characters a token in Llama-3, Qwen and GPT vocabularies, Japanese and Chinese
// about 1.5. Whole twelfths keep the sum exact.
constexpr std::int64_t kCostUnitsPerToken = 12;
std::int64_t estimated_cost(char32_t cp) { return cp < 0x800 ? 3 : 8; }

char32_t decode_at(std::string_view s, std::size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  const int extra = b < 0x80 ? 0 : b < 0xE0 ? 1 : b < 0xF0 ? 2 : 3;
  char32_t cp = extra == 0 ? b : extra == 1 ? (b & 0x1F) : extra == 2 ? (b & 0x0F) : (b & 0x07);
  ++i;
  for (int k = 0; k < extra && i < s.size(); ++k, ++i) cp = (cp << 6) | (static_cast<unsigned char>(s[i]) & 0x3F);
  return cp;
}

// The shortest prefix of `text` estimated at `tokens` tokens, or all of it.
std::string_view estimated_prefix(std::string_view text, std::int64_t tokens) {
  const std::int64_t budget = tokens * kCostUnitsPerToken;
  std::int64_t cost = 0;
  std::size_t i = 0;
  while (i < text.size() && cost < budget) cost += estimated_cost(decode_at(text, i));
  return text.substr(0, i);
}

// `copies` copies of `text` with a blank line between them.
std::string repeated(std::string_view text, std::size_t copies) {
  std::string out;
  out.reserve(copies * (text.size() + 2));
  for (std::size_t i = 0; i < copies; ++i) {
    if (i != 0) out.append("\n\n");
    out.append(text);
  }
  return out;
}

// The tokenizer's exact cut, or nullopt with `failure` saying why.
std::optional<Document> cut_exactly(std::string_view text, std::int64_t tokens, Tokenizer& tokenizer,
                                    std::string& failure) {
  const std::string name = tokenizer.name();
  // A long corpus is not sent whole: a prefix estimated at three times the tokens wanted
  // holds enough for any real vocabulary; the whole text only when it does not.
  const std::string_view prefix = estimated_prefix(text, tokens * 3);
  auto ids = tokenizer.tokenize(prefix);
  if (ids && ids->size() < static_cast<std::size_t>(tokens) && prefix.size() < text.size())
    ids = tokenizer.tokenize(text);
  if (!ids) {
    failure = fmt::format("{} failed", name);
    return std::nullopt;
  }
  if (ids->empty()) {
    failure = fmt::format("{} gave no tokens", name);
    return std::nullopt;
  }
  const auto wanted = static_cast<std::size_t>(tokens);
  // Too short: repeat the text; joining copies can merge tokens at the seams, so one
  // copy more than the division says, and check again.
  for (std::size_t copies = wanted / ids->size() + 2; ids->size() < wanted; copies += copies / 2 + 1) {
    // A server answering a few ids for a long text must not make this grow without end.
    if (copies * (text.size() + 2) > kMaxTextDocumentBytes) {
      failure = fmt::format("{} gave too few tokens for the repeated text", name);
      return std::nullopt;
    }
    ids = tokenizer.tokenize(repeated(text, copies));
    if (!ids) {
      failure = fmt::format("{} failed", name);
      return std::nullopt;
    }
  }

  // Detokenizing the first k ids and tokenizing the result gives k back, except where the
  // cut splits a character or the seam merges; then a nearby cut does.
  struct Candidate {
    std::string text;
    std::int64_t tokens;
  };
  std::optional<Candidate> nearest;
  const auto try_cut = [&](std::size_t k) -> bool {
    const std::vector<std::int64_t> first_ids(ids->begin(), ids->begin() + static_cast<std::ptrdiff_t>(k));
    auto piece = tokenizer.detokenize(first_ids);
    if (!piece || first_invalid_utf8(*piece)) return false;
    const auto again = tokenizer.tokenize(*piece);
    if (!again) return false;
    const auto count = static_cast<std::int64_t>(again->size());
    if (!nearest || std::abs(count - tokens) < std::abs(nearest->tokens - tokens))
      nearest = Candidate{std::move(*piece), count};
    return count == tokens;
  };
  constexpr std::size_t kSearch = 8;
  bool exact = try_cut(wanted);
  for (std::size_t d = 1; d <= kSearch && !exact; ++d) {
    if (wanted > d) exact = try_cut(wanted - d);
    if (!exact && wanted + d <= ids->size()) exact = try_cut(wanted + d);
  }
  if (!nearest) {
    failure = fmt::format("{} /detokenize failed", name);
    return std::nullopt;
  }
  Document doc;
  doc.text = std::move(nearest->text);
  doc.tokens = nearest->tokens;
  doc.method = name;
  return doc;
}

}  // namespace

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char b = s[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;  // no overlong forms
      if (b == 0xED) hi = 0x9F;  // no surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;  // no overlong forms
      if (b == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
      return i;
    }
    if (i + len > n) return i;
    if (s[i + 1] < lo || s[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k)
      if ((s[i + k] & 0xC0) != 0x80) return i;
    i += len;
  }
  return std::nullopt;
}

std::string read_document(const std::string& path) {
  if (ends_with_ignoring_case(path, ".pdf") || starts_like_pdf(path)) return read_pdf(path);
  return read_text_document(path);
}

std::string builtin_corpus(std::string_view lang, const std::string& datasets_dir) {
  const auto read = [&](const std::string& path) {
    try {
      return read_file_bounded(path, kMaxCorpusBytes);
    } catch (const LoadError& e) {
      throw LoadError(
          fmt::format("{} (the built-in \"{}\" corpus is read from the shared datasets folder)", e.what(), lang));
    }
  };
  if (lang == "en") {
    const std::string path = datasets_dir + "/wikitext-2-raw/wiki.test.raw";
    const std::string raw = read(path);
    if (const auto bad = first_invalid_utf8(raw)) throw load_error(path, fmt::format("invalid UTF-8 at byte {}", *bad));
    return wikitext_paragraphs(raw);
  }
  if (lang == "ja") {
    const std::string path = datasets_dir + "/jglue-jsquad/valid-v1.3.json";
    return jsquad_contexts(path, read(path));
  }
  throw LoadError(fmt::format("no built-in corpus for language \"{}\" (en or ja)", lang));
}

std::string builtin_corpus_source(std::string_view lang) {
  if (lang == "en") return "built-in corpus (en: wikitext-2)";
  if (lang == "ja") return "built-in corpus (ja: JSQuAD contexts)";
  return fmt::format("built-in corpus ({})", lang);
}

Document cut_to_tokens(std::string_view text, std::int64_t tokens, Tokenizer* tokenizer, std::string source) {
  if (tokens < 1 || tokens > kMaxCutTokens)
    throw std::invalid_argument(
        fmt::format("cut_to_tokens: tokens must be from 1 to {}, got {}", kMaxCutTokens, tokens));
  if (text.empty()) throw std::invalid_argument("cut_to_tokens: the text is empty");

  std::string failure;
  if (tokenizer != nullptr) {
    if (auto doc = cut_exactly(text, tokens, *tokenizer, failure)) {
      doc->source = std::move(source);
      return std::move(*doc);
    }
  }

  // An estimate: characters until their estimated cost reaches `tokens`, the text
  // repeated (apart by a blank line) when it runs out.
  Document doc;
  doc.source = std::move(source);
  const std::int64_t budget = tokens * kCostUnitsPerToken;
  std::int64_t cost = 0;
  std::int64_t characters = 0;
  std::size_t i = 0;
  while (cost < budget) {
    if (i == text.size()) {
      doc.text.append("\n\n");
      cost += estimated_cost('\n') * 2;
      characters += 2;
      i = 0;
      continue;
    }
    const std::size_t start = i;
    cost += estimated_cost(decode_at(text, i));
    ++characters;
    doc.text.append(text.substr(start, i - start));
  }
  // A cut just after a separator would end the document in a blank line.
  while (doc.text.ends_with('\n')) doc.text.pop_back();
  doc.tokens = tokens;
  const double ratio = static_cast<double>(characters) / static_cast<double>(tokens);
  doc.method = fmt::format("estimate (~{:.2g} characters a token{}{})", ratio, failure.empty() ? "" : "; ", failure);
  return doc;
}

}  // namespace hakari::load
