#include "mappings/identity/IdentifierSystems.h"

#include <rapidjson/document.h>

#include <cctype>

#include "gateway/core/ErrorCode.h"
#include "mappings/tables/Tables.h"

namespace medbridge::mappings::identity {
namespace {

using core::Error;
using core::ErrorCode;

std::string member(const rapidjson::Value& row, const char* name, bool required,
                   std::size_t index) {
  auto it = row.FindMember(name);
  if (it == row.MemberEnd() || !it->value.IsString()) {
    if (required)
      throw Error(ErrorCode::ConfigInvalid, "identifier systems: row " + std::to_string(index + 1) +
                                                " needs a string \"" + name + "\"");
    return "";
  }
  return it->value.GetString();
}

}  // namespace

IdentifierSystems IdentifierSystems::fromJson(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("systems") ||
      !doc["systems"].IsArray())
    throw Error(ErrorCode::ConfigInvalid,
                "identifier systems: a JSON object with a \"systems\" array is expected");
  IdentifierSystems table;
  const auto& rows = doc["systems"];
  for (rapidjson::SizeType i = 0; i < rows.Size(); ++i) {
    if (!rows[i].IsObject())
      throw Error(ErrorCode::ConfigInvalid,
                  "identifier systems: row " + std::to_string(i + 1) + " is not an object");
    IdentifierSystem s;
    s.authority = member(rows[i], "authority", true, i);
    s.system = member(rows[i], "system", true, i);
    s.type = member(rows[i], "type", true, i);
    s.hospital = member(rows[i], "hospital", false, i);
    auto trusted = rows[i].FindMember("trusted");
    s.trusted =
        trusted != rows[i].MemberEnd() && trusted->value.IsBool() && trusted->value.GetBool();
    static const char* kTypes[] = {"national-id", "mrn", "pacs-id", "platform-id", "insurance"};
    bool knownType = false;
    for (const char* t : kTypes) knownType |= s.type == t;
    if (!knownType)
      throw Error(ErrorCode::ConfigInvalid,
                  "identifier systems: row " + std::to_string(i + 1) + " has unknown type \"" +
                      s.type + "\" (national-id, mrn, pacs-id, platform-id, insurance)");
    table.systems_.push_back(std::move(s));
  }
  auto guardian = doc.FindMember("guardianTypeCodes");
  if (guardian == doc.MemberEnd()) {
    table.guardianTypeCodes_ = {"GUARDIAN"};
  } else {
    if (!guardian->value.IsArray())
      throw Error(ErrorCode::ConfigInvalid,
                  "identifier systems: \"guardianTypeCodes\" must be an array of strings");
    for (const auto& code : guardian->value.GetArray()) {
      if (!code.IsString())
        throw Error(ErrorCode::ConfigInvalid,
                    "identifier systems: \"guardianTypeCodes\" must be an array of strings");
      table.guardianTypeCodes_.push_back(code.GetString());
    }
  }
  return table;
}

const IdentifierSystems& IdentifierSystems::builtIn() {
  static const IdentifierSystems kBuiltIn = fromJson(embeddedTables().at("identifier-systems"));
  return kBuiltIn;
}

const IdentifierSystem* IdentifierSystems::find(const std::string& authority,
                                                const std::string& universalId) const {
  for (const auto& s : systems_)
    if ((!authority.empty() && (s.authority == authority || s.system == authority)) ||
        (!universalId.empty() && (s.system == "urn:oid:" + universalId || s.system == universalId)))
      return &s;
  return nullptr;
}

bool IdentifierSystems::isGuardianType(const std::string& code) const {
  for (const auto& c : guardianTypeCodes_)
    if (c == code) return true;
  return false;
}

std::string IdentifierSystems::systemFor(const std::string& authority,
                                         const std::string& universalId,
                                         const std::string& universalIdType) const {
  if (const IdentifierSystem* s = find(authority, universalId)) return s->system;
  if (!universalId.empty() && universalIdType == "ISO") return "urn:oid:" + universalId;
  if (!universalId.empty() && (universalIdType == "URI" || universalIdType == "URL"))
    return universalId;
  std::string key = authority.empty() ? universalId : authority;
  if (key.empty()) return "";
  std::string system = "urn:medbridge:aa:";
  for (unsigned char c : key) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      system += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      system += '%';
      system += kHex[c >> 4];
      system += kHex[c & 15];
    }
  }
  return system;
}

}  // namespace medbridge::mappings::identity
