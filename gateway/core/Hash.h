#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace medbridge::core {

// Lower-case hex SHA-256 of the bytes.
std::string sha256Hex(std::string_view bytes);

// Name-based UUID (RFC 4122 version 5, SHA-1) in the medbridge namespace: the same name always
// gives the same id, which is what makes mapped Bundles deterministic.
std::string nameUuid(std::string_view name);

// Base64 (RFC 4648, no line breaks) of the bytes, and back (invalid input decodes as far as it
// goes).
std::string base64(const std::string& bytes);
std::string unbase64(const std::string& text);

}  // namespace medbridge::core
