#include "hakari/target/command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "hakari/target/server.h"

namespace hakari::target {
namespace {

bool is_identifier(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : text) {
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote != 0) throw TargetError("unterminated " + std::string(1, quote) + " quote in command: " + std::string(text));
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::string expand_placeholders(std::string_view word, const std::map<std::string, std::string>& values,
                                const std::vector<std::string>& known) {
  std::string out;
  std::size_t pos = 0;
  while (pos < word.size()) {
    const std::size_t open = word.find('{', pos);
    if (open == std::string_view::npos) break;
    const std::size_t close = word.find('}', open + 1);
    if (close == std::string_view::npos) break;
    const std::string_view name = word.substr(open + 1, close - open - 1);
    out.append(word.substr(pos, open - pos));
    if (!is_identifier(name)) {
      out.append(word.substr(open, close + 1 - open));  // not a placeholder: kept as written
    } else if (auto v = values.find(std::string(name)); v != values.end()) {
      out += v->second;
    } else if (std::find(known.begin(), known.end(), name) != known.end()) {
      throw TargetError("the command uses {" + std::string(name) + "} but the target sets no " + std::string(name));
    } else {
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "{" : ", {") + k + "}";
      throw TargetError("unknown placeholder {" + std::string(name) + "} in the command (known: " + list + ")");
    }
    pos = close + 1;
  }
  out.append(word.substr(std::min(pos, word.size())));
  return out;
}

std::vector<std::string> expand_command(std::string_view text, const std::map<std::string, std::string>& values,
                                        const std::vector<std::string>& known) {
  std::vector<std::string> argv = split_words(text);
  for (std::string& word : argv) word = expand_placeholders(word, values, known);
  return argv;
}

std::string find_program(const std::string& name, const std::string& path) {
  if (name.find('/') != std::string::npos) return name;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t end = path.find(':', pos);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(pos, end - pos);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + name;
    if (is_executable_file(candidate)) return candidate;
    pos = end + 1;
  }
  throw std::runtime_error("'" + name + "' was not found on PATH (" + path + ")");
}

std::string quote_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& arg : argv) {
    if (!out.empty()) out += ' ';
    const bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             std::string_view("-_./:=,+@%").find(c) != std::string_view::npos;
    });
    if (plain) {
      out += arg;
      continue;
    }
    out += '\'';
    for (char c : arg) {
      if (c == '\'') {
        out += "'\\''";
      } else {
        out += c;
      }
    }
    out += '\'';
  }
  return out;
}

}  // namespace hakari::target
