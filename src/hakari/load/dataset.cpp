#include "hakari/load/dataset.h"

#include "hakari/load/document.h"
#include "hakari/load/load_error.h"

#include <fmt/format.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <tuple>

namespace hakari::load {
namespace {

// No request asks for more output than this; a larger max_tokens is a broken file.
constexpr std::int64_t kMaxTokensLimit = 10'000'000;

std::string errno_text(int err) { return std::strerror(err); }

std::string byte_count(std::uint64_t n) {
  if (n >= (std::uint64_t{1} << 30)) return fmt::format("{} GiB", n >> 30);
  if (n >= (std::uint64_t{1} << 20)) return fmt::format("{} MiB", n >> 20);
  return fmt::format("{} bytes", n);
}

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

// Opens for reading and refuses what is not a regular file below the cap, so a directory
// or a huge file fails with its name rather than deep in a read.
std::FILE* open_bounded(const std::string& path, std::uint64_t max_bytes, std::uint64_t& size) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) throw load_error(path, fmt::format("cannot open: {}", errno_text(errno)));
  struct stat st {};
  if (fstat(fileno(f), &st) != 0) {
    const int err = errno;
    std::fclose(f);
    throw load_error(path, fmt::format("cannot read: {}", errno_text(err)));
  }
  if (S_ISDIR(st.st_mode)) {
    std::fclose(f);
    throw load_error(path, "is a directory, not a file");
  }
  size = S_ISREG(st.st_mode) ? static_cast<std::uint64_t>(st.st_size) : 0;
  if (size > max_bytes) {
    std::fclose(f);
    throw load_error(path, fmt::format("too large ({}; at most {})", byte_count(size), byte_count(max_bytes)));
  }
  return f;
}

// ---- JSON ----

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string describe_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7F) return fmt::format("'{}'", c);
  return fmt::format("byte 0x{:02X}", u);
}

}  // namespace

// ---- Files and lines ----

std::string read_file_bounded(const std::string& path, std::uint64_t max_bytes) {
  std::uint64_t size = 0;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(open_bounded(path, max_bytes, size), &std::fclose);
  std::string out;
  out.reserve(static_cast<std::size_t>(size));
  char chunk[1 << 16];
  for (;;) {
    const std::size_t n = std::fread(chunk, 1, sizeof chunk, f.get());
    if (n > 0) {
      // A pipe or a file growing while read: the cap still holds.
      if (out.size() + n > max_bytes)
        throw load_error(path, fmt::format("too large (more than {})", byte_count(max_bytes)));
      out.append(chunk, n);
    }
    if (n < sizeof chunk) {
      if (std::ferror(f.get())) throw load_error(path, fmt::format("read failed: {}", errno_text(errno)));
      break;
    }
  }
  return out;
}

LineReader::LineReader(const std::string& path) : path_(path), file_(nullptr, &std::fclose) {
  std::uint64_t size = 0;
  file_.reset(open_bounded(path, kMaxFileBytes, size));
  buffer_.resize(std::size_t{1} << 16);
}

bool LineReader::next(std::string& line) {
  line.clear();
  for (;;) {
    const char* begin = buffer_.data() + begin_;
    const char* end = buffer_.data() + end_;
    const char* newline = static_cast<const char*>(std::memchr(begin, '\n', static_cast<std::size_t>(end - begin)));
    const std::size_t take =
        newline != nullptr ? static_cast<std::size_t>(newline - begin) : static_cast<std::size_t>(end - begin);
    if (line.size() + take > kMaxLineBytes)
      throw load_error_at(path_, line_number_ + 1, 1, fmt::format("line longer than {}", byte_count(kMaxLineBytes)));
    line.append(begin, take);
    if (newline != nullptr) {
      begin_ += take + 1;
      break;
    }
    begin_ = end_ = 0;
    if (eof_) {
      if (line.empty()) return false;
      break;
    }
    const std::size_t n = std::fread(buffer_.data(), 1, buffer_.size(), file_.get());
    if (n < buffer_.size()) {
      if (std::ferror(file_.get())) throw load_error(path_, fmt::format("read failed: {}", errno_text(errno)));
      eof_ = true;
    }
    end_ = n;
    bytes_read_ += n;
    if (bytes_read_ > kMaxFileBytes)
      throw load_error(path_, fmt::format("too large (more than {})", byte_count(kMaxFileBytes)));
  }
  ++line_number_;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line_number_ == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
  return true;
}

