#include "hakari/telemetry/server/prometheus.h"

#include <charconv>
#include <system_error>
#include <utility>

namespace hakari::telemetry::prometheus {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool metric_start(char c) { return is_alpha(c) || c == '_' || c == ':'; }
bool metric_char(char c) { return metric_start(c) || is_digit(c); }
bool label_start(char c) { return is_alpha(c) || c == '_'; }
bool label_char(char c) { return label_start(c) || is_digit(c); }

bool valid_metric_name(std::string_view s) {
  if (s.empty() || !metric_start(s[0])) return false;
  for (char c : s) {
    if (!metric_char(c)) return false;
  }
  return true;
}

// A position in one line; every read is bounds-checked.
struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  // Skips spaces and tabs; true when it skipped any.
  bool skip_blanks() {
    const std::size_t start = i;
    while (!done() && is_blank(s[i])) ++i;
    return i > start;
  }
  std::string_view token() {  // up to the next blank or the end
    const std::size_t start = i;
    while (!done() && !is_blank(s[i])) ++i;
    return s.substr(start, i - start);
  }
  std::string_view rest() {
    std::string_view r = s.substr(i);
    i = s.size();
    return r;
  }
};

// Go's strconv.ParseFloat as Prometheus uses it, less hex floats: decimal floats, and
// NaN / Inf / Infinity in any case, with an optional sign.
std::optional<double> parse_value(std::string_view tok) {
  if (!tok.empty() && tok[0] == '+') {
    tok.remove_prefix(1);
    if (!tok.empty() && (tok[0] == '+' || tok[0] == '-')) return std::nullopt;
  }
  if (tok.empty()) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v, std::chars_format::general);
  if (ec != std::errc() || end != tok.data() + tok.size()) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parse_timestamp(std::string_view tok) {
  if (!tok.empty() && tok[0] == '+') tok.remove_prefix(1);
  if (tok.empty()) return std::nullopt;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
  if (ec != std::errc() || end != tok.data() + tok.size()) return std::nullopt;
  return v;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::optional<MetricType> parse_type(std::string_view s) {
  if (s == "counter") return MetricType::counter;
  if (s == "gauge") return MetricType::gauge;
  if (s == "histogram") return MetricType::histogram;
  if (s == "summary") return MetricType::summary;
  if (s == "untyped" || s == "unknown") return MetricType::untyped;
  if (s == "info") return MetricType::info;
  if (s == "stateset") return MetricType::stateset;
  if (s == "gaugehistogram") return MetricType::gaugehistogram;
  return std::nullopt;
}

// One line's parse; `error` is a static description, empty when the line was fine.
class LineParser {
 public:
  LineParser(Exposition& out, std::unordered_map<std::string, std::size_t>& index,
             std::vector<unsigned char>& seen, const Limits& limits)
      : out_(out), index_(index), seen_(seen), limits_(limits) {}

  // Returns false when the input ends here (# EOF).
  bool line(std::string_view text, const char*& error) {
    Cursor c{text};
    c.skip_blanks();
    if (c.done()) return true;
    if (c.peek() == '#') return comment(c, error);
    error = sample(c);
    return true;
  }

 private:
  static constexpr unsigned char kHasHelp = 1;
  static constexpr unsigned char kHasType = 2;

  bool comment(Cursor& c, const char*& error) {
    ++c.i;  // '#'
    c.skip_blanks();
    const std::string_view keyword = c.token();
    if (keyword == "EOF") {
      c.skip_blanks();
      return !c.done();  // "# EOF" alone ends the input; "# EOF and more" is a comment
    }
    const bool help = keyword == "HELP";
    if (!help && keyword != "TYPE") return true;  // an ordinary comment
    if (!c.skip_blanks()) {
      error = "HELP/TYPE without a metric name";
      return true;
    }
    const std::string_view name = c.token();
    if (!valid_metric_name(name)) {
      error = "invalid metric name in HELP/TYPE";
      return true;
    }
    c.skip_blanks();
    if (help) {
      std::string doc;
      const std::string_view raw = c.rest();
      for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 1 < raw.size() && (raw[i + 1] == '\\' || raw[i + 1] == 'n')) {
          doc += raw[i + 1] == 'n' ? '\n' : '\\';
          ++i;
        } else {
          doc += raw[i];
        }
      }
      const std::optional<std::size_t> f = family(name);
      if (!f) return true;
      if ((seen_[*f] & kHasHelp) != 0) {
        error = "second HELP line for a metric";
        return true;
      }
      seen_[*f] |= kHasHelp;
      out_.families[*f].help = std::move(doc);
      return true;
    }
    const std::string_view type_name = c.token();
    c.skip_blanks();
    const std::optional<MetricType> type = parse_type(type_name);
    if (!type || !c.done()) {
      error = "unknown metric type in TYPE";
      return true;
    }
    const std::optional<std::size_t> f = family(name);
    if (!f) return true;
    if ((seen_[*f] & kHasType) != 0) {
      error = "second TYPE line for a metric";
      return true;
    }
    seen_[*f] |= kHasType;
    out_.families[*f].type = *type;
    return true;
  }

  // The index of the family named `name`, created on first mention; none past the limit.
  std::optional<std::size_t> family(std::string_view name) {
    std::string key(name);
    if (auto it = index_.find(key); it != index_.end()) return it->second;
    if (out_.families.size() >= limits_.max_families) return std::nullopt;
    const std::size_t i = out_.families.size();
    index_.emplace(key, i);
    seen_.push_back(0);
    out_.families.push_back(Family{std::move(key), MetricType::untyped, {}});
    return i;
  }

  const char* sample(Cursor& c) {
    Sample s;
    const std::size_t start = c.i;
    if (!metric_start(c.peek())) return "a sample line must start with a metric name";
    while (!c.done() && metric_char(c.peek())) ++c.i;
    s.name.assign(c.s.substr(start, c.i - start));
    const bool blank = c.skip_blanks();
    if (c.peek() == '{') {
      if (const char* e = labels(c, s.labels)) return e;
      c.skip_blanks();
    } else if (!blank) {
      return c.done() ? "sample without a value" : "unexpected character after the metric name";
    }
    const std::string_view value = c.token();
    if (value.empty()) return "sample without a value";
    const std::optional<double> v = parse_value(value);
    if (!v) return "sample value is not a number";
    s.value = *v;
    c.skip_blanks();
    if (!c.done() && c.peek() != '#') {
      const std::optional<std::int64_t> ts = parse_timestamp(c.token());
      if (!ts) return "timestamp is not an integer (milliseconds)";
      s.timestamp_ms = ts;
      c.skip_blanks();
    }
    // OpenMetrics exemplars (" # {trace_id=...} 1") carry nothing hakari needs.
    if (!c.done() && c.peek() != '#') return "unexpected text after the sample";
    out_.samples.push_back(std::move(s));
    return nullptr;
  }

  const char* labels(Cursor& c, std::vector<Label>& out) {
    ++c.i;  // '{'
    while (true) {
      c.skip_blanks();
      if (c.done()) return "unterminated label set";
      if (c.peek() == '}') {
        ++c.i;
        return nullptr;
      }
      const std::size_t start = c.i;
      if (!label_start(c.peek())) return "label name expected";
      while (!c.done() && label_char(c.peek())) ++c.i;
      const std::string_view name = c.s.substr(start, c.i - start);
      c.skip_blanks();
      if (c.peek() != '=') return "expected '=' after label name";
      ++c.i;
      c.skip_blanks();
      if (c.peek() != '"') return "label value must be quoted";
      ++c.i;
      std::string value;
      while (true) {
        if (c.done()) return "unterminated label value";
        const char ch = c.s[c.i++];
        if (ch == '"') break;
        if (ch != '\\') {
          value += ch;
          continue;
        }
        if (c.done()) return "unterminated label value";
        const char esc = c.s[c.i++];
        if (esc == '\\' || esc == '"') {
          value += esc;
        } else if (esc == 'n') {
          value += '\n';
        } else {
          return "invalid escape in label value";
        }
      }
      for (const Label& l : out) {
        if (l.name == name) return "duplicate label name";
      }
      if (out.size() >= limits_.max_labels) return "too many labels";
      out.push_back(Label{std::string(name), std::move(value)});
      c.skip_blanks();
      if (c.peek() == ',') {
        ++c.i;
      } else if (c.peek() != '}') {
        return "expected ',' or '}' in label set";
      }
    }
  }

  Exposition& out_;
  std::unordered_map<std::string, std::size_t>& index_;
  std::vector<unsigned char>& seen_;
  const Limits& limits_;
};

}  // namespace

