// Prompts from files: JSON Lines of prompts or message lists, and ShareGPT conversations
// (the format vLLM's benchmark reads). Also the bounded file, line and JSON readers the
// load module's loaders share: every file is untrusted input, so sizes and nesting are
// capped and every error names its place.
#pragma once

#include "hakari/load/message.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hakari::load {

struct DatasetItem {
  std::string id;                 // the file's own id, else "line N" (JSONL) or "item N" (ShareGPT)
  std::vector<Message> messages;  // the prompt: one user message, or system + user (JSONL may give a history)
  std::optional<std::int64_t> max_tokens;
  // ShareGPT: the recorded answer's length in characters (Unicode code points), to size
  // max_tokens when the workload follows the dataset's own answers.
  std::optional<std::int64_t> reference_output_chars;
};

// One JSON object a line; blank lines are skipped:
//   {"prompt": "...", "system": "...", "max_tokens": 256, "id": "q1"}
//   {"messages": [{"role": "system", "content": "..."}, {"role": "user", "content": "..."}], ...}
// "system" is optional; a message list ends with a user message. Other keys are ignored.
// Errors: LoadError "path:line:column: ...".
std::vector<DatasetItem> load_prompt_jsonl(const std::string& path);

struct ShareGptFile {
  std::vector<DatasetItem> items;
  std::size_t conversations = 0;  // all conversations in the file
  std::size_t skipped = 0;        // those without a human turn answered by a gpt turn
};

// A JSON array of {"id": ..., "conversations": [{"from": "human"|"gpt"|"system", "value": "..."}]}
// ("user"/"assistant" are read as "human"/"gpt"). Each conversation's first human turn,
// with the system turn just before it if there is one, is a prompt; the gpt turn right
// after it gives reference_output_chars. Conversations without both are skipped and
// counted. A file whose shape is wrong is refused with "path:line:column: ...".
ShareGptFile load_sharegpt_file(const std::string& path);
std::vector<DatasetItem> load_sharegpt(const std::string& path);  // load_sharegpt_file(path).items

// ---- Shared readers (the dataset and trace loaders) ----

inline constexpr std::size_t kMaxLineBytes = std::size_t{16} << 20;     // one JSONL or CSV line
inline constexpr std::uint64_t kMaxFileBytes = std::uint64_t{2} << 30;  // any one file

// The whole file, refused (LoadError "path: ...") when it cannot be read or is larger than
// `max_bytes`.
std::string read_file_bounded(const std::string& path, std::uint64_t max_bytes = kMaxFileBytes);

// Reads a text file line by line without holding it whole; a line longer than
// kMaxLineBytes or a file longer than kMaxFileBytes is refused with LoadError.
class LineReader {
 public:
  explicit LineReader(const std::string& path);
  // The next line without its "\n" (or "\r\n"); a UTF-8 byte order mark before the first
  // line is dropped. False at the end of the file.
  bool next(std::string& line);
  std::int64_t line_number() const { return line_number_; }

 private:
  std::string path_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::uint64_t bytes_read_ = 0;
  std::int64_t line_number_ = 0;
  bool eof_ = false;
};

// Line and column (both from 1; the column counts characters, not bytes) of `offset`.
std::pair<std::int64_t, std::int64_t> line_and_column(std::string_view text, std::size_t offset);

// Unicode code points in valid UTF-8 text.
std::int64_t count_code_points(std::string_view text);

namespace json {

// A strict JSON (RFC 8259) reader with positions, so a bad dataset line is refused at the
// exact column. Strings must be valid UTF-8; a lone surrogate escape (\ud800) becomes
// U+FFFD, as Python writes them into real datasets; duplicate keys: the last one counts.
struct Member;

struct Value {
  enum class Type { null, boolean, number, string, array, object };
  Type type = Type::null;
  bool boolean = false;
  double number = 0;
  std::optional<std::int64_t> exact_integer;  // a number written as an integer that fits
  std::string text;                           // a string; for a number, as written
  std::vector<Value> items;
  std::vector<Member> members;
  std::size_t offset = 0;  // where the value begins in the parsed text

  const Value* find(std::string_view key) const;
  // The number as an integer when it is one (512, or 512.0 below 2^53).
  std::optional<std::int64_t> integer() const;
  std::string_view type_name() const;  // "a string", "an object", ...
};

struct Member {
  std::string key;
  Value value;
};

class SyntaxError : public std::runtime_error {
 public:
  SyntaxError(std::size_t offset, const std::string& message) : std::runtime_error(message), offset_(offset) {}
  std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

class Parser {
 public:
  static constexpr int kMaxDepth = 64;

  // `end_name` says what ends the text in errors: "line" or "file".
  Parser(std::string_view text, std::string_view end_name) : text_(text), end_name_(end_name) {}

  // The text is one value and nothing else but whitespace.
  Value parse_document();
  // One value from the current position.
  Value parse_value() { return parse_value(0); }

  // Streaming a top-level array without holding it whole: begin_array() consumes "[";
  // next_element() returns true when another element follows (then call parse_value()),
  // false after the closing "]".
  void begin_array();
  bool next_element();
  // Only whitespace is left.
  void expect_end();

  std::size_t offset() const { return pos_; }
  void skip_whitespace();

 private:
  Value parse_value(int depth);
  void parse_string_into(std::string& out);
  void parse_number(Value& v);
  [[noreturn]] void fail(std::size_t offset, const std::string& message) const;
  [[noreturn]] void fail_unexpected() const;

  std::string_view text_;
  std::string_view end_name_;
  std::size_t pos_ = 0;
  bool first_element_ = true;
};

}  // namespace json
}  // namespace hakari::load