std::pair<std::int64_t, std::int64_t> line_and_column(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  const std::string_view before = text.substr(0, offset);
  const std::size_t last_newline = before.rfind('\n');
  const auto line = 1 + static_cast<std::int64_t>(std::count(before.begin(), before.end(), '\n'));
  const std::string_view line_start = last_newline == std::string_view::npos ? before : before.substr(last_newline + 1);
  return {line, 1 + count_code_points(line_start)};
}

std::int64_t count_code_points(std::string_view text) {
  // Every byte that is not a continuation byte starts a character.
  return static_cast<std::int64_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// ---- JSON ----

namespace json {

const Value* Value::find(std::string_view key) const {
  for (auto it = members.rbegin(); it != members.rend(); ++it)
    if (it->key == key) return &it->value;
  return nullptr;
}

std::optional<std::int64_t> Value::integer() const {
  if (type != Type::number) return std::nullopt;
  if (exact_integer) return exact_integer;
  constexpr double kExact = 9007199254740992.0;  // 2^53: every integer below is exact
  if (std::isfinite(number) && std::trunc(number) == number && std::fabs(number) <= kExact)
    return static_cast<std::int64_t>(number);
  return std::nullopt;
}

std::string_view Value::type_name() const {
  switch (type) {
    case Type::null: return "null";
    case Type::boolean: return "a boolean";
    case Type::number: return "a number";
    case Type::string: return "a string";
    case Type::array: return "an array";
    case Type::object: return "an object";
  }
  return "a value";
}

void Parser::fail(std::size_t offset, const std::string& message) const { throw SyntaxError(offset, message); }

void Parser::fail_unexpected() const {
  if (pos_ >= text_.size()) fail(pos_, fmt::format("unexpected end of {}", end_name_));
  fail(pos_, fmt::format("unexpected {}", describe_byte(text_[pos_])));
}

void Parser::skip_whitespace() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    ++pos_;
  }
}

Value Parser::parse_document() {
  Value v = parse_value(0);
  expect_end();
  return v;
}

void Parser::expect_end() {
  skip_whitespace();
  if (pos_ < text_.size()) fail(pos_, fmt::format("unexpected {} after the JSON value", describe_byte(text_[pos_])));
}

void Parser::begin_array() {
  skip_whitespace();
  if (pos_ >= text_.size() || text_[pos_] != '[') fail_unexpected();
  ++pos_;
  first_element_ = true;
}

bool Parser::next_element() {
  skip_whitespace();
  if (pos_ < text_.size() && text_[pos_] == ']') {
    ++pos_;
    return false;
  }
  if (!first_element_) {
    if (pos_ >= text_.size()) fail(pos_, fmt::format("unexpected end of {} inside an array", end_name_));
    if (text_[pos_] != ',')
      fail(pos_, fmt::format("expected ',' or ']' after an array element, got {}", describe_byte(text_[pos_])));
    ++pos_;
    skip_whitespace();
    if (pos_ < text_.size() && text_[pos_] == ']') fail(pos_, "a trailing ',' before ']'");
  }
  first_element_ = false;
  return true;
}

