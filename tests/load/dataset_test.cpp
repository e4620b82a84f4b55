#include "hakari/load/dataset.h"

#include "hakari/load/load_error.h"
#include "hakari/load/synthetic_prompt.h"
#include "load/load_test_files.h"

#include <gtest/gtest.h>

namespace hakari::load {
namespace {

using testing::error_of;
using testing::temp_file;
using testing::test_data;

// The LoadError of a one-file JSONL dataset holding `content`, without the path.
std::string jsonl_error(std::string_view content) {
  const auto path = temp_file("bad.jsonl", content);
  std::string e = error_of([&] { load_prompt_jsonl(path); });
  return e.starts_with(path) ? e.substr(path.size()) : e;
}

std::string sharegpt_error(std::string_view content) {
  const auto path = temp_file("bad-sharegpt.json", content);
  std::string e = error_of([&] { load_sharegpt(path); });
  return e.starts_with(path) ? e.substr(path.size()) : e;
}

TEST(PromptJsonl, ReadsPromptsAndMessageLists) {
  const auto items = load_prompt_jsonl(test_data("prompts.jsonl"));
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].id, "q1");
  EXPECT_EQ(items[0].messages, (std::vector<Message>{{"user", "Hello"}}));
  EXPECT_EQ(items[0].max_tokens, 16);
  EXPECT_EQ(items[0].reference_output_chars, std::nullopt);

  EXPECT_EQ(items[1].id, "line 3");  // the blank line still counts
  EXPECT_EQ(items[1].messages, (std::vector<Message>{{"system", "Be brief."}, {"user", "Hi"}}));
  EXPECT_EQ(items[1].max_tokens, std::nullopt);

  EXPECT_EQ(items[2].id, "7");
  EXPECT_EQ(items[2].messages, (std::vector<Message>{{"system", "Answer in French."}, {"user", "Bonjour"}}));

  // Escapes, a surrogate pair, a lone surrogate (U+FFFD), and 8.0 as a whole number.
  EXPECT_EQ(items[3].id, "line 5");
  EXPECT_EQ(items[3].messages.at(0).content, "esc \"q\" \xC3\xA9\xF0\x9F\x98\x80 \xEF\xBF\xBD end\n\t/");
  EXPECT_EQ(items[3].max_tokens, 8);
}

TEST(PromptJsonl, ToleratesCrlfAndAByteOrderMark) {
  const auto path = temp_file("crlf.jsonl", "\xEF\xBB\xBF{\"prompt\": \"a\"}\r\n\r\n{\"prompt\": \"b\"}");
  const auto items = load_prompt_jsonl(path);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].id, "line 3");
  EXPECT_EQ(items[1].messages.at(0).content, "b");
}

