#include "mappings/hl7v2/Message.h"

#include <charconv>

#include "gateway/core/ErrorCode.h"
#include "mappings/hl7v2/Charset.h"

namespace medbridge::mappings::hl7v2 {
namespace {

using core::Error;
using core::ErrorCode;

std::string_view nth(std::string_view s, char sep, int n) {
  std::size_t start = 0;
  for (int i = 1; i < n; ++i) {
    std::size_t next = s.find(sep, start);
    if (next == std::string_view::npos) return {};
    start = next + 1;
  }
  std::size_t end = s.find(sep, start);
  return s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void appendLatin1(std::string& out, unsigned char b) {
  if (b < 0x80) {
    out += static_cast<char>(b);
  } else {
    out += static_cast<char>(0xC0 | (b >> 6));
    out += static_cast<char>(0x80 | (b & 0x3F));
  }
}

}  // namespace

std::string_view Segment::field(int n) const {
  if (n <= 0) return {};
  if (isMsh_) {
    if (n == 1) return std::string_view(&fieldSeparator_, 1);
    --n;
  }
  return static_cast<std::size_t>(n) < fields_.size() ? fields_[n] : std::string_view();
}

int Segment::fieldCount() const {
  return static_cast<int>(fields_.size()) - 1 + (isMsh_ ? 1 : 0);
}

Message Message::parse(std::string utf8) {
  Message m;
  if (utf8.size() >= 3 && utf8.compare(0, 3, "\xEF\xBB\xBF") == 0) utf8.erase(0, 3);
  // Normalise segment terminators to CR (LF and CRLF are common in files and some feeds).
  std::string text;
  if (utf8.find('\n') == std::string::npos) {
    text = std::move(utf8);
  } else {
    text.reserve(utf8.size());
    std::size_t pos = 0;
    while (pos < utf8.size()) {
      std::size_t lf = utf8.find('\n', pos);
      if (lf == std::string::npos) {
        text.append(utf8, pos, std::string::npos);
        break;
      }
      text.append(utf8, pos, lf - pos);
      if (text.empty() || text.back() != '\r') text += '\r';  // CRLF stays one CR
      pos = lf + 1;
    }
  }
  m.text_ = std::move(text);
  const std::string& t = m.text_;
  if (t.size() < 8 || t.compare(0, 3, "MSH") != 0) throw Error(ErrorCode::Hl7MissingMsh, "");
  m.delims_.field = t[3];
  std::size_t encEnd = t.find(m.delims_.field, 4);
  std::string_view enc(t.data() + 4, (encEnd == std::string::npos ? t.size() : encEnd) - 4);
  if (enc.size() < 3 || enc.find('\r') != std::string_view::npos)
    throw Error(ErrorCode::Hl7BadEncodingCharacters, "MSH-2 is '" + std::string(enc) + "'");
  m.delims_.component = enc[0];
  m.delims_.repetition = enc[1];
  m.delims_.escape = enc[2];
  m.delims_.subcomponent = enc.size() > 3 ? enc[3] : '&';

  std::string_view all(t);
  std::size_t start = 0;
  while (start < all.size()) {
    std::size_t end = all.find('\r', start);
    if (end == std::string_view::npos) end = all.size();
    std::string_view line = all.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    Segment seg;
    seg.fieldSeparator_ = m.delims_.field;
    std::size_t fs = 0;
    while (true) {
      std::size_t next = line.find(m.delims_.field, fs);
      if (next == std::string_view::npos) {
        seg.fields_.push_back(line.substr(fs));
        break;
      }
      seg.fields_.push_back(line.substr(fs, next - fs));
      fs = next + 1;
    }
    seg.isMsh_ = seg.name() == "MSH";
    m.segments_.push_back(std::move(seg));
  }
  return m;
}

const Segment* Message::first(std::string_view name) const {
  for (const auto& s : segments_)
    if (s.name() == name) return &s;
  return nullptr;
}

std::vector<const Segment*> Message::all(std::string_view name) const {
  std::vector<const Segment*> out;
  for (const auto& s : segments_)
    if (s.name() == name) out.push_back(&s);
  return out;
}

std::vector<std::string_view> Message::repetitions(std::string_view rawField) const {
  std::vector<std::string_view> out;
  if (rawField.empty()) return out;
  std::size_t start = 0;
  while (true) {
    std::size_t next = rawField.find(delims_.repetition, start);
    if (next == std::string_view::npos) {
      out.push_back(rawField.substr(start));
      return out;
    }
    out.push_back(rawField.substr(start, next - start));
    start = next + 1;
  }
}

std::string_view Message::component(std::string_view rawRep, int c, int s) const {
  std::string_view comp = c <= 0 ? rawRep : nth(rawRep, delims_.component, c);
  return s <= 0 ? comp : nth(comp, delims_.subcomponent, s);
}

std::string Message::value(const Segment& seg, int field, int comp, int sub, int rep) const {
  std::string_view f = seg.field(field);
  if (seg.isMsh_ && field <= 2) return std::string(f);  // delimiters are never escaped
  if (rep > 1 || f.find(delims_.repetition) != std::string_view::npos) {
    auto reps = repetitions(f);
    if (rep < 1 || static_cast<std::size_t>(rep) > reps.size()) return "";
    f = reps[rep - 1];
  }
  return unescape(component(f, comp, sub));
}

std::string Message::get(std::string_view path) const {
  // SEG-field[rep].component.sub
  if (path.size() < 5 || path[3] != '-') return "";
  std::string_view segName = path.substr(0, 3);
  int nums[4] = {0, 1, 0, 0};
  std::string_view rest = path.substr(4);
  auto readInt = [&rest](int& out) {
    auto r = std::from_chars(rest.data(), rest.data() + rest.size(), out);
    rest.remove_prefix(r.ptr - rest.data());
  };
  readInt(nums[0]);
  if (!rest.empty() && rest.front() == '[') {
    rest.remove_prefix(1);
    readInt(nums[1]);
    if (!rest.empty() && rest.front() == ']') rest.remove_prefix(1);
  }
  for (int i = 2; i < 4 && !rest.empty() && rest.front() == '.'; ++i) {
    rest.remove_prefix(1);
    readInt(nums[i]);
  }
  const Segment* seg = first(segName);
  return seg ? value(*seg, nums[0], nums[2], nums[3], nums[1]) : "";
}

std::string Message::unescape(std::string_view raw) const {
  const char esc = delims_.escape;
  if (raw.find(esc) == std::string_view::npos) return std::string(raw);
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != esc) {
      out += raw[i];
      continue;
    }
    std::size_t close = raw.find(esc, i + 1);
    if (close == std::string_view::npos) {  // a lone escape character is kept as text
      out += raw.substr(i);
      break;
    }
    std::string_view seq = raw.substr(i + 1, close - i - 1);
    if (seq == "F")
      out += delims_.field;
    else if (seq == "S")
      out += delims_.component;
    else if (seq == "T")
      out += delims_.subcomponent;
    else if (seq == "R")
      out += delims_.repetition;
    else if (seq == "E")
      out += delims_.escape;
    else if (seq == ".br" || seq == ".sp")
      out += '\n';
    else if (!seq.empty() && seq[0] == 'X') {
      std::string bytes;
      for (std::size_t k = 1; k + 1 < seq.size(); k += 2) {
        int hi = hexValue(seq[k]), lo = hexValue(seq[k + 1]);
        if (hi < 0 || lo < 0) break;
        bytes += static_cast<char>(hi * 16 + lo);
      }
      if (isValidUtf8(bytes)) {
        out += bytes;
      } else {
        for (unsigned char b : bytes) appendLatin1(out, b);
      }
    } else if (seq == "H" || seq == "N" ||
               (!seq.empty() && (seq[0] == 'C' || seq[0] == 'M' || seq[0] == '.'))) {
      // highlighting, character-set switches and formatting commands carry no text
    } else {
      out += raw.substr(i, close - i + 1);
    }
    i = close;
  }
  return out;
}

}  // namespace medbridge::mappings::hl7v2