std::optional<std::string_view> Sample::label(std::string_view label_name) const {
  for (const Label& l : labels) {
    if (l.name == label_name) return std::string_view(l.value);
  }
  return std::nullopt;
}

std::string_view metric_type_name(MetricType t) {
  switch (t) {
    case MetricType::untyped: return "untyped";
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    case MetricType::histogram: return "histogram";
    case MetricType::summary: return "summary";
    case MetricType::info: return "info";
    case MetricType::stateset: return "stateset";
    case MetricType::gaugehistogram: return "gaugehistogram";
  }
  return "untyped";
}

std::optional<double> Exposition::sum(std::string_view name) const {
  std::optional<double> total;
  for (const Sample& s : samples) {
    if (s.name == name) total = total.value_or(0.0) + s.value;
  }
  return total;
}

std::optional<double> Exposition::sum(std::string_view name, std::string_view label,
                                      std::string_view value) const {
  std::optional<double> total;
  for (const Sample& s : samples) {
    if (s.name == name && s.label(label) == value) total = total.value_or(0.0) + s.value;
  }
  return total;
}

std::optional<double> Exposition::mean(std::string_view name) const {
  const std::size_t n = count(name);
  if (n == 0) return std::nullopt;
  return *sum(name) / static_cast<double>(n);
}

