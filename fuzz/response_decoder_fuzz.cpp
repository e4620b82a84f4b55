// A whole response body from an untrusted server, in arbitrary reads: the decoder must
// settle every request to ok or a classified failure, never crash.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "hakari/backend/response_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hakari;
  if (size < 2) return 0;
  static backend::FrameParser parser;
  constexpr backend::ApiKind kApis[] = {backend::ApiKind::openai_chat, backend::ApiKind::openai_completions,
                                        backend::ApiKind::ollama_chat, backend::ApiKind::llamacpp_completion};
  const auto api = kApis[data[0] % 4];
  const std::size_t read_size = 1 + data[1] % 64;
  std::string_view body(reinterpret_cast<const char*>(data) + 2, size - 2);
  backend::ResponseDecoder decoder(api, parser, true);
  metrics::RequestRecord record;
  decoder.begin(record, 8);
  Nanos t = 1;
  decoder.on_status(200, t);
  for (std::size_t i = 0; i < body.size(); i += read_size) {
    if (!decoder.on_body(body.substr(i, read_size), ++t)) break;
  }
  decoder.on_complete(transport::TransferResult{}, ++t);
  if (record.ok() && record.error != metrics::ErrorClass::none) std::abort();
  if (!record.ok() && record.error == metrics::ErrorClass::none) std::abort();
  if (record.client_tokens < 0 || record.first_token > record.last_token) std::abort();
  return 0;
}