Value Parser::parse_value(int depth) {
  skip_whitespace();
  if (pos_ >= text_.size()) fail(pos_, fmt::format("unexpected end of {}", end_name_));
  Value v;
  v.offset = pos_;
  const char c = text_[pos_];
  if (c == '{' || c == '[') {
    if (depth >= kMaxDepth) fail(pos_, fmt::format("nested deeper than {} levels", kMaxDepth));
    const bool object = c == '{';
    const char close = object ? '}' : ']';
    v.type = object ? Value::Type::object : Value::Type::array;
    ++pos_;
    skip_whitespace();
    if (pos_ < text_.size() && text_[pos_] == close) {
      ++pos_;
      return v;
    }
    for (;;) {
      skip_whitespace();
      if (object) {
        if (pos_ >= text_.size()) fail(pos_, fmt::format("unexpected end of {} inside an object", end_name_));
        if (text_[pos_] != '"') fail(pos_, fmt::format("expected a string key, got {}", describe_byte(text_[pos_])));
        Member m;
        parse_string_into(m.key);
        skip_whitespace();
        if (pos_ >= text_.size()) fail(pos_, fmt::format("unexpected end of {} inside an object", end_name_));
        if (text_[pos_] != ':')
          fail(pos_, fmt::format("expected ':' after the key \"{}\", got {}", m.key, describe_byte(text_[pos_])));
        ++pos_;
        m.value = parse_value(depth + 1);
        v.members.push_back(std::move(m));
      } else {
        v.items.push_back(parse_value(depth + 1));
      }
      skip_whitespace();
      if (pos_ >= text_.size())
        fail(pos_, fmt::format("unexpected end of {} inside {}", end_name_, object ? "an object" : "an array"));
      if (text_[pos_] == close) {
        ++pos_;
        return v;
      }
      if (text_[pos_] != ',')
        fail(pos_, fmt::format("expected ',' or '{}' after {}, got {}", close,
                               object ? "an object member" : "an array element", describe_byte(text_[pos_])));
      ++pos_;
      skip_whitespace();
      if (pos_ < text_.size() && text_[pos_] == close) fail(pos_, fmt::format("a trailing ',' before '{}'", close));
    }
  }
  if (c == '"') {
    v.type = Value::Type::string;
    parse_string_into(v.text);
    return v;
  }
  if (c == '-' || is_digit(c)) {
    v.type = Value::Type::number;
    parse_number(v);
    return v;
  }
  for (const auto& [word, type, truth] : {std::tuple{std::string_view("true"), Value::Type::boolean, true},
                                          std::tuple{std::string_view("false"), Value::Type::boolean, false},
                                          std::tuple{std::string_view("null"), Value::Type::null, false}}) {
    if (text_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      v.type = type;
      v.boolean = truth;
      return v;
    }
  }
  fail_unexpected();
}

void Parser::parse_string_into(std::string& out) {
  const std::size_t start = pos_;
  ++pos_;  // the opening quote
  for (;;) {
    // Copy the plain run up to the next quote, backslash or control character at once.
    std::size_t run = pos_;
    while (run < text_.size()) {
      const auto u = static_cast<unsigned char>(text_[run]);
      if (u == '"' || u == '\\' || u < 0x20) break;
      ++run;
    }
    const std::string_view plain = text_.substr(pos_, run - pos_);
    if (const auto bad = first_invalid_utf8(plain)) fail(pos_ + *bad, "invalid UTF-8 in a string");
    out.append(plain);
    pos_ = run;
    if (pos_ >= text_.size()) fail(start, fmt::format("a string not closed before the end of the {}", end_name_));
    const char c = text_[pos_];
    if (c == '"') {
      ++pos_;
      return;
    }
    if (c != '\\')
      fail(pos_, fmt::format("control character 0x{:02X} in a string (escape it)", static_cast<unsigned char>(c)));
    if (pos_ + 1 >= text_.size()) fail(start, fmt::format("a string not closed before the end of the {}", end_name_));
    const char e = text_[pos_ + 1];
    switch (e) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        const auto hex4 = [&](std::size_t at) -> int {
          if (at + 4 > text_.size()) return -1;
          int value = 0;
          for (std::size_t i = 0; i < 4; ++i) {
            const int h = hex_value(text_[at + i]);
            if (h < 0) return -1;
            value = value * 16 + h;
          }
          return value;
        };
        const int unit = hex4(pos_ + 2);
        if (unit < 0) fail(pos_, "invalid \\u escape (four hex digits expected)");
        std::uint32_t cp = static_cast<std::uint32_t>(unit);
        std::size_t used = 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          const int low = text_.substr(pos_ + 6, 2) == "\\u" ? hex4(pos_ + 8) : -1;
          if (low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<std::uint32_t>(low) - 0xDC00);
            used = 12;
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = 0xFFFD;
        }
        append_utf8(out, cp);
        pos_ += used;
        continue;
      }
      default:
        fail(pos_, static_cast<unsigned char>(e) > 0x20 && static_cast<unsigned char>(e) < 0x7F
                       ? fmt::format("invalid escape '\\{}' in a string", e)
                       : fmt::format("invalid escape: {} after '\\' in a string", describe_byte(e)));
    }
    pos_ += 2;
  }
}

