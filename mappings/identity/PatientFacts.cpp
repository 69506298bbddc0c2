#include "mappings/identity/PatientFacts.h"

namespace medbridge::mappings::identity {

std::string nameKey(const std::string& family, const std::string& given) {
  std::string text = family + given;
  std::string key;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      key += static_cast<char>(c);  // non-ASCII (Chinese characters) kept as written
    } else if (c >= 'A' && c <= 'Z') {
      key += static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      key += static_cast<char>(c);
    }  // spaces, hyphens, apostrophes and punctuation are dropped
  }
  return key;
}

}  // namespace medbridge::mappings::identity
