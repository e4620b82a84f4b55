#include "hakari/core/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace hakari {
namespace {

std::string as_json(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(JsonString, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(as_json("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(as_json("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(as_json(std::string("\x01\x1f", 2)), R"("\u0001\u001f")");
  EXPECT_EQ(as_json(std::string("nul\0x", 5)), R"("nul\u0000x")");
}

TEST(JsonString, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(as_json("日本語 лтати"), "\"日本語 лтати\"");
  EXPECT_EQ(as_json("😀"), "\"😀\"");
  EXPECT_EQ(as_json("a\xff" "b"), "\"a\xEF\xBF\xBD" "b\"");             // stray byte
  EXPECT_EQ(as_json("\xe6\x97"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");           // truncated sequence
  EXPECT_EQ(as_json("\xc0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");           // overlong NUL
  EXPECT_EQ(as_json("\xed\xa0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // surrogate
}

TEST(JsonWriter, CompactObjectsArraysAndScalars) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field("s", "x").field("i", -3).field("u", 18446744073709551615ull).field("d", 0.1).field("b", true);
  w.field_null("n");
  w.key("a").begin_array().value(1).value(2.5).begin_object().end_object().begin_array().end_array().end_array();
  w.key("raw").raw(R"({"k":[1]})");
  w.field("opt", std::optional<int>{}).field("opt2", std::optional<double>{1.5});
  w.end_object();
  EXPECT_EQ(out,
            R"({"s":"x","i":-3,"u":18446744073709551615,"d":0.1,"b":true,"n":null,"a":[1,2.5,{},[]],"raw":{"k":[1]},"opt":null,"opt2":1.5})");
}

TEST(JsonWriter, NonFiniteNumbersBecomeNull) {
  std::string out;
  JsonWriter w(out);
  w.begin_array().value(std::nan("")).value(std::numeric_limits<double>::infinity()).value(1e300).end_array();
  EXPECT_EQ(out, "[null,null,1e+300]");
}

TEST(JsonWriter, PrettyPrints) {
  std::string out;
  JsonWriter w(out, 2);
  w.begin_object().field("a", 1).key("b").begin_array().value(2).end_array().key("c").begin_object().end_object().end_object();
  EXPECT_EQ(out, "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ],\n  \"c\": {}\n}");
}

}  // namespace
}  // namespace hakari
