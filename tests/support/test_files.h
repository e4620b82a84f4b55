// Test data lookup: files under tests/data, read whole.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace hakari::testing {

inline std::string data_path(const std::string& relative) { return std::string(HAKARI_TEST_DATA_DIR) + "/" + relative; }

inline std::string read_data(const std::string& relative) {
  std::ifstream in(data_path(relative), std::ios::binary);
  if (!in) throw std::runtime_error("missing test data: " + data_path(relative));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Splits a captured .http file into its status code, header block and body.
struct HttpCapture {
  int status = 0;
  std::string headers;
  std::string body;
};

inline HttpCapture parse_http_capture(const std::string& text) {
  HttpCapture c;
  auto sp = text.find(' ');
  c.status = std::stoi(text.substr(sp + 1, 3));
  // Captures may keep the server's CRLF line ends or not.
  std::size_t blank = text.find("\r\n\r\n");
  std::size_t skip = 4;
  if (blank == std::string::npos) {
    blank = text.find("\n\n");
    skip = 2;
  }
  c.headers = text.substr(0, blank);
  c.body = blank == std::string::npos ? "" : text.substr(blank + skip);
  return c;
}

}  // namespace hakari::testing
