// Command lines: a suite's command template (placeholders such as {port} and {model},
// quoting with "…" or '…') turned into argv, program lookup on the server's PATH, and
// quoting for messages and logs.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hakari::target {

// Splits a template into words on blanks; "…" and '…' keep blanks inside a word (the
// quotes are removed). Throws TargetError on an unterminated quote.
std::vector<std::string> split_words(std::string_view text);

// Replaces {placeholder}s in `word` with their values. A known placeholder whose value is
// missing, or an unknown {identifier}, throws TargetError naming it; braces around
// anything else ("{\"a\":1}") stay as they are. Values are never split into words.
std::string expand_placeholders(std::string_view word, const std::map<std::string, std::string>& values,
                                const std::vector<std::string>& known);

// split_words, then expand_placeholders on every word.
std::vector<std::string> expand_command(std::string_view text, const std::map<std::string, std::string>& values,
                                        const std::vector<std::string>& known);

// Where `name` runs from: itself when it holds a '/', else the first executable file of
// that name on `path` (a PATH value). Throws std::runtime_error when there is none.
std::string find_program(const std::string& name, const std::string& path);

// The words quoted where a POSIX shell would need it, joined by spaces.
std::string quote_command(const std::vector<std::string>& argv);

}  // namespace hakari::target