void Parser::parse_number(Value& v) {
  const std::size_t start = pos_;
  std::size_t p = pos_;
  const auto digits = [&] {
    const std::size_t from = p;
    while (p < text_.size() && is_digit(text_[p])) ++p;
    return p - from;
  };
  if (text_[p] == '-') ++p;
  if (p < text_.size() && text_[p] == '0') {
    ++p;
  } else if (digits() == 0) {
    fail(start, "invalid number");
  }
  bool integral = true;
  if (p < text_.size() && text_[p] == '.') {
    ++p;
    integral = false;
    if (digits() == 0) fail(start, "invalid number (digits expected after '.')");
  }
  if (p < text_.size() && (text_[p] == 'e' || text_[p] == 'E')) {
    ++p;
    integral = false;
    if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) ++p;
    if (digits() == 0) fail(start, "invalid number (digits expected in the exponent)");
  }
  // "01" and "1x" are not numbers: what follows must end the value.
  if (p < text_.size() && (is_digit(text_[p]) || std::isalpha(static_cast<unsigned char>(text_[p])) || text_[p] == '.'))
    fail(start, "invalid number");
  const std::string_view written = text_.substr(start, p - start);
  const auto [end, ec] = std::from_chars(written.data(), written.data() + written.size(), v.number);
  if (ec != std::errc() || end != written.data() + written.size()) fail(start, "number out of range");
  if (integral) {
    std::int64_t i = 0;
    const auto [iend, iec] = std::from_chars(written.data(), written.data() + written.size(), i);
    if (iec == std::errc() && iend == written.data() + written.size()) v.exact_integer = i;
  }
  v.text.assign(written);
  pos_ = p;
}

}  // namespace json

// ---- Prompt JSONL ----

namespace {

// Errors inside one JSONL line: the line number is the file's, the column the line's.
struct LinePlace {
  const std::string& path;
  std::int64_t line_number;
  std::string_view line;
  LoadError at(std::size_t offset, std::string_view message) const {
    return load_error_at(path, line_number, line_and_column(line, offset).second, message);
  }
};

// Errors inside one JSON text: line and column from the offset.
struct TextPlace {
  const std::string& path;
  std::string_view text;
  LoadError at(std::size_t offset, std::string_view message) const {
    const auto [line, column] = line_and_column(text, offset);
    return load_error_at(path, line, column, message);
  }
};

template <typename Place>
std::string item_id(const json::Value& object, const Place& place, std::string fallback) {
  const json::Value* id = object.find("id");
  if (id == nullptr || id->type == json::Value::Type::null) return fallback;
  if (id->type == json::Value::Type::string || id->type == json::Value::Type::number) return id->text;
  throw place.at(id->offset, fmt::format("\"id\" must be a string or a number, not {}", id->type_name()));
}

template <typename Place>
const std::string& string_member(const json::Value& object, std::string_view key, const Place& place) {
  const json::Value* v = object.find(key);
  if (v == nullptr) throw place.at(object.offset, fmt::format("no \"{}\"", key));
  if (v->type != json::Value::Type::string)
    throw place.at(v->offset, fmt::format("\"{}\" must be a string, not {}", key, v->type_name()));
  return v->text;
}

}  // namespace

std::vector<DatasetItem> load_prompt_jsonl(const std::string& path) {
  LineReader reader(path);
  std::vector<DatasetItem> items;
  std::string line;
  while (reader.next(line)) {
    if (is_blank(line)) continue;
    const LinePlace place{path, reader.line_number(), line};
    json::Value object;
    try {
      object = json::Parser(line, "line").parse_document();
    } catch (const json::SyntaxError& e) {
      throw place.at(e.offset(), e.what());
    }
    if (object.type != json::Value::Type::object)
      throw place.at(object.offset,
                     fmt::format("expected an object such as {{\"prompt\": \"...\"}}, not {}", object.type_name()));

    DatasetItem item;
    item.id = item_id(object, place, fmt::format("line {}", reader.line_number()));
    const json::Value* prompt = object.find("prompt");
    const json::Value* messages = object.find("messages");
    if (prompt != nullptr && messages != nullptr)
      throw place.at(messages->offset, "both \"prompt\" and \"messages\"; give one of them");
    if (prompt != nullptr) {
      if (prompt->type != json::Value::Type::string)
        throw place.at(prompt->offset, fmt::format("\"prompt\" must be a string, not {}", prompt->type_name()));
      if (is_blank(prompt->text)) throw place.at(prompt->offset, "\"prompt\" is empty");
      if (const json::Value* system = object.find("system");
          system != nullptr && system->type != json::Value::Type::null) {
        if (system->type != json::Value::Type::string)
          throw place.at(system->offset, fmt::format("\"system\" must be a string, not {}", system->type_name()));
        item.messages.push_back({"system", system->text});
      }
      item.messages.push_back({"user", prompt->text});
    } else if (messages != nullptr) {
      if (messages->type != json::Value::Type::array || messages->items.empty())
        throw place.at(messages->offset, "\"messages\" must be a non-empty array of {\"role\": ..., \"content\": ...}");
      for (const json::Value& m : messages->items) {
        if (m.type != json::Value::Type::object)
          throw place.at(m.offset, fmt::format("a message must be an object, not {}", m.type_name()));
        const std::string& role = string_member(m, "role", place);
        if (!is_known_role(role))
          throw place.at(m.find("role")->offset, fmt::format("unknown role \"{}\" (system, user or assistant)", role));
        const json::Value* content = m.find("content");
        if (content != nullptr && content->type == json::Value::Type::array)
          throw place.at(content->offset, "\"content\" must be a string (lists of content parts are not supported)");
        item.messages.push_back({role, string_member(m, "content", place)});
      }
      if (item.messages.back().role != "user")
        throw place.at(messages->items.back().offset,
                       "the last message must be the user's (it is the prompt to answer)");
    } else {
      throw place.at(object.offset, "no \"prompt\" or \"messages\"");
    }
    if (const json::Value* max_tokens = object.find("max_tokens");
        max_tokens != nullptr && max_tokens->type != json::Value::Type::null) {
      const auto n = max_tokens->integer();
      if (!n || *n < 1 || *n > kMaxTokensLimit)
        throw place.at(max_tokens->offset,
                       fmt::format("\"max_tokens\" must be a whole number from 1 to {}", kMaxTokensLimit));
      item.max_tokens = *n;
    }
    items.push_back(std::move(item));
  }
  if (items.empty()) throw load_error(path, "no prompts (the file is empty or blank)");
  return items;
}

