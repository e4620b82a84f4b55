#include "hakari/load/trace.h"

#include "hakari/load/dataset.h"
#include "hakari/load/load_error.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>

namespace hakari::load {
namespace {

constexpr std::int64_t kMaxTraceTokens = 10'000'000;
// Times up to about 285 years fit the nanosecond clock; Unix-epoch milliseconds do too.
constexpr double kMaxSeconds = 9e9;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_blank(std::string_view s) { return trim(s).empty(); }

// A time in `unit_ns` units to nanoseconds; integers stay exact. nullopt: negative or
// beyond kMaxSeconds.
std::optional<Nanos> to_nanos(std::optional<std::int64_t> exact, double value, std::int64_t unit_ns) {
  const double max_units = kMaxSeconds * 1e9 / static_cast<double>(unit_ns);
  if (!(value >= 0) || value > max_units) return std::nullopt;
  if (exact) return *exact * unit_ns;
  return static_cast<Nanos>(std::llround(value * static_cast<double>(unit_ns)));
}

std::string range_problem(std::string_view name) {
  return fmt::format("{} must be a time from 0 to {} s", name, kMaxSeconds);
}

std::string token_problem(std::string_view name) {
  return fmt::format("{} must be a whole number from 1 to {}", name, kMaxTraceTokens);
}

bool tokens_ok(std::optional<std::int64_t> n) { return n && *n >= 1 && *n <= kMaxTraceTokens; }

// Keeps time order and makes times relative to the first entry.
class TraceBuilder {
 public:
  explicit TraceBuilder(const std::string& path) : path_(path) {}

  // `written` is the time as the file says it, with its unit, for the error message.
  void add(Nanos at, std::int64_t input, std::int64_t output, std::string written, std::int64_t line,
           std::int64_t column) {
    if (!entries_.empty() && at < previous_) {
      throw load_error_at(
          path_, line, column,
          fmt::format("time goes backwards: {} is before the previous entry's {}", written, previous_written_));
    }
    if (entries_.empty()) first_ = at;
    previous_ = at;
    previous_written_ = std::move(written);
    entries_.push_back({at - first_, input, output});
  }

  std::vector<TraceEntry> finish() && {
    if (entries_.empty()) throw load_error(path_, "no entries (the trace is empty)");
    return std::move(entries_);
  }

