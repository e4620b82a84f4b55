// The built-in corpora from the real shared datasets (../shared/datasets), when present.
#include "hakari/load/document.h"

#include "hakari/load/load_error.h"
#include "load/load_test_files.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace hakari::load {
namespace {

// $HAKARI_SHARED_DIR/datasets, else ../shared beside the repository, else /work/shared,
// as scripts/find-shared.sh looks.
std::string datasets_dir() {
  std::vector<std::string> candidates;
  if (const char* shared = std::getenv("HAKARI_SHARED_DIR"); shared != nullptr && *shared != '\0')
    candidates.push_back(std::string(shared) + "/datasets");
  candidates.push_back(std::string(HAKARI_SOURCE_DIR) + "/../shared/datasets");
  candidates.push_back("/work/shared/datasets");
  for (const auto& dir : candidates)
    if (std::filesystem::exists(dir + "/wikitext-2-raw/wiki.test.raw")) return dir;
  return {};
}

#define REQUIRE_DATASETS(dir)                                                                             \
  const std::string dir = datasets_dir();                                                                 \
  if (dir.empty())                                                                                        \
  GTEST_SKIP() << "no shared datasets (wikitext-2-raw/wiki.test.raw) under $HAKARI_SHARED_DIR/datasets, " \
                  "../shared/datasets or /work/shared/datasets"

std::size_t paragraphs(const std::string& text) {
  std::size_t n = 1;
  for (std::size_t at = text.find("\n\n"); at != std::string::npos; at = text.find("\n\n", at + 2)) ++n;
  return n;
}

TEST(BuiltinCorpus, EnglishIsWikitextReadingAsPlainEnglish) {
  REQUIRE_DATASETS(dir);
  const std::string text = builtin_corpus("en", dir);
  EXPECT_GT(text.size(), 1'000'000u);
  EXPECT_EQ(first_invalid_utf8(text), std::nullopt);
  EXPECT_TRUE(
      text.starts_with("Robert Boulter\n\nRobert Boulter is an English film, television and theatre actor. "
                       "He had a guest-starring role on the television series The Bill in 2000."))
      << text.substr(0, 300);
  EXPECT_EQ(text.find(" @-@ "), std::string::npos);
  EXPECT_EQ(text.find(" , "), std::string::npos);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_GT(paragraphs(text), 2'000u);

  const Document doc = cut_to_tokens(text, 2000, nullptr, builtin_corpus_source("en"));
  EXPECT_EQ(doc.source, "built-in corpus (en: wikitext-2)");
  EXPECT_NEAR(static_cast<double>(doc.text.size()), 8000, 100);
}

TEST(BuiltinCorpus, JapaneseIsTheUniqueJsquadContexts) {
  REQUIRE_DATASETS(dir);
  const std::string text = builtin_corpus("ja", dir);
  EXPECT_GT(text.size(), 500'000u);
  EXPECT_EQ(first_invalid_utf8(text), std::nullopt);
  EXPECT_TRUE(text.starts_with("梅雨（つゆ、ばいう）は、北海道と小笠原諸島を除く日本")) << text.substr(0, 200);
  EXPECT_EQ(text.find("[SEP]"), std::string::npos);
  EXPECT_EQ(paragraphs(text), 1145u);
  EXPECT_EQ(builtin_corpus_source("ja"), "built-in corpus (ja: JSQuAD contexts)");
}

TEST(BuiltinCorpus, NamesWhatIsMissing) {
  EXPECT_EQ(testing::error_of([] { builtin_corpus("en", "/nonexistent"); }),
            "/nonexistent/wikitext-2-raw/wiki.test.raw: cannot open: No such file or directory "
            "(the built-in \"en\" corpus is read from the shared datasets folder)");
  EXPECT_EQ(testing::error_of([] { builtin_corpus("ja", "/nonexistent"); }),
            "/nonexistent/jglue-jsquad/valid-v1.3.json: cannot open: No such file or directory "
            "(the built-in \"ja\" corpus is read from the shared datasets folder)");
  EXPECT_EQ(testing::error_of([] { builtin_corpus("fr", "/nonexistent"); }),
            "no built-in corpus for language \"fr\" (en or ja)");
}

}  // namespace
}  // namespace hakari::load
