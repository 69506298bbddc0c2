#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace medbridge::mappings::hl7v2 {

struct Delimiters {
  char field = '|';
  char component = '^';
  char repetition = '~';
  char escape = '\\';
  char subcomponent = '&';
};

// One segment: fields_[0] is the name; for MSH fields_[1] is MSH-2 (MSH-1 is the separator).
class Segment {
 public:
  std::string_view name() const { return fields_.empty() ? std::string_view() : fields_[0]; }
  // Raw (still escaped) text of field n (1-based), "" when absent.
  std::string_view field(int n) const;
  int fieldCount() const;
  std::vector<std::string_view> fields_;
  bool isMsh_ = false;
  char fieldSeparator_ = '|';
};

// A parsed HL7 v2 message over UTF-8 text. Views point into the message's own text.
class Message {
 public:
  // Parses UTF-8 text (BOM, CR, LF or CRLF tolerated). Throws core::Error (Hl7MissingMsh,
  // Hl7BadEncodingCharacters) when the message cannot be read at all.
  static Message parse(std::string utf8);

  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  Message(Message&&) = default;
  Message& operator=(Message&&) = default;

  const Delimiters& delimiters() const { return delims_; }
  const std::vector<Segment>& segments() const { return segments_; }
  const Segment* first(std::string_view name) const;
  std::vector<const Segment*> all(std::string_view name) const;

  // Unescaped value at a path such as "PID-3[2].4.1" (repetition 1-based, default 1).
  std::string get(std::string_view path) const;
  const std::string& text() const { return text_; }

  // Unescaped value of a segment's field/component/sub-component (first repetition unless rep).
  std::string value(const Segment& seg, int field, int component = 0, int sub = 0,
                    int rep = 1) const;
  // The repetitions of a field (raw).
  std::vector<std::string_view> repetitions(std::string_view rawField) const;
  // Component c (1-based) of a raw repetition, sub-component s (0 = whole).
  std::string_view component(std::string_view rawRep, int c, int s = 0) const;
  std::string unescape(std::string_view raw) const;

 private:
  Message() = default;
  std::string text_;
  Delimiters delims_;
  std::vector<Segment> segments_;
};

}  // namespace medbridge::mappings::hl7v2
