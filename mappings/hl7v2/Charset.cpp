#include "mappings/hl7v2/Charset.h"

#include <iconv.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include "gateway/core/ErrorCode.h"

namespace medbridge::mappings::hl7v2 {
namespace {

using core::Error;
using core::ErrorCode;

std::string_view stripBom(std::string_view raw) {
  if (raw.size() >= 3 && raw.substr(0, 3) == "\xEF\xBB\xBF") raw.remove_prefix(3);
  return raw;
}

std::string trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

// MSH-18 from the header: split the bytes up to the first segment terminator on MSH-1.
std::string readMsh18(std::string_view raw) {
  if (raw.size() < 8 || raw.substr(0, 3) != "MSH") throw Error(ErrorCode::Hl7MissingMsh, "");
  const char fieldSep = raw[3];
  std::string_view enc = raw.substr(4, raw.find(fieldSep, 4) - 4);
  if (fieldSep == '\r' || fieldSep == '\n' || enc.size() < 3 || enc.size() > 5)
    throw Error(ErrorCode::Hl7BadEncodingCharacters, "MSH-2 is '" + std::string(enc) + "'");
  for (char c : enc)
    if (c == fieldSep || c == '\r' || c == '\n' || static_cast<unsigned char>(c) < 0x20 ||
        static_cast<unsigned char>(c) > 0x7e || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
        (c >= 'a' && c <= 'z'))
      throw Error(ErrorCode::Hl7BadEncodingCharacters, "MSH-2 is '" + std::string(enc) + "'");
  for (std::size_t i = 0; i < enc.size(); ++i)
    for (std::size_t j = i + 1; j < enc.size(); ++j)
      if (enc[i] == enc[j])
        throw Error(ErrorCode::Hl7BadEncodingCharacters,
                    "MSH-2 repeats '" + std::string(1, enc[i]) + "'");
  std::size_t end = raw.find_first_of("\r\n");
  std::string_view header = raw.substr(0, end);
  // "MSH" is field 0 of the split; MSH-1 is the separator itself, so MSH-n is split index n-1.
  int index = 0;
  std::size_t start = 0;
  while (start <= header.size()) {
    std::size_t next = header.find(fieldSep, start);
    if (next == std::string_view::npos) next = header.size();
    if (index == 17) return trim(header.substr(start, next - start));
    ++index;
    start = next + 1;
  }
  return "";
}

std::string convert(std::string_view in, const std::string& from, const std::string& to) {
  iconv_t cd = iconv_open(to.c_str(), from.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) throw Error(ErrorCode::Hl7UnsupportedCharset, from);
  std::string out;
  out.resize(in.size() * 2 + 16);
  char* inPtr = const_cast<char*>(in.data());
  std::size_t inLeft = in.size();
  std::size_t done = 0;
  while (inLeft > 0) {
    char* outPtr = out.data() + done;
    std::size_t outLeft = out.size() - done;
    std::size_t r = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft);
    done = out.size() - outLeft;
    if (r != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
      continue;
    }
    std::size_t offset = in.size() - inLeft;
    iconv_close(cd);
    throw Error(ErrorCode::Hl7InvalidBytes,
                "byte offset " + std::to_string(offset) + " is not valid " + from);
  }
  iconv_close(cd);
  out.resize(done);
  return out;
}

}  // namespace

bool isValidUtf8(std::string_view s, std::size_t* badOffset) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t n = s.size(), i = 0;
  while (i < n) {
    // ASCII fast path, eight bytes at a time.
    while (i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, p + i, 8);
      if (word & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    unsigned char c = p[i];
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= n && !(len == 2 && c < 0xC2) && !(c > 0xF4);
    for (int k = 1; ok && k < len; ++k) ok = (p[i + k] & 0xC0) == 0x80;
    if (ok && len == 3) {
      unsigned cp = ((c & 0x0F) << 12) | ((p[i + 1] & 0x3F) << 6) | (p[i + 2] & 0x3F);
      ok = cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF);
    }
    if (ok && len == 4) {
      unsigned cp = ((c & 0x07) << 18) | ((p[i + 1] & 0x3F) << 12);
      ok = cp >= 0x10000 && cp <= 0x10FFFF;
    }
    if (!ok) {
      if (badOffset) *badOffset = i;
      return false;
    }
    i += len;
  }
  return true;
}

std::string encodingForMsh18(std::string_view msh18) {
  std::string v = trim(msh18);
  if (v.empty() || v == "ASCII" || v == "UNICODE UTF-8" || v == "UTF-8") return "UTF-8";
  if (v == "8859/1") return "ISO-8859-1";
  if (v == "GB 18030-2000" || v == "GB18030" || v == "GB 18030") return "GB18030";
  if (v == "GBK") return "GBK";
  if (v == "ISO IR58" || v == "GB2312") return "GB2312";
  return "";
}

DecodedMessage decodeToUtf8(std::string_view raw) {
  raw = stripBom(raw);
  DecodedMessage out;
  out.msh18 = readMsh18(raw);
  out.encoding = encodingForMsh18(out.msh18);
  if (out.encoding.empty())
    throw Error(ErrorCode::Hl7UnsupportedCharset, "MSH-18 '" + out.msh18 + "'");
  if (out.encoding == "UTF-8") {
    // ASCII is a subset; undeclared senders in practice send UTF-8.
    std::size_t bad = 0;
    if (!isValidUtf8(raw, &bad))
      throw Error(ErrorCode::Hl7InvalidBytes,
                  "byte offset " + std::to_string(bad) + " is not valid UTF-8");
    out.utf8.assign(raw);
  } else {
    out.utf8 = convert(raw, out.encoding, "UTF-8");
  }
  return out;
}

std::string encodeFromUtf8(std::string_view utf8, const std::string& encoding) {
  if (encoding.empty() || encoding == "UTF-8") return std::string(utf8);
  return convert(utf8, "UTF-8", encoding);
}

}  // namespace medbridge::mappings::hl7v2
