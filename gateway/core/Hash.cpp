#include "gateway/core/Hash.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>

#include <iterator>
#include <sstream>

#include <openssl/evp.h>

#include <cstdio>

namespace medbridge::core {
namespace {

// medbridge's UUID namespace (a fixed random v4 UUID).
constexpr std::uint8_t kNamespace[16] = {0x6b, 0x1f, 0x0e, 0x2a, 0x9d, 0x3c, 0x4e, 0x51,
                                         0x8a, 0x27, 0x5c, 0x90, 0x13, 0xd4, 0x7e, 0x62};

template <std::size_t N>
void digest(const EVP_MD* md, std::string_view a, std::string_view b, std::uint8_t (&out)[N]) {
  // One context per thread: allocating one per digest costs more than hashing a short name.
  struct Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
  };
  static thread_local Context context;
  unsigned int len = 0;
  EVP_DigestInit_ex(context.ctx, md, nullptr);
  EVP_DigestUpdate(context.ctx, a.data(), a.size());
  EVP_DigestUpdate(context.ctx, b.data(), b.size());
  EVP_DigestFinal_ex(context.ctx, out, &len);
}

std::string hex(const std::uint8_t* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    s[2 * i] = kHex[p[i] >> 4];
    s[2 * i + 1] = kHex[p[i] & 15];
  }
  return s;
}

}  // namespace

std::string sha256Hex(std::string_view bytes) {
  std::uint8_t out[32];
  digest(EVP_sha256(), bytes, {}, out);
  return hex(out, 32);
}

std::string nameUuid(std::string_view name) {
  std::uint8_t out[20];
  digest(EVP_sha1(), std::string_view(reinterpret_cast<const char*>(kNamespace), 16), name, out);
  out[6] = (out[6] & 0x0f) | 0x50;
  out[8] = (out[8] & 0x3f) | 0x80;
  std::string h = hex(out, 16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

std::string base64(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << bytes;
  encoder.close();
  return out.str();
}

std::string unbase64(const std::string& text) {
  std::istringstream in(text);
  Poco::Base64Decoder decoder(in);
  return {std::istreambuf_iterator<char>(decoder), std::istreambuf_iterator<char>()};
}

}  // namespace medbridge::core
