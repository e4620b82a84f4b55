#include "hakari/load/conversation.h"

#include "hakari/load/synthetic_prompt.h"

#include <fmt/format.h>

#include <array>
#include <stdexcept>

namespace hakari::load {
namespace {

struct Phrase {
  std::string_view en;
  std::string_view ja;
};

constexpr std::array<std::string_view, 32> kCodeWords{
    "ORCHID",  "GRANITE", "FALCON", "COBALT", "JUNIPER", "SAFFRON", "TUNDRA",  "MARLIN", "QUARTZ", "NEBULA",  "WALNUT",
    "CINDER",  "LAGOON",  "VELVET", "PIPER",  "HARBOR",  "EMBER",   "GLACIER", "MAPLE",  "ONYX",   "PELICAN", "RAVEN",
    "SEQUOIA", "TIMBER",  "URCHIN", "VIOLET", "WILLOW",  "ZEPHYR",  "BRAMBLE", "CANYON", "DYNAMO", "FJORD"};

// Short writing tasks, each about a subject; 7 forms and 12 subjects (no common factor)
// give 84 different middle turns before one repeats. None mentions codes or numbers.
constexpr std::array<Phrase, 7> kForms{{
    {"Write a haiku about {}.", "{}について俳句を一句詠んでください。"},
    {"Describe {} in two sentences.", "{}を二文で描写してください。"},
    {"Write a four-line poem about {}.", "{}について四行の詩を書いてください。"},
    {"Name three words that {} brings to mind, with one sentence on each.",
     "{}から思い浮かぶ言葉を三つ挙げ、それぞれ一文で説明してください。"},
    {"Suggest a title for a short film about {} and explain it in one sentence.",
     "{}を題材にした短編映画のタイトルを考え、一文で説明してください。"},
    {"Write a short diary entry about {} in three sentences.", "{}についての短い日記を三文で書いてください。"},
    {"Write the opening paragraph of a children's story about {}.",
     "{}を題材にした子ども向けの物語の書き出しを一段落で書いてください。"},
}};

constexpr std::array<Phrase, 12> kSubjects{{
    {"autumn rain", "秋の雨"},
    {"an old bicycle", "古い自転車"},
    {"the sea at dawn", "夜明けの海"},
    {"a cup of coffee", "一杯のコーヒー"},
    {"a thunderstorm", "雷雨"},
    {"a quiet library", "静かな図書館"},
    {"a mountain trail", "山道"},
    {"city lights at night", "夜の街の明かり"},
    {"a garden in spring", "春の庭"},
    {"a snowy morning", "雪の朝"},
    {"a long train journey", "長い列車の旅"},
    {"a lighthouse", "灯台"},
}};

constexpr Phrase kFirstTurn{
    "Please remember this code word for later: {}. I will ask you for it at the end of our conversation. "
    "For now, just reply with a short greeting.",
    "後で聞くので、この合言葉を覚えておいてください：{}。今は短いあいさつだけを返してください。"};

constexpr Phrase kLastTurn{
    "What was the code word I asked you to remember at the start of our conversation? Reply with the code word only.",
    "会話の最初に覚えておくようお願いした合言葉は何でしたか？合言葉だけを答えてください。"};

// One code point of UTF-8 (invalid bytes read as themselves; only ASCII matters here).
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
  if (i + extra >= s.size()) extra = 0;  // cut short at the end
  char32_t cp = extra == 0 ? b : extra == 1 ? (b & 0x1F) : extra == 2 ? (b & 0x0F) : (b & 0x07);
  for (std::size_t k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += extra + 1;
  return cp;
}

// ASCII lower case, full-width forms as ASCII, every dash as '-', an ideographic space as
// ' '; any other character becomes a placeholder that matches nothing.
std::string fold(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = next_code_point(text, i);
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;
    if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0x30FC || cp == 0xFF70 || cp == 0xFE58 || cp == 0xFE63)
      cp = '-';
    if (cp == 0x3000) cp = ' ';
    if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
    out.push_back(cp < 0x80 ? static_cast<char>(cp) : '\x7F');
  }
  return out;
}

bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ascii_lower(char c) { return c >= 'a' && c <= 'z'; }

}  // namespace

ConversationScript make_conversation(std::uint64_t seed, int turns, std::string_view lang) {
  if (turns < 2) throw std::invalid_argument(fmt::format("a conversation has at least 2 turns, not {}", turns));
  const bool ja = lang == "ja";
  if (!ja && lang != "en") throw std::invalid_argument(fmt::format("conversations are in en or ja, not \"{}\"", lang));
  SplitMix64 rng(seed);
  ConversationScript script;
  script.fact = fmt::format("{}-{}", kCodeWords[rng.below(kCodeWords.size())], 1000 + rng.below(9000));
  const std::size_t first_form = rng.below(kForms.size());
  const std::size_t first_subject = rng.below(kSubjects.size());

  script.user_turns.reserve(static_cast<std::size_t>(turns));
  script.user_turns.push_back(fmt::format(fmt::runtime(ja ? kFirstTurn.ja : kFirstTurn.en), script.fact));
  for (int j = 0; j < turns - 2; ++j) {
    const auto step = static_cast<std::size_t>(j);
    const Phrase& form = kForms[(first_form + step) % kForms.size()];
    const Phrase& subject = kSubjects[(first_subject + step) % kSubjects.size()];
    script.user_turns.push_back(fmt::format(fmt::runtime(ja ? form.ja : form.en), ja ? subject.ja : subject.en));
  }
  script.user_turns.emplace_back(ja ? kLastTurn.ja : kLastTurn.en);
  return script;
}

bool recalls_fact(std::string_view answer, const ConversationScript& script) {
  const std::string fact = fold(script.fact);
  if (fact.empty()) return false;
  // "word-number": the separator in the answer may be any dash, a space, or none.
  const std::size_t dash = fact.rfind('-');
  const std::string_view word =
      dash == std::string::npos ? std::string_view(fact) : std::string_view(fact).substr(0, dash);
  const std::string_view number =
      dash == std::string::npos ? std::string_view() : std::string_view(fact).substr(dash + 1);
  const std::string text = fold(answer);
  for (std::size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    // Not the tail of a longer word ("xorchid").
    if (at > 0 && is_ascii_lower(text[at - 1])) continue;
    std::size_t p = at + word.size();
    if (!number.empty()) {
      while (p < text.size() && (text[p] == ' ' || text[p] == '-' || text[p] == '_')) ++p;
      if (std::string_view(text).substr(p, number.size()) != number) continue;
      p += number.size();
    }
    // Not the head of a longer code ("orchid-44712").
    if (p < text.size() && (is_ascii_digit(text[p]) || (number.empty() && is_ascii_lower(text[p])))) continue;
    return true;
  }
  return false;
}

}  // namespace hakari::load
