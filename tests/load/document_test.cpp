#include "hakari/load/document.h"

#include "hakari/load/load_error.h"
#include "load/load_test_files.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

namespace hakari::load {
namespace {

using testing::error_of;
using testing::temp_file;
using testing::test_data;

// One id per space-separated word, as if every word were one token.
class WordTokenizer : public Tokenizer {
 public:
  std::optional<std::vector<std::int64_t>> tokenize(std::string_view text) override {
    ++calls;
    longest_input = std::max(longest_input, text.size());
    std::vector<std::int64_t> ids;
    std::istringstream in{std::string(text)};
    for (std::string word; in >> word;) {
      const auto [it, added] = vocabulary_.try_emplace(word, static_cast<std::int64_t>(words_.size()));
      if (added) words_.push_back(word);
      ids.push_back(it->second);
    }
    return ids;
  }
  std::optional<std::string> detokenize(const std::vector<std::int64_t>& ids) override {
    std::string out;
    for (const auto id : ids) {
      if (!out.empty()) out.push_back(' ');
      out += words_.at(static_cast<std::size_t>(id));
    }
    return out;
  }
  std::string name() const override { return "words /tokenize"; }
  int calls = 0;
  std::size_t longest_input = 0;

 private:
  std::map<std::string, std::int64_t, std::less<>> vocabulary_;
  std::vector<std::string> words_;
};

// One id per byte: a cut can split a character, as a byte-fallback vocabulary does.
class ByteTokenizer : public Tokenizer {
 public:
  std::optional<std::vector<std::int64_t>> tokenize(std::string_view text) override {
    return std::vector<std::int64_t>(text.begin(), text.end());
  }
  std::optional<std::string> detokenize(const std::vector<std::int64_t>& ids) override {
    return std::string(ids.begin(), ids.end());
  }
  std::string name() const override { return "bytes /tokenize"; }
};

// A server that answers one id whatever it is sent.
class StingyTokenizer : public Tokenizer {
 public:
  std::optional<std::vector<std::int64_t>> tokenize(std::string_view) override { return std::vector<std::int64_t>{1}; }
  std::optional<std::string> detokenize(const std::vector<std::int64_t>&) override { return "x"; }
  std::string name() const override { return "stingy /tokenize"; }
};

class DownTokenizer : public Tokenizer {
 public:
  std::optional<std::vector<std::int64_t>> tokenize(std::string_view) override { return std::nullopt; }
  std::optional<std::string> detokenize(const std::vector<std::int64_t>&) override { return std::nullopt; }
  std::string name() const override { return "llama.cpp /tokenize"; }
};

std::size_t word_count(const std::string& s) {
  std::istringstream in(s);
  std::size_t n = 0;
  for (std::string w; in >> w;) ++n;
  return n;
}

TEST(ReadDocument, ReadsEveryPageOfAPdf) {
  EXPECT_EQ(read_document(test_data("hello.pdf")),
            "Hakari reads this sentence from a PDF.\n\nThe second page says hello.");
  // Known by its first bytes too, whatever the name.
  const auto renamed = (std::filesystem::path(temp_file("renamed.bin", "")).parent_path() / "renamed.bin").string();
  std::filesystem::copy_file(test_data("hello.pdf"), renamed, std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(read_document(renamed), "Hakari reads this sentence from a PDF.\n\nThe second page says hello.");
}

TEST(ReadDocument, RefusesPdfsWithoutText) {
  const auto blank = test_data("blank.pdf");
  EXPECT_EQ(error_of([&] { read_document(blank); }), blank + ": no text in its 1 page (a scanned PDF needs OCR first)");
  const auto broken = temp_file("broken.pdf", "%PDF-1.4\nnot really a PDF\n");
  EXPECT_TRUE(error_of([&] { read_document(broken); }).starts_with(broken + ": not a readable PDF"));
}

TEST(ReadDocument, ReadsUtf8TextWithoutItsByteOrderMark) {
  EXPECT_EQ(read_document(temp_file("plain.txt", "Plain text.\nSecond line: héllo, 日本語 😀\n")),
            "Plain text.\nSecond line: héllo, 日本語 😀\n");
  EXPECT_EQ(read_document(temp_file("bom.txt", "\xEF\xBB\xBFwith a mark")), "with a mark");
}

TEST(ReadDocument, RefusesWhatIsNotUtf8TextNamingTheByte) {
  const auto invalid = temp_file("invalid.txt",
                                 "abc\xFF"
                                 "def");
  EXPECT_EQ(error_of([&] { read_document(invalid); }), invalid + ": invalid UTF-8 at byte 3");
  // Offsets are the file's own, byte order mark included.
  const auto after_bom = temp_file("after-bom.txt",
                                   "\xEF\xBB\xBF"
                                   "ab\xC0\xAF");
  EXPECT_EQ(error_of([&] { read_document(after_bom); }), after_bom + ": invalid UTF-8 at byte 5");
  const auto utf16 = temp_file("utf16.txt", std::string("\xFF\xFEh\0i\0", 6));
  EXPECT_EQ(error_of([&] { read_document(utf16); }), utf16 + ": UTF-16 text; convert it to UTF-8");
  const auto binary = temp_file("binary.dat", std::string("ab\0cd", 5));
  EXPECT_EQ(error_of([&] { read_document(binary); }),
            binary + ": a NUL byte at byte 2: not a text file (a PDF must be named .pdf or start with %PDF-)");
  const auto empty = temp_file("empty.txt", " \n\n");
  EXPECT_EQ(error_of([&] { read_document(empty); }), empty + ": the document is empty");
  const std::string missing = "/nonexistent/hakari/report.txt";
  EXPECT_EQ(error_of([&] { read_document(missing); }), missing + ": cannot open: No such file or directory");
  const auto dir = std::filesystem::path(empty).parent_path().string();
  EXPECT_EQ(error_of([&] { read_document(dir); }), dir + ": is a directory, not a file");
  EXPECT_THROW(read_document(missing), LoadError);
}

TEST(FirstInvalidUtf8, AcceptsWellFormedTextOnly) {
  EXPECT_EQ(first_invalid_utf8(""), std::nullopt);
  EXPECT_EQ(first_invalid_utf8("ascii é 日本 \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"), std::nullopt);
  EXPECT_EQ(first_invalid_utf8("a\x80"), 1u);             // a lone continuation byte
  EXPECT_EQ(first_invalid_utf8("ab\xC0\xAF"), 2u);        // overlong '/'
  EXPECT_EQ(first_invalid_utf8("\xE0\x80\xAF"), 0u);      // overlong, three bytes
  EXPECT_EQ(first_invalid_utf8("x\xED\xA0\x80"), 1u);     // a UTF-16 surrogate
  EXPECT_EQ(first_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(first_invalid_utf8("\xF5\x80\x80\x80"), 0u);
  EXPECT_EQ(first_invalid_utf8("ok\xE3\x81"), 2u);    // cut short
  EXPECT_EQ(first_invalid_utf8("\xE3\x81\x41"), 0u);  // a continuation byte missing
}

TEST(CutToTokens, GivesExactlyNTokensByTheTokenizer) {
  WordTokenizer words;
  const std::string text = "one two three four five six seven eight nine ten";
  const Document doc = cut_to_tokens(text, 4, &words, "notes.txt");
  EXPECT_EQ(doc.text, "one two three four");
  EXPECT_EQ(doc.tokens, 4);
  EXPECT_EQ(doc.source, "notes.txt");
  EXPECT_EQ(doc.method, "words /tokenize");

  // Shorter than asked: the text again, as often as needed.
  const Document longer = cut_to_tokens(text, 25, &words, "notes.txt");
  EXPECT_EQ(longer.tokens, 25);
  EXPECT_EQ(word_count(longer.text), 25u);
  EXPECT_TRUE(longer.text.starts_with(text + " one two"));
  EXPECT_TRUE(longer.text.ends_with("three four five"));
  EXPECT_EQ(words.tokenize(longer.text)->size(), 25u);

  EXPECT_EQ(cut_to_tokens(text, 10, &words, "x").text, text);
}

TEST(CutToTokens, SendsTheTokenizerOnlyWhatItNeeds) {
  // A corpus of a megabyte is not tokenized whole for a 100-token document.
  WordTokenizer words;
  std::string corpus;
  for (int i = 0; corpus.size() < 1'000'000; ++i) corpus += "word" + std::to_string(i % 5000) + " ";
  const Document doc = cut_to_tokens(corpus, 100, &words, "x");
  EXPECT_EQ(doc.tokens, 100);
  EXPECT_TRUE(corpus.starts_with(doc.text + " "));
  EXPECT_LT(words.longest_input, 2'000u);
}

TEST(CutToTokens, CutsBetweenCharactersAndRecordsTheCountItGets) {
  // "€" is three ids here; 5 ids would end inside it. The nearest whole cut is 4 ids.
  ByteTokenizer bytes;
  const Document doc = cut_to_tokens("aaaa€bbbb", 5, &bytes, "x");
  EXPECT_EQ(doc.text, "aaaa");
  EXPECT_EQ(doc.tokens, 4);
  EXPECT_EQ(doc.method, "bytes /tokenize");
  EXPECT_EQ(cut_to_tokens("aaaa€bbbb", 7, &bytes, "x").text, "aaaa€");
}

TEST(CutToTokens, EstimatesByCharactersWithoutATokenizer) {
  const Document en = cut_to_tokens("abcd efgh ijkl mnop qrst", 3, nullptr, "built-in corpus (en: wikitext-2)");
  EXPECT_EQ(en.text, "abcd efgh ij");  // 12 characters, 4 a token
  EXPECT_EQ(en.tokens, 3);
  EXPECT_EQ(en.source, "built-in corpus (en: wikitext-2)");
  EXPECT_EQ(en.method, "estimate (~4 characters a token)");
  // Repeated, a blank line between copies, when the text is too short.
  EXPECT_EQ(cut_to_tokens("abc", 2, nullptr, "x").text, "abc\n\nabc");

  const Document ja = cut_to_tokens("日本語の文章です。", 4, nullptr, "x");
  EXPECT_EQ(ja.text, "日本語の文章");  // 1.5 characters a token
  EXPECT_EQ(ja.method, "estimate (~1.5 characters a token)");

  StingyTokenizer stingy;
  EXPECT_EQ(cut_to_tokens(std::string(1'000'000, 'a'), 1000, &stingy, "x").method,
            "estimate (~4 characters a token; stingy /tokenize gave too few tokens for the repeated text)");

  DownTokenizer down;
  EXPECT_EQ(cut_to_tokens("abcd efgh", 2, &down, "x").method,
            "estimate (~4 characters a token; llama.cpp /tokenize failed)");
}

TEST(CutToTokens, RefusesNothingToCut) {
  EXPECT_THROW(cut_to_tokens("text", 0, nullptr, "x"), std::invalid_argument);
  EXPECT_THROW(cut_to_tokens("", 10, nullptr, "x"), std::invalid_argument);
  EXPECT_THROW(cut_to_tokens("text", 20'000'000, nullptr, "x"), std::invalid_argument);
}

}  // namespace
}  // namespace hakari::load