TEST(PromptJsonl, NamesTheLineAndColumnOfEveryMistake) {
  // JSON syntax.
  EXPECT_EQ(jsonl_error(R"({"prompt": "x",})"), ":1:16: a trailing ',' before '}'");
  EXPECT_EQ(jsonl_error(R"({"prompt": "a" "b"})"), ":1:16: expected ',' or '}' after an object member, got '\"'");
  EXPECT_EQ(jsonl_error(R"({"prompt": "a"} x)"), ":1:17: unexpected 'x' after the JSON value");
  EXPECT_EQ(jsonl_error(R"({"prompt": "a)"), ":1:12: a string not closed before the end of the line");
  EXPECT_EQ(jsonl_error(R"({"prompt": "a", )"), ":1:17: unexpected end of line inside an object");
  EXPECT_EQ(jsonl_error("{\"prompt\": \"a\x01\"}"), ":1:14: control character 0x01 in a string (escape it)");
  EXPECT_EQ(jsonl_error("{\"prompt\": \"\xFF\"}"), ":1:13: invalid UTF-8 in a string");
  EXPECT_EQ(jsonl_error(R"({"prompt": "\q"})"), ":1:13: invalid escape '\\q' in a string");
  EXPECT_EQ(jsonl_error(R"({"prompt": "\u12G4"})"), ":1:13: invalid \\u escape (four hex digits expected)");
  EXPECT_EQ(jsonl_error(R"({"prompt": 01})"), ":1:12: invalid number");
  EXPECT_EQ(jsonl_error(R"({"prompt": 1.})"), ":1:12: invalid number (digits expected after '.')");
  EXPECT_EQ(jsonl_error(R"({"prompt": 1e999})"), ":1:12: number out of range");
  EXPECT_EQ(jsonl_error(R"({"prompt": tru})"), ":1:12: unexpected 't'");
  EXPECT_EQ(jsonl_error(R"({prompt: "a"})"), ":1:2: expected a string key, got 'p'");
  EXPECT_EQ(jsonl_error(R"({"prompt" "a"})"), ":1:11: expected ':' after the key \"prompt\", got '\"'");
  EXPECT_EQ(jsonl_error("{\"x\": " + std::string(100, '[')), ":1:70: nested deeper than 64 levels");
  // Columns count characters, not bytes; lines count blank ones.
  EXPECT_EQ(jsonl_error("{\"prompt\": \"ok\"}\n\n{\"prompt\": \"日本語\", \"max_tokens\": -1}"),
            ":3:33: \"max_tokens\" must be a whole number from 1 to 10000000");

  // The dataset's shape.
  EXPECT_EQ(jsonl_error(R"([1, 2])"), ":1:1: expected an object such as {\"prompt\": \"...\"}, not an array");
  EXPECT_EQ(jsonl_error(R"({"prompt": 5})"), ":1:12: \"prompt\" must be a string, not a number");
  EXPECT_EQ(jsonl_error(R"({"prompt": "  "})"), ":1:12: \"prompt\" is empty");
  EXPECT_EQ(jsonl_error(R"({"prompt": "x", "max_tokens": 0})"),
            ":1:31: \"max_tokens\" must be a whole number from 1 to 10000000");
  EXPECT_EQ(jsonl_error(R"({"prompt": "x", "max_tokens": 2.5})"),
            ":1:31: \"max_tokens\" must be a whole number from 1 to 10000000");
  EXPECT_EQ(jsonl_error(R"({"prompt": "x", "id": [1]})"), ":1:23: \"id\" must be a string or a number, not an array");
  EXPECT_EQ(jsonl_error(R"({"prompt": "x", "system": 1})"), ":1:27: \"system\" must be a string, not a number");
  EXPECT_EQ(jsonl_error(R"({"prompt": "a", "messages": []})"),
            ":1:29: both \"prompt\" and \"messages\"; give one of them");
  EXPECT_EQ(jsonl_error(R"({"id": 1})"), ":1:1: no \"prompt\" or \"messages\"");
  EXPECT_EQ(jsonl_error(R"({"messages": []})"),
            ":1:14: \"messages\" must be a non-empty array of {\"role\": ..., \"content\": ...}");
  EXPECT_EQ(jsonl_error(R"({"messages": ["hi"]})"), ":1:15: a message must be an object, not a string");
  EXPECT_EQ(jsonl_error(R"({"messages": [{"role": "robot", "content": "x"}]})"),
            ":1:24: unknown role \"robot\" (system, user or assistant)");
  EXPECT_EQ(jsonl_error(R"({"messages": [{"content": "x"}]})"), ":1:15: no \"role\"");
  EXPECT_EQ(jsonl_error(R"({"messages": [{"role": "user", "content": [{"type": "text"}]}]})"),
            ":1:43: \"content\" must be a string (lists of content parts are not supported)");
  EXPECT_EQ(jsonl_error(R"({"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]})"),
            ":1:49: the last message must be the user's (it is the prompt to answer)");
}

TEST(PromptJsonl, RefusesEmptyMissingAndOversizedFiles) {
  EXPECT_EQ(jsonl_error("\n  \n"), ": no prompts (the file is empty or blank)");
  const std::string missing = "/nonexistent/prompts.jsonl";
  EXPECT_EQ(error_of([&] { load_prompt_jsonl(missing); }), missing + ": cannot open: No such file or directory");
  // One line past 16 MiB is refused before it is parsed.
  std::string huge = "{\"prompt\": \"ok\"}\n{\"prompt\": \"";
  huge.append(kMaxLineBytes, 'a');
  EXPECT_EQ(jsonl_error(huge), ":2:1: line longer than 16 MiB");
}

TEST(ShareGpt, TakesEachFirstHumanTurnAndItsAnswer) {
  const ShareGptFile file = load_sharegpt_file(test_data("sharegpt.json"));
  EXPECT_EQ(file.conversations, 6u);
  EXPECT_EQ(file.skipped, 3u);
  ASSERT_EQ(file.items.size(), 3u);

  EXPECT_EQ(file.items[0].id, "a");
  EXPECT_EQ(file.items[0].messages, (std::vector<Message>{{"user", "What is 2+2?"}}));
  EXPECT_EQ(file.items[0].reference_output_chars, 13);  // "4, of course."
  EXPECT_EQ(file.items[0].max_tokens, std::nullopt);

  EXPECT_EQ(file.items[1].id, "b");
  EXPECT_EQ(file.items[1].messages, (std::vector<Message>{{"system", "Be terse."}, {"user", "Name a color."}}));
  EXPECT_EQ(file.items[1].reference_output_chars, 2);  // "青色": characters, not bytes

  EXPECT_EQ(file.items[2].id, "item 5");  // "user"/"assistant" read as "human"/"gpt"
  EXPECT_EQ(file.items[2].messages, (std::vector<Message>{{"user", "Hi"}}));
  EXPECT_EQ(file.items[2].reference_output_chars, 6);

  EXPECT_EQ(load_sharegpt(test_data("sharegpt.json")).size(), 3u);
}

