// A small streaming JSON writer: appends to a caller-owned string, so the simulator can
// render a chunk into a reused buffer without allocating, and reports can pretty-print.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hakari {

// Appends `s` as a quoted JSON string. Control characters are escaped and invalid UTF-8
// is replaced by U+FFFD, so text from a model or a server always yields valid JSON.
void append_json_string(std::string& out, std::string_view s);

// Shortest round-trip form of a double; NaN and infinities become null.
void append_json_number(std::string& out, double v);

class JsonWriter {
 public:
  // indent = 0 writes compact JSON (as servers do); > 0 pretty-prints.
  explicit JsonWriter(std::string& out, int indent = 0) : out_(out), indent_(indent) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);

  JsonWriter& value(std::string_view v);
  JsonWriter& value(const char* v) { return value(std::string_view(v)); }
  JsonWriter& value(const std::string& v) { return value(std::string_view(v)); }
  JsonWriter& value(bool v);
  JsonWriter& value(int v) { return write_int(v); }
  JsonWriter& value(long v) { return write_int(v); }
  JsonWriter& value(long long v) { return write_int(v); }
  JsonWriter& value(unsigned v) { return write_uint(v); }
  JsonWriter& value(unsigned long v) { return write_uint(v); }
  JsonWriter& value(unsigned long long v) { return write_uint(v); }
  JsonWriter& value(double v);
  JsonWriter& null();
  // Inserts already-serialised JSON as one value.
  JsonWriter& raw(std::string_view json);

  template <typename T>
  JsonWriter& value(const std::optional<T>& v) {
    return v ? value(*v) : null();
  }
  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }
  JsonWriter& field_null(std::string_view k) {
    key(k);
    return null();
  }

 private:
  void before_value();
  JsonWriter& close(char bracket);
  void newline();
  JsonWriter& write_int(long long v);
  JsonWriter& write_uint(unsigned long long v);

  std::string& out_;
  int indent_;
  // One entry per open container: whether it already holds an element.
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

}  // namespace hakari