 private:
  const std::string& path_;
  std::vector<TraceEntry> entries_;
  Nanos first_ = 0;
  Nanos previous_ = 0;
  std::string previous_written_;
};

void read_jsonl_line(const std::string& path, std::string_view line, std::int64_t line_number, TraceBuilder& out) {
  const auto at = [&](std::size_t offset, std::string_view message) {
    return load_error_at(path, line_number, line_and_column(line, offset).second, message);
  };
  json::Value object;
  try {
    object = json::Parser(line, "line").parse_document();
  } catch (const json::SyntaxError& e) {
    throw at(e.offset(), e.what());
  }
  if (object.type != json::Value::Type::object)
    throw at(
        object.offset,
        fmt::format(
            "expected an object such as {{\"timestamp\": 0, \"input_length\": 512, \"output_length\": 128}}, not {}",
            object.type_name()));

  // One of two names for each field; both at once is ambiguous.
  const auto pick = [&](std::string_view a, std::string_view b,
                        std::string_view what) -> std::pair<const json::Value*, std::string_view> {
    const json::Value* va = object.find(a);
    const json::Value* vb = object.find(b);
    if (va != nullptr && vb != nullptr) throw at(vb->offset, fmt::format("both \"{}\" and \"{}\"; give one", a, b));
    if (va == nullptr && vb == nullptr) throw at(object.offset, fmt::format("no \"{}\" or \"{}\" ({})", a, b, what));
    if (va != nullptr) return {va, a};
    return {vb, b};
  };
  const auto [time, time_key] = pick("timestamp", "t_s", "the send time: ms or s");
  const auto [input, input_key] = pick("input_length", "input_tokens", "prompt tokens");
  const auto [output, output_key] = pick("output_length", "output_tokens", "output tokens");

  const bool millis = time_key == "timestamp";
  if (time->type != json::Value::Type::number)
    throw at(time->offset, fmt::format("\"{}\" must be a number, not {}", time_key, time->type_name()));
  const auto ns = to_nanos(time->exact_integer, time->number, millis ? kNanosPerMilli : kNanosPerSecond);
  if (!ns) throw at(time->offset, range_problem(fmt::format("\"{}\"", time_key)));
  const auto input_tokens = input->integer();
  if (!tokens_ok(input_tokens)) throw at(input->offset, token_problem(fmt::format("\"{}\"", input_key)));
  const auto output_tokens = output->integer();
  if (!tokens_ok(output_tokens)) throw at(output->offset, token_problem(fmt::format("\"{}\"", output_key)));
  out.add(*ns, *input_tokens, *output_tokens, fmt::format("{} {}", time->text, millis ? "ms" : "s"), line_number,
          line_and_column(line, time->offset).second);
}

struct CsvField {
  std::string_view text;  // trimmed
  std::int64_t column;    // from 1, in characters
};

std::vector<CsvField> split_csv(std::string_view line) {
  std::vector<CsvField> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    const std::string_view raw =
        line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    const std::size_t lead = raw.find_first_not_of(" \t");
    const std::size_t offset = start + (lead == std::string_view::npos ? 0 : lead);
    fields.push_back({trim(raw), line_and_column(line, offset).second});
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

struct CsvColumns {
  std::size_t count = 0;
  std::size_t time = 0;
  std::size_t input = 0;
  std::size_t output = 0;
};

CsvColumns read_csv_header(const std::string& path, std::string_view line, std::int64_t line_number) {
  const auto fields = split_csv(line);
  CsvColumns columns{fields.size(), fields.size(), fields.size(), fields.size()};
  for (std::size_t i = 0; i < fields.size(); ++i) {
    std::size_t* slot = fields[i].text == "t_s"             ? &columns.time
                        : fields[i].text == "input_tokens"  ? &columns.input
                        : fields[i].text == "output_tokens" ? &columns.output
                                                            : nullptr;
    if (slot == nullptr) continue;
    if (*slot != fields.size())
      throw load_error_at(path, line_number, fields[i].column, fmt::format("column \"{}\" twice", fields[i].text));
    *slot = i;
  }
  for (const auto& [slot, name] : {std::pair{columns.time, "t_s"}, std::pair{columns.input, "input_tokens"},
                                   std::pair{columns.output, "output_tokens"}}) {
    if (slot == fields.size())
      throw load_error_at(path, line_number, 1,
                          fmt::format("a CSV trace's header names t_s, input_tokens and output_tokens; no \"{}\" (a "
                                      "JSON Lines trace starts with '{{')",
                                      name));
  }
  return columns;
}

void read_csv_line(const std::string& path, std::string_view line, std::int64_t line_number, const CsvColumns& columns,
                   TraceBuilder& out) {
  const auto fields = split_csv(line);
  if (fields.size() != columns.count)
    throw load_error_at(path, line_number, 1,
                        fmt::format("expected {} fields as in the header, got {}", columns.count, fields.size()));
  const CsvField& time = fields[columns.time];
  double seconds = 0;
  const auto [tend, tec] = std::from_chars(time.text.data(), time.text.data() + time.text.size(), seconds);
  std::optional<Nanos> ns;
  if (!time.text.empty() && tec == std::errc() && tend == time.text.data() + time.text.size() && std::isfinite(seconds))
    ns = to_nanos(std::nullopt, seconds, kNanosPerSecond);
  if (!ns) throw load_error_at(path, line_number, time.column, range_problem("t_s"));

  const auto tokens = [&](const CsvField& field, std::string_view name) {
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(field.text.data(), field.text.data() + field.text.size(), n);
    const bool whole = !field.text.empty() && ec == std::errc() && end == field.text.data() + field.text.size();
    if (!whole || !tokens_ok(n)) throw load_error_at(path, line_number, field.column, token_problem(name));
    return n;
  };
  const std::int64_t input = tokens(fields[columns.input], "input_tokens");
  const std::int64_t output = tokens(fields[columns.output], "output_tokens");
  out.add(*ns, input, output, fmt::format("{} s", time.text), line_number, time.column);
}

}  // namespace

std::vector<TraceEntry> load_trace(const std::string& path) {
  LineReader reader(path);
  TraceBuilder out(path);
  std::string line;
  enum class Shape { unknown, jsonl, csv } shape = Shape::unknown;
  CsvColumns columns;
  while (reader.next(line)) {
    if (is_blank(line)) continue;
    if (shape == Shape::unknown) {
      // The first line decides: an object starts a JSON Lines trace, anything else is a CSV header.
      if (trim(line).starts_with('{')) {
        shape = Shape::jsonl;
      } else {
        shape = Shape::csv;
        columns = read_csv_header(path, line, reader.line_number());
        continue;
      }
    }
    if (shape == Shape::jsonl) {
      read_jsonl_line(path, line, reader.line_number(), out);
    } else {
      read_csv_line(path, line, reader.line_number(), columns, out);
    }
  }
  return std::move(out).finish();
}

}  // namespace hakari::load