std::size_t Exposition::count(std::string_view name) const {
  std::size_t n = 0;
  for (const Sample& s : samples) n += s.name == name ? 1 : 0;
  return n;
}

bool Exposition::has_prefix(std::string_view prefix) const {
  for (const Sample& s : samples) {
    if (s.name.size() >= prefix.size() && std::string_view(s.name).substr(0, prefix.size()) == prefix) {
      return true;
    }
  }
  return false;
}

const Family* Exposition::family(std::string_view name) const {
  const auto it = family_index_.find(std::string(name));
  return it == family_index_.end() ? nullptr : &families[it->second];
}

MetricType Exposition::type_of(std::string_view sample_name) const {
  if (const Family* f = family(sample_name)) return f->type;
  struct Suffix {
    std::string_view text;
    MetricType a, b, c;  // the family types this suffix can belong to
  };
  using T = MetricType;
  static constexpr Suffix kSuffixes[] = {
      {"_bucket", T::histogram, T::gaugehistogram, T::histogram},
      {"_count", T::histogram, T::summary, T::histogram},
      {"_sum", T::histogram, T::summary, T::histogram},
      {"_gcount", T::gaugehistogram, T::gaugehistogram, T::gaugehistogram},
      {"_gsum", T::gaugehistogram, T::gaugehistogram, T::gaugehistogram},
      {"_created", T::counter, T::histogram, T::summary},
      {"_total", T::counter, T::counter, T::counter},
      {"_info", T::info, T::info, T::info},
  };
  for (const Suffix& s : kSuffixes) {
    if (!ends_with(sample_name, s.text)) continue;
    const Family* f = family(sample_name.substr(0, sample_name.size() - s.text.size()));
    if (f != nullptr && (f->type == s.a || f->type == s.b || f->type == s.c)) return f->type;
  }
  return MetricType::untyped;
}

Exposition parse(std::string_view text, const Limits& limits) {
  Exposition out;
  if (text.size() > limits.max_bytes) {
    out.refused = true;
    out.first_error = "input larger than " + std::to_string(limits.max_bytes) + " bytes";
    return out;
  }
  std::vector<unsigned char> seen;  // per family: HELP / TYPE already given
  LineParser parser(out, out.family_index_, seen, limits);
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++out.lines;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const char* error = nullptr;
    if (line.size() > limits.max_line_bytes) {
      error = "line too long";
    } else if (out.samples.size() >= limits.max_samples) {
      out.truncated = true;
      break;
    } else if (!parser.line(line, error)) {
      break;  // # EOF
    }
    if (error != nullptr) {
      ++out.malformed_lines;
      if (out.first_error.empty()) out.first_error = "line " + std::to_string(out.lines) + ": " + error;
    }
  }
  return out;
}

}  // namespace hakari::telemetry::prometheus
