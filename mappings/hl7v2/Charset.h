#pragma once

#include <string>
#include <string_view>

namespace medbridge::mappings::hl7v2 {

// A message converted to UTF-8, with what its MSH-18 declared.
struct DecodedMessage {
  std::string utf8;      // BOM removed
  std::string msh18;     // as written in MSH-18 (empty when absent)
  std::string encoding;  // iconv name of the wire encoding ("UTF-8", "GB18030", ...)
};

// Reads MSH-1/2 and MSH-18 from the ASCII start of the raw bytes (GB18030 trail bytes can look
// like delimiters, so nothing is split before conversion), then converts the whole message to
// UTF-8. Throws core::Error: Hl7MissingMsh, Hl7BadEncodingCharacters, Hl7UnsupportedCharset,
// Hl7InvalidBytes.
DecodedMessage decodeToUtf8(std::string_view raw);

// Encodes UTF-8 text in the given wire encoding (for ACKs going back in the inbound charset).
std::string encodeFromUtf8(std::string_view utf8, const std::string& encoding);

// The iconv name for an MSH-18 value, or "" when unsupported.
std::string encodingForMsh18(std::string_view msh18);

bool isValidUtf8(std::string_view s, std::size_t* badOffset = nullptr);

}  // namespace medbridge::mappings::hl7v2