TEST(ShareGpt, NamesTheLineAndColumnOfAWrongShape) {
  EXPECT_EQ(sharegpt_error(R"({"data": []})"),
            ":1:1: expected a JSON array of conversations (the ShareGPT format), not an object");
  EXPECT_EQ(sharegpt_error(R"([1])"), ":1:2: a conversation must be an object, not a number");
  EXPECT_EQ(sharegpt_error(R"([{"id": "x"}])"), ":1:2: no \"conversations\" array");
  EXPECT_EQ(sharegpt_error("[\n  {\"conversations\": [{\"from\": \"human\"}]}\n]"), ":2:22: no \"value\"");
  EXPECT_EQ(sharegpt_error("[\n  {\"conversations\": [{\"from\": 1, \"value\": \"x\"}]}\n]"),
            ":2:31: \"from\" must be a string, not a number");
  EXPECT_EQ(sharegpt_error("[\n{\"conversations\": []}\n,]"), ":3:2: a trailing ',' before ']'");
  EXPECT_EQ(sharegpt_error("[{\"conversations\": []} {}]"),
            ":1:24: expected ',' or ']' after an array element, got '{'");
  EXPECT_EQ(sharegpt_error("["), ":1:2: unexpected end of file");
  EXPECT_EQ(sharegpt_error("[] []"), ":1:4: unexpected '[' after the JSON value");
  EXPECT_EQ(sharegpt_error(R"([{"conversations": [{"from": "gpt", "value": "x"}]}])"),
            ": none of the 1 conversations has a human turn answered by a gpt turn");
  EXPECT_EQ(sharegpt_error("[]"), ": none of the 0 conversations has a human turn answered by a gpt turn");
}

TEST(JsonReader, ReadsNumbersExactly) {
  const auto v = json::Parser(R"([0, -12, 9007199254740993, 1.5e3, 512.0, 1e300, -0.25])", "line").parse_document();
  ASSERT_EQ(v.items.size(), 7u);
  EXPECT_EQ(v.items[0].integer(), 0);
  EXPECT_EQ(v.items[1].integer(), -12);
  EXPECT_EQ(v.items[2].integer(), 9007199254740993);  // beyond a double's exact integers
  EXPECT_EQ(v.items[3].integer(), 1500);
  EXPECT_EQ(v.items[4].integer(), 512);
  EXPECT_EQ(v.items[5].integer(), std::nullopt);
  EXPECT_EQ(v.items[6].integer(), std::nullopt);
  EXPECT_EQ(v.items[6].number, -0.25);
  EXPECT_EQ(v.items[6].text, "-0.25");
}

TEST(JsonReader, NeverCrashesOnMangledInput) {
  // Every byte changed, dropped or repeated at random: a value or a SyntaxError, never more.
  const std::string valid =
      R"({"id": 7, "messages": [{"role": "user", "content": "h\u00e9llo \ud83d\ude00 日本"}], "max_tokens": 1.5e2, "x": [true, null, -0]})";
  SplitMix64 rng(12345);
  int parsed = 0;
  for (int round = 0; round < 20'000; ++round) {
    std::string text = valid;
    for (int edits = 1 + static_cast<int>(rng.next() % 4); edits > 0; --edits) {
      const std::size_t at = rng.next() % text.size();
      switch (rng.next() % 3) {
        case 0: text[at] = static_cast<char>(rng.next() & 0xFF); break;
        case 1: text.erase(at, 1); break;
        default: text.insert(at, 1, text[at]); break;
      }
      if (text.empty()) text = "{";
    }
    try {
      const auto v = json::Parser(text, "line").parse_document();
      parsed += v.type == json::Value::Type::object;
    } catch (const json::SyntaxError& e) {
      EXPECT_LE(e.offset(), text.size());
    }
  }
  EXPECT_GT(parsed, 0);
}

TEST(LineAndColumn, CountsCharactersFromOne) {
  EXPECT_EQ(line_and_column("ab\ncd", 0), (std::pair<std::int64_t, std::int64_t>{1, 1}));
  EXPECT_EQ(line_and_column("ab\ncd", 4), (std::pair<std::int64_t, std::int64_t>{2, 2}));
  EXPECT_EQ(line_and_column("日本\nx日y", 8 + 3), (std::pair<std::int64_t, std::int64_t>{2, 3}));
  EXPECT_EQ(count_code_points("日本語 ok"), 6);
}

}  // namespace
}  // namespace hakari::load