// ---- ShareGPT ----

ShareGptFile load_sharegpt_file(const std::string& path) {
  const std::string text = read_file_bounded(path);
  std::string_view body = text;
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  const TextPlace place{path, body};
  ShareGptFile out;
  try {
    // Element by element, so a file of a million conversations is never one tree.
    json::Parser reader(body, "file");
    reader.skip_whitespace();
    if (reader.offset() < body.size() && body[reader.offset()] != '[') {
      const json::Value top = reader.parse_value();
      throw place.at(top.offset, fmt::format("expected a JSON array of conversations (the ShareGPT format), not {}",
                                             top.type_name()));
    }
    reader.begin_array();
    while (reader.next_element()) {
      const json::Value conversation = reader.parse_value();
      ++out.conversations;
      if (conversation.type != json::Value::Type::object)
        throw place.at(conversation.offset,
                       fmt::format("a conversation must be an object, not {}", conversation.type_name()));
      const json::Value* turns = conversation.find("conversations");
      if (turns == nullptr || turns->type != json::Value::Type::array)
        throw place.at(turns != nullptr ? turns->offset : conversation.offset, "no \"conversations\" array");

      struct Turn {
        std::string_view from;
        const std::string* value;
      };
      std::vector<Turn> read;
      read.reserve(turns->items.size());
      for (const json::Value& t : turns->items) {
        if (t.type != json::Value::Type::object)
          throw place.at(t.offset, fmt::format("a turn must be an object, not {}", t.type_name()));
        std::string_view role = string_member(t, "from", place);
        const std::string& value = string_member(t, "value", place);
        if (role == "user") role = "human";
        if (role == "assistant" || role == "chatgpt") role = "gpt";
        read.push_back({role, &value});
      }
      const auto human = std::find_if(read.begin(), read.end(), [](const Turn& t) { return t.from == "human"; });
      if (human == read.end() || human + 1 == read.end() || (human + 1)->from != "gpt" || is_blank(*human->value)) {
        ++out.skipped;
        continue;
      }
      DatasetItem item;
      item.id = item_id(conversation, place, fmt::format("item {}", out.conversations));
      if (human != read.begin() && (human - 1)->from == "system")
        item.messages.push_back({"system", *(human - 1)->value});
      item.messages.push_back({"user", *human->value});
      item.reference_output_chars = count_code_points(*(human + 1)->value);
      out.items.push_back(std::move(item));
    }
    reader.expect_end();
  } catch (const json::SyntaxError& e) {
    throw place.at(e.offset(), e.what());
  }
  if (out.items.empty())
    throw load_error(
        path, fmt::format("none of the {} conversations has a human turn answered by a gpt turn", out.conversations));
  return out;
}

std::vector<DatasetItem> load_sharegpt(const std::string& path) { return load_sharegpt_file(path).items; }

}  // namespace hakari::load
